//! Ministry client secrets at rest. A secret is 256 random bits, so it needs
//! no slow password hash: it is stored as an HMAC-SHA256 under a server key
//! derived from the vault key (a database copy alone cannot test guesses)
//! and checked in constant time, in microseconds and without memory.
//!
//! Secrets stored by earlier versions as Argon2id hashes still verify, but
//! Argon2id takes about 19 MiB per check: those checks run under a global
//! semaphore of [`LEGACY_PERMITS`], on as many threads of their own, so no
//! number of parallel requests can hold more, and a successful check
//! replaces the hash with the keyed one.

use std::sync::{mpsc, Arc, Mutex, OnceLock};

use argon2::password_hash::{Output, PasswordHash};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use tokio::sync::{oneshot, Semaphore};

type HmacSha256 = Hmac<Sha256>;

/// The prefix of a keyed hash in `ministry_clients.secret_hash`.
const KEYED: &str = "hmac-sha256$";
/// Argon2id checks running at once in this process (about 19 MiB each).
pub const LEGACY_PERMITS: usize = 2;
static LEGACY: Semaphore = Semaphore::const_new(LEGACY_PERMITS);

/// How a presented secret compared with the stored hash.
#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Wrong secret (or an unknown client).
    Mismatch,
    /// Right secret, stored as a keyed hash.
    Matches,
    /// Right secret, stored as a legacy Argon2id hash: store this keyed hash instead.
    MatchesUpgrade(String),
}

/// Hashes and checks client secrets with the server's secret key.
#[derive(Clone)]
pub struct ClientSecrets {
    key: [u8; 32],
    /// What an unknown client's secret is compared with, so it costs the
    /// same as a wrong one; made once.
    dummy: String,
}

impl ClientSecrets {
    /// Keys derived from the vault's master key (a label of their own, so the
    /// key is used for nothing else).
    pub fn new(vault_master: &[u8; 32]) -> Self {
        let mut mac =
            <HmacSha256 as Mac>::new_from_slice(vault_master).expect("HMAC takes any key length");
        mac.update(b"shikaku ministry client secrets v1");
        let key: [u8; 32] = mac.finalize().into_bytes().into();
        let mut secrets = Self {
            key,
            dummy: String::new(),
        };
        secrets.dummy = secrets.hash("no client has this secret");
        secrets
    }

    fn mac(&self, secret: &str) -> HmacSha256 {
        let mut mac =
            <HmacSha256 as Mac>::new_from_slice(&self.key).expect("HMAC takes any key length");
        mac.update(secret.as_bytes());
        mac
    }

    /// The keyed hash stored for `secret`.
    pub fn hash(&self, secret: &str) -> String {
        let tag = self.mac(secret).finalize().into_bytes();
        format!("{KEYED}{}", URL_SAFE_NO_PAD.encode(tag))
    }

    /// Compares `secret` with `stored` (`None`: the client does not exist); a
    /// legacy hash only when `legacy` allows, else it counts as a mismatch.
    pub async fn verify(&self, stored: Option<&str>, secret: &str, legacy: bool) -> Verdict {
        let Some(stored) = stored else {
            // The same work as a wrong secret; the verdict is fixed.
            let _ = self.keyed_matches(&self.dummy, secret);
            return Verdict::Mismatch;
        };
        if stored.starts_with(KEYED) {
            return match self.keyed_matches(stored, secret) {
                true => Verdict::Matches,
                false => Verdict::Mismatch,
            };
        }
        if legacy && legacy_matches(stored, secret).await {
            Verdict::MatchesUpgrade(self.hash(secret))
        } else {
            Verdict::Mismatch
        }
    }

    /// Constant-time comparison of the tags (`verify_slice`).
    fn keyed_matches(&self, stored: &str, secret: &str) -> bool {
        let Some(tag) = stored
            .strip_prefix(KEYED)
            .and_then(|t| URL_SAFE_NO_PAD.decode(t).ok())
        else {
            return false;
        };
        self.mac(secret).verify_slice(&tag).is_ok()
    }
}

/// Checks an Argon2id PHC string, holding one of the few permits meanwhile.
async fn legacy_matches(phc: &str, secret: &str) -> bool {
    let Ok(_permit) = LEGACY.acquire().await else {
        return false;
    };
    let (done, answer) = oneshot::channel();
    let job = LegacyCheck {
        phc: phc.to_owned(),
        secret: secret.to_owned(),
        done,
    };
    if legacy_threads().send(job).is_err() {
        return false;
    }
    answer.await.unwrap_or(false)
}

/// One Argon2id check for the legacy threads.
struct LegacyCheck {
    phc: String,
    secret: String,
    done: oneshot::Sender<bool>,
}

