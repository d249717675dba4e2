//! Which URLs webhooks may be sent to: http(s) only, no credentials in the
//! URL, and in production no private, loopback or otherwise internal address
//! unless its host is allow-listed (a webhook must not become a way to reach
//! the office's own network). The check runs when a subscription is created
//! and again on every connection, through a resolver that drops refused
//! addresses, so a name that later resolves inward is refused too.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

use url::{Host, Url};

/// Why a target URL is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TargetError {
    #[error("the url is not a valid absolute URL")]
    Invalid,
    #[error("only http and https urls are accepted")]
    Scheme,
    #[error("the url must not carry a user name or password")]
    Credentials,
    #[error(
        "the url's host {0} is a private or internal address; ask the office to allow-list it"
    )]
    NotAllowed(String),
    #[error("the url's host {0} does not resolve")]
    Unresolvable(String),
}

/// The rule for webhook targets.
#[derive(Debug, Clone, Default)]
pub struct TargetPolicy {
    /// Development: any address, loopback included (tests deliver to 127.0.0.1).
    pub allow_internal: bool,
    /// Hosts (names or IP literals, as written in the URL) allowed even when
    /// they are internal (`SHIKAKU_WEBHOOK_ALLOW_HOSTS`).
    pub allow_hosts: Vec<String>,
}

impl TargetPolicy {
    /// Parses `raw` and checks its form and, for an IP literal, its address.
    pub fn check(&self, raw: &str) -> Result<Url, TargetError> {
        let url = Url::parse(raw).map_err(|_| TargetError::Invalid)?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(TargetError::Scheme);
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(TargetError::Credentials);
        }
        let host = url.host().ok_or(TargetError::Invalid)?;
        let ip = match host {
            Host::Ipv4(ip) => Some(IpAddr::V4(ip)),
            Host::Ipv6(ip) => Some(IpAddr::V6(ip)),
            Host::Domain(_) => None,
        };
        let name = url.host_str().unwrap_or_default().to_owned();
        if let Some(ip) = ip {
            if !self.allows(&name, ip) {
                return Err(TargetError::NotAllowed(name));
            }
        }
        Ok(url)
    }

    /// [`TargetPolicy::check`], then (unless internal targets are allowed)
    /// resolves a host name and refuses it if any address is internal.
    pub async fn check_resolved(&self, raw: &str) -> Result<Url, TargetError> {
        let url = self.check(raw)?;
        let name = url.host_str().unwrap_or_default().to_owned();
        if self.allow_internal || self.allow_hosts.contains(&name) {
            return Ok(url);
        }
        if let Some(Host::Domain(domain)) = url.host() {
            let port = url.port_or_known_default().unwrap_or(443);
            let addrs: Vec<SocketAddr> = tokio::net::lookup_host((domain, port))
                .await
                .map_err(|_| TargetError::Unresolvable(name.clone()))?
                .collect();
            if addrs.is_empty() {
                return Err(TargetError::Unresolvable(name));
            }
            if addrs.iter().any(|a| !self.allows(&name, a.ip())) {
                return Err(TargetError::NotAllowed(name));
            }
        }
        Ok(url)
    }

    /// Whether `ip`, reached as `host`, may be connected to.
    pub fn allows(&self, host: &str, ip: IpAddr) -> bool {
        self.allow_internal || self.allow_hosts.iter().any(|h| h == host) || is_public(ip)
    }

    /// A resolver for the delivery client that keeps only allowed addresses.
    pub fn resolver(&self) -> Arc<GuardedResolver> {
        Arc::new(GuardedResolver {
            policy: self.clone(),
        })
    }
}

/// Resolves with the system resolver and drops the addresses the policy refuses.
#[derive(Debug)]
pub struct GuardedResolver {
    policy: TargetPolicy,
}

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let policy = self.policy.clone();
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let found = tokio::net::lookup_host((host.as_str(), 0)).await?;
            let allowed: Vec<SocketAddr> = found.filter(|a| policy.allows(&host, a.ip())).collect();
            if allowed.is_empty() {
                return Err(Box::new(TargetError::NotAllowed(host)) as _);
            }
            Ok(Box::new(allowed.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// Whether an address is on the public internet: not loopback, private,
/// link-local, shared (CGNAT), documentation, benchmarking, multicast,
/// reserved or unspecified, in IPv4 or IPv6 (IPv4-mapped included).
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => is_public_v4(v4),
            None => is_public_v6(v6),
        },
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    !(ip.is_private()
        || ip.is_loopback()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_documentation()
        || ip.is_multicast()
        || a == 0
        || (a == 100 && (64..128).contains(&b))
        || (a == 198 && (18..20).contains(&b))
        || (a == 192 && b == 0 && ip.octets()[2] == 0)
        || a >= 240)
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    !(ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_multicast()
        || (first & 0xfe00) == 0xfc00
        || (first & 0xffc0) == 0xfe80
        || first == 0x2001 && ip.segments()[1] == 0x0db8
        || first == 0x0064 && ip.segments()[1] == 0xff9b)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn production(allow: &[&str]) -> TargetPolicy {
        TargetPolicy {
            allow_internal: false,
            allow_hosts: allow.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn only_http_and_https_without_credentials() {
        let p = TargetPolicy::default();
        assert!(p.check("https://hooks.example.jp/x").is_ok());
        assert!(p.check("http://hooks.example.jp:8080/x").is_ok());
        assert_eq!(p.check("ftp://example.jp/"), Err(TargetError::Scheme));
        assert_eq!(p.check("file:///etc/passwd"), Err(TargetError::Scheme));
        assert_eq!(p.check("not a url"), Err(TargetError::Invalid));
        assert_eq!(
            p.check("https://user:pw@example.jp/"),
            Err(TargetError::Credentials)
        );
    }

    #[test]
    fn production_refuses_internal_addresses_unless_allow_listed() {
        let p = production(&["10.1.2.3"]);
        for url in [
            "http://127.0.0.1:8080/",
            "http://[::1]/",
            "http://192.168.1.10/",
            "http://172.16.0.1/",
            "http://169.254.169.254/latest/meta-data",
            "http://100.64.0.1/",
            "http://0.0.0.0/",
            "http://[fd00::1]/",
            "http://[fe80::1]/",
            "http://[::ffff:127.0.0.1]/",
        ] {
            assert!(
                matches!(p.check(url), Err(TargetError::NotAllowed(_))),
                "{url}"
            );
        }
        assert!(p.check("http://10.1.2.3/hook").is_ok());
        assert!(p.check("https://93.184.216.34/hook").is_ok());
        assert!(TargetPolicy {
            allow_internal: true,
            ..production(&[])
        }
        .check("http://127.0.0.1:9/")
        .is_ok());
    }

    #[tokio::test]
    async fn production_refuses_a_name_that_resolves_inward() {
        let p = production(&[]);
        assert!(matches!(
            p.check_resolved("http://localhost:8080/").await,
            Err(TargetError::NotAllowed(_))
        ));
        assert!(production(&["localhost"])
            .check_resolved("http://localhost:8080/")
            .await
            .is_ok());
    }
}
