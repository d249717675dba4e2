//! Registration numbers from a per-qualification counter row.

use async_trait::async_trait;
use domain::registration::RegistrationNumbers;
use domain::DomainError;
use sqlx::PgPool;

use eventstore::append::command_tx;

/// Allocates numbers with one atomic upsert; concurrent callers serialise on
/// the counter row, so two approvals never get the same number.
pub struct PgRegistrationNumbers {
    pool: PgPool,
}

impl PgRegistrationNumbers {
    /// An allocator on the given pool.
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }
}

const NEXT: &str = "INSERT INTO registration_number_counters AS c (qualification_code, last_number)
     VALUES ($1, 1)
     ON CONFLICT (qualification_code) DO UPDATE SET last_number = c.last_number + 1
     RETURNING last_number";

#[async_trait]
impl RegistrationNumbers for PgRegistrationNumbers {
    async fn next(&self, qualification_code: &str) -> Result<String, DomainError> {
        // Inside a command the number is taken in the command's transaction:
        // a refused append or a crash rolls it back, so the register has no
        // gaps. The counter row stays locked until that commit, which orders
        // concurrent approvals of one qualification.
        let taken = match command_tx() {
            Some(tx) => {
                let mut tx = tx.lock().await;
                sqlx::query_scalar::<_, i64>(NEXT)
                    .bind(qualification_code)
                    .fetch_one(&mut **tx)
                    .await
            }
            None => {
                sqlx::query_scalar::<_, i64>(NEXT)
                    .bind(qualification_code)
                    .fetch_one(&self.pool)
                    .await
            }
        };
        let n = taken.map_err(|e| {
            // The database's words stay in the log, never in an answer.
            tracing::error!(error = %e, "registration number allocation failed");
            DomainError::Allocation
        })?;
        Ok(format!("{n:07}"))
    }
}
