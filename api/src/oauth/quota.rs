//! The IETF `RateLimit` and `RateLimit-Policy` headers
//! (draft-ietf-httpapi-ratelimit-headers) on every answer a rate limit
//! governs: a ministry client's 2xx and 4xx answers and its 429, so a
//! client can slow down before it is refused. A token bucket reads as a
//! quota of `burst` requests per the time it takes to refill from empty.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderMap, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage};

use super::rate::RateLimit;

/// The policy name of a ministry client's request rate.
pub const CLIENT_POLICY: &str = "client";
/// The policy name of refusals after too many failed attempts.
pub const ATTEMPTS_POLICY: &str = "attempts";

/// Where a caller stands against one limit after this request.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Quota {
    /// The policy's name in both headers.
    pub policy: &'static str,
    pub limit: RateLimit,
    /// Requests left right now (fractions are a bucket refilling).
    pub remaining: f64,
}

impl Quota {
    /// `RateLimit-Policy`: `"client";q=20;w=2` (20 requests per 2 s).
    pub fn policy_header(&self) -> String {
        let RateLimit { per_second, burst } = self.limit;
        let window = (burst / per_second.max(f64::MIN_POSITIVE)).ceil().max(1.0);
        format!("\"{}\";q={};w={}", self.policy, burst.floor(), window)
    }

    /// `RateLimit`: `"client";r=19;t=1`: requests left, and seconds until
    /// the quota is whole again.
    pub fn header(&self) -> String {
        let RateLimit { per_second, burst } = self.limit;
        let remaining = self.remaining.clamp(0.0, burst);
        let reset = ((burst - remaining) / per_second.max(f64::MIN_POSITIVE)).ceil();
        format!(
            "\"{}\";r={};t={}",
            self.policy,
            remaining.floor(),
            reset.max(0.0)
        )
    }

    /// Sets both headers.
    pub fn write(&self, headers: &mut HeaderMap) {
        for (name, value) in [
            ("ratelimit-policy", self.policy_header()),
            ("ratelimit", self.header()),
        ] {
            if let Ok(value) = HeaderValue::from_str(&value) {
                headers.insert(HeaderName::from_static(name), value);
            }
        }
    }
}

/// `RateLimit` of a refusal that names no policy a client can plan with
/// (failed attempts, lock-outs): nothing left, `wait` seconds to go.
pub fn refused(headers: &mut HeaderMap, wait: u64) {
    let value = format!("\"{ATTEMPTS_POLICY}\";r=0;t={wait}");
    if let Ok(value) = HeaderValue::from_str(&value) {
        headers.insert(HeaderName::from_static("ratelimit"), value);
    }
}

/// Adds the headers of the quota the request's caller was held to (put in
/// the request's extensions when its token was verified).
pub async fn headers(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let mut res = next.call(req).await?;
    let quota = res.request().extensions().get::<Quota>().copied();
    if let Some(quota) = quota {
        if !res.headers().contains_key("ratelimit") {
            quota.write(res.headers_mut());
        }
    }
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bucket_reads_as_a_quota_per_refill_time() {
        let quota = Quota {
            policy: CLIENT_POLICY,
            limit: RateLimit {
                per_second: 10.0,
                burst: 20.0,
            },
            remaining: 14.6,
        };
        assert_eq!(quota.policy_header(), "\"client\";q=20;w=2");
        assert_eq!(quota.header(), "\"client\";r=14;t=1");
        let spent = Quota {
            remaining: 0.2,
            ..quota
        };
        assert_eq!(spent.header(), "\"client\";r=0;t=2");
        let mut headers = HeaderMap::new();
        refused(&mut headers, 7);
        assert_eq!(headers.get("ratelimit").unwrap(), "\"attempts\";r=0;t=7");
    }
}
