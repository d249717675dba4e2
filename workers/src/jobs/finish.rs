//! Recording the ends of attempts, many with one statement.

use chrono::{DateTime, Utc};
use sqlx::PgPool;

use super::JobState;
use crate::WorkerError;

/// How a finished attempt is recorded.
pub(crate) enum Finish {
    Succeeded,
    RetryAt(DateTime<Utc>, String),
    Dead(String),
}

/// Records the ends of these attempts, of jobs this worker still holds, with
/// one statement.
///
/// The commit does not wait for its WAL flush: a crash may lose the record,
/// and then the job's lease runs out and it runs again, which every handler
/// allows already (a crash between a handler's effect and this record was
/// always possible). What a handler did is durable in its own transactions.
pub(crate) async fn finish_all(
    pool: &PgPool,
    worker_id: &str,
    done: &[(i64, Finish)],
) -> Result<(), WorkerError> {
    if done.is_empty() {
        return Ok(());
    }
    let mut ids = Vec::with_capacity(done.len());
    let mut states = Vec::with_capacity(done.len());
    let mut run_ats = Vec::with_capacity(done.len());
    let mut errors = Vec::with_capacity(done.len());
    for (id, finish) in done {
        let (state, run_at, error) = match finish {
            Finish::Succeeded => (JobState::Succeeded, None, None),
            Finish::RetryAt(at, e) => (JobState::Queued, Some(*at), Some(e.as_str())),
            Finish::Dead(e) => (JobState::Dead, None, Some(e.as_str())),
        };
        ids.push(*id);
        states.push(state.as_str());
        run_ats.push(run_at);
        errors.push(error);
    }
    sqlx::query(
        "WITH s AS (SELECT set_config('synchronous_commit', 'off', true))
         UPDATE jobs j SET state = f.state, run_at = coalesce(f.run_at, j.run_at),
                last_error = f.error, locked_until = NULL, locked_by = NULL, updated_at = now()
         FROM s, unnest($2::bigint[], $3::text[], $4::timestamptz[], $5::text[])
                     AS f(id, state, run_at, error)
         WHERE j.id = f.id AND j.locked_by = $1",
    )
    .bind(worker_id)
    .bind(&ids)
    .bind(&states)
    .bind(&run_ats)
    .bind(&errors)
    .execute(pool)
    .await?;
    Ok(())
}
