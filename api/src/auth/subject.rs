//! Subjects tied to their issuer. Events, views and ownership checks record
//! a caller by the bare `sub` of their token; without this, a second
//! identity provider (or development tokens, or a ministry client id) that
//! minted the same `sub` would act as the person the first one named. The
//! first authenticated request binds a subject to its issuer for good
//! (table `subject_issuers`); a token from any other issuer is refused.

use std::collections::HashMap;
use std::sync::Mutex;

use sqlx::PgPool;

use crate::error::ApiError;

/// The issuer recorded for development tokens (`shikaku token`).
pub const DEVELOPMENT_ISSUER: &str = "urn:shikaku:development-tokens";
/// Bindings remembered per process; past this the memory starts over,
/// so a flood of new subjects costs queries, not memory.
const CACHE_LIMIT: usize = 100_000;

/// Binds subjects to issuers, remembering bindings already confirmed.
pub struct SubjectIssuers {
    pool: PgPool,
    confirmed: Mutex<HashMap<String, String>>,
}

impl SubjectIssuers {
    /// Bindings kept in `pool`.
    pub fn new(pool: PgPool) -> Self {
        Self {
            pool,
            confirmed: Mutex::new(HashMap::new()),
        }
    }

    /// Binds `subject` to `issuer` at its first sight; refuses with 401 when
    /// it is already bound to another issuer.
    pub async fn check(&self, subject: &str, issuer: &str) -> Result<(), ApiError> {
        if let Some(bound) = self.cached(subject) {
            return same(&bound, issuer);
        }
        // The insert's row when this request binds it, else the existing one
        // (a statement does not see its own CTE's insert, hence the union).
        let bound = sqlx::query_scalar!(
            r#"WITH bound AS (
                   INSERT INTO subject_issuers (subject, issuer) VALUES ($1, $2)
                   ON CONFLICT (subject) DO NOTHING RETURNING issuer)
               SELECT issuer AS "issuer!" FROM bound
               UNION ALL
               SELECT issuer FROM subject_issuers WHERE subject = $1
               LIMIT 1"#,
            subject,
            issuer
        )
        .fetch_optional(&self.pool)
        .await?;
        // None when a concurrent first request bound it after this
        // statement's snapshot: its row is visible to the next statement.
        let bound = match bound {
            Some(bound) => bound,
            None => {
                sqlx::query_scalar!(
                    "SELECT issuer FROM subject_issuers WHERE subject = $1",
                    subject
                )
                .fetch_one(&self.pool)
                .await?
            }
        };
        let mut confirmed = self.confirmed.lock().unwrap_or_else(|e| e.into_inner());
        if confirmed.len() >= CACHE_LIMIT {
            confirmed.clear();
        }
        confirmed.insert(subject.to_owned(), bound.clone());
        drop(confirmed);
        same(&bound, issuer)
    }

    fn cached(&self, subject: &str) -> Option<String> {
        let confirmed = self.confirmed.lock().unwrap_or_else(|e| e.into_inner());
        confirmed.get(subject).cloned()
    }
}

fn same(bound: &str, issuer: &str) -> Result<(), ApiError> {
    if bound == issuer {
        Ok(())
    } else {
        tracing::warn!(
            bound_issuer = bound,
            token_issuer = issuer,
            "a token's subject is bound to another issuer"
        );
        Err(ApiError::Unauthorized(
            "the token's subject belongs to another identity issuer",
        ))
    }
}