/// Argon2id runs on [`LEGACY_PERMITS`] threads of its own, each reusing one
/// block of memory for every check: allocating 19 MiB per check, as
/// `verify_password` does, fragments the allocator's heaps until a few dozen
/// checks hold hundreds of megabytes even when only two run at once.
fn legacy_threads() -> &'static mpsc::Sender<LegacyCheck> {
    static THREADS: OnceLock<mpsc::Sender<LegacyCheck>> = OnceLock::new();
    THREADS.get_or_init(|| {
        let (jobs, queue) = mpsc::channel::<LegacyCheck>();
        let queue = Arc::new(Mutex::new(queue));
        for n in 0..LEGACY_PERMITS {
            let queue = queue.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("argon2-{n}"))
                .spawn(move || {
                    let mut memory = Vec::new();
                    loop {
                        let next = queue.lock().unwrap_or_else(|e| e.into_inner()).recv();
                        let Ok(job) = next else { return };
                        let matches = argon2_matches(&job.phc, &job.secret, &mut memory);
                        let _ = job.done.send(matches);
                    }
                });
            if let Err(e) = spawned {
                tracing::error!(error = %e, "cannot start a thread for legacy secret checks");
            }
        }
        jobs
    })
}

/// The most memory a stored hash may ask for (64 MiB): our own hashes used
/// 19 MiB; anything larger in the table is not ours.
const MAX_BLOCKS: usize = 64 * 1024;

/// Verifies `secret` against an Argon2 PHC string with `memory` as the
/// working area (grown once to the hash's cost, then reused); the output is
/// compared in constant time (`Output`'s equality).
fn argon2_matches(phc: &str, secret: &str, memory: &mut Vec<Block>) -> bool {
    let Ok(hash) = PasswordHash::new(phc) else {
        return false;
    };
    let (Ok(algorithm), Ok(params), Some(salt), Some(expected)) = (
        Algorithm::try_from(hash.algorithm),
        Params::try_from(&hash),
        hash.salt,
        hash.hash,
    ) else {
        return false;
    };
    let Ok(version) = hash.version.map(Version::try_from).transpose() else {
        return false;
    };
    let mut salt_bytes = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_bytes) else {
        return false;
    };
    let blocks = params.block_count();
    if blocks > MAX_BLOCKS {
        return false;
    }
    if memory.len() < blocks {
        memory.resize(blocks, Block::default());
    }
    let mut out = vec![0u8; expected.len()];
    Argon2::new(algorithm, version.unwrap_or_default(), params)
        .hash_password_into_with_memory(secret.as_bytes(), salt, &mut out, &mut memory[..])
        .is_ok()
        && Output::new(&out).is_ok_and(|computed| computed == expected)
}

#[cfg(test)]
mod tests {
    use argon2::password_hash::{PasswordHasher, SaltString};

    use super::*;

    fn secrets() -> ClientSecrets {
        ClientSecrets::new(&[7; 32])
    }

    #[tokio::test]
    async fn keyed_hashes_verify_only_their_secret_and_only_under_their_key() {
        let s = secrets();
        let stored = s.hash("right");
        assert!(stored.starts_with("hmac-sha256$"));
        assert!(!stored.contains("right"));
        assert_eq!(
            s.verify(Some(&stored), "right", true).await,
            Verdict::Matches
        );
        assert_eq!(
            s.verify(Some(&stored), "wrong", true).await,
            Verdict::Mismatch
        );
        assert_eq!(
            ClientSecrets::new(&[8; 32])
                .verify(Some(&stored), "right", true)
                .await,
            Verdict::Mismatch
        );
        assert_eq!(s.verify(None, "right", true).await, Verdict::Mismatch);
        assert_eq!(
            s.verify(Some("hmac-sha256$not base64!"), "right", true)
                .await,
            Verdict::Mismatch
        );
    }

    #[tokio::test]
    async fn a_legacy_argon2_hash_verifies_and_asks_to_be_replaced() {
        let s = secrets();
        let salt = SaltString::encode_b64(b"0123456789abcdef").unwrap();
        let phc = Argon2::default()
            .hash_password(b"old secret", &salt)
            .unwrap()
            .to_string();
        assert_eq!(
            s.verify(Some(&phc), "old secret", true).await,
            Verdict::MatchesUpgrade(s.hash("old secret"))
        );
        assert_eq!(s.verify(Some(&phc), "wrong", true).await, Verdict::Mismatch);
        assert_eq!(
            s.verify(Some("garbage"), "x", true).await,
            Verdict::Mismatch
        );
        // Not checked at all where the caller is over its failed-attempt limit.
        assert_eq!(
            s.verify(Some(&phc), "old secret", false).await,
            Verdict::Mismatch
        );
        // Every permit is back.
        assert_eq!(LEGACY.available_permits(), LEGACY_PERMITS);
    }
}
