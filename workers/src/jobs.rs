//! The `jobs` table: enqueue (from subscriptions), claim, finish, and the
//! read side the CLI, the admin API and the metrics use.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::{PgConnection, PgPool};

use crate::WorkerError;

mod finish;
mod vacuum;
pub(crate) use finish::{finish_all, Finish};
pub(crate) use vacuum::Vacuum;
pub use vacuum::EVERY as VACUUM_EVERY;

/// The Postgres channel the jobs table notifies on.
pub const JOBS_CHANNEL: &str = "shikaku_jobs";

/// A job to add to the queue.
#[derive(Debug, Clone)]
pub struct NewJob {
    pub kind: &'static str,
    /// With `kind`, identifies the job: a second enqueue with the same key is ignored.
    pub dedupe_key: String,
    pub payload: serde_json::Value,
    /// Not before this time (default: now).
    pub run_at: Option<DateTime<Utc>>,
    pub max_attempts: i32,
}

impl NewJob {
    /// A job due now with the default of 10 attempts.
    pub fn new(
        kind: &'static str,
        dedupe_key: impl Into<String>,
        payload: serde_json::Value,
    ) -> Self {
        Self {
            kind,
            dedupe_key: dedupe_key.into(),
            payload,
            run_at: None,
            max_attempts: 10,
        }
    }
}

/// Inserts the job unless (kind, dedupe_key) was ever enqueued. Call it inside a
/// subscription's batch transaction, so a job exists iff its event committed.
/// Returns false for a duplicate.
pub async fn enqueue(conn: &mut PgConnection, job: NewJob) -> Result<bool, WorkerError> {
    Ok(enqueue_all(conn, std::slice::from_ref(&job)).await? == 1)
}

/// [`enqueue`] for many jobs in one statement, in order; returns how many
/// were new.
pub async fn enqueue_all(conn: &mut PgConnection, jobs: &[NewJob]) -> Result<u64, WorkerError> {
    if jobs.is_empty() {
        return Ok(0);
    }
    let kinds: Vec<&str> = jobs.iter().map(|j| j.kind).collect();
    let dedupe_keys: Vec<&str> = jobs.iter().map(|j| j.dedupe_key.as_str()).collect();
    let payloads: Vec<&serde_json::Value> = jobs.iter().map(|j| &j.payload).collect();
    let run_ats: Vec<Option<DateTime<Utc>>> = jobs.iter().map(|j| j.run_at).collect();
    let max_attempts: Vec<i32> = jobs.iter().map(|j| j.max_attempts).collect();
    // The key goes to a table of its own first (see migration `..._job_keys`),
    // which refuses a key it has: the job and its payload (see
    // `..._job_payloads`) are written only under the ids of the keys
    // inserted. Of two equal keys in one call only the first is a job.
    let inserted = sqlx::query(
        "WITH j AS (SELECT * FROM unnest($1::text[], $2::text[], $3::jsonb[], $4::timestamptz[],
                                         $5::int[])
                        WITH ORDINALITY AS j(kind, dedupe_key, payload, run_at, max_attempts, ord)),
              k AS (INSERT INTO job_keys (kind, dedupe_key, id)
                    SELECT j.kind, j.dedupe_key, nextval(pg_get_serial_sequence('jobs', 'id'))
                    FROM j ORDER BY j.ord
                    ON CONFLICT (kind, dedupe_key) DO NOTHING
                    RETURNING kind, dedupe_key, id),
              n AS (SELECT DISTINCT ON (k.id) k.id, k.kind, k.dedupe_key, j.payload, j.run_at,
                           j.max_attempts
                    FROM k JOIN j ON j.kind = k.kind AND j.dedupe_key = k.dedupe_key
                    ORDER BY k.id, j.ord),
              new AS (INSERT INTO jobs (id, kind, dedupe_key, run_at, max_attempts)
                      OVERRIDING SYSTEM VALUE
                      SELECT n.id, n.kind, n.dedupe_key, coalesce(n.run_at, now()), n.max_attempts
                      FROM n ORDER BY n.id)
         INSERT INTO job_payloads (id, payload) SELECT n.id, n.payload FROM n",
    )
    .bind(&kinds)
    .bind(&dedupe_keys)
    .bind(&payloads)
    .bind(&run_ats)
    .bind(&max_attempts)
    .execute(conn)
    .await?
    .rows_affected();
    Ok(inserted)
}

/// A claimed job, as its handler sees it.
#[derive(Debug, Clone)]
pub struct Job {
    pub id: i64,
    pub kind: String,
    pub dedupe_key: String,
    pub payload: serde_json::Value,
    /// This attempt's number, from 1.
    pub attempts: i32,
    pub max_attempts: i32,
}

/// Where a job is in its life: `jobs.state`, a text column (with a CHECK of
/// the four names), read and written as this type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, sqlx::Type)]
#[serde(rename_all = "lowercase")]
#[sqlx(type_name = "text", rename_all = "lowercase", no_pg_array)]
pub enum JobState {
    Queued,
    Running,
    Succeeded,
    Dead,
}

impl JobState {
    /// Every state, in life order.
    pub const ALL: [JobState; 4] = [
        JobState::Queued,
        JobState::Running,
        JobState::Succeeded,
        JobState::Dead,
    ];

    /// The name stored in the table and shown to people.
    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Queued => "queued",
            JobState::Running => "running",
            JobState::Succeeded => "succeeded",
            JobState::Dead => "dead",
        }
    }

    /// The state of that name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|st| st.as_str() == s)
    }
}

/// One row of the queue, for people (CLI, admin API).
#[derive(Debug, Clone, Serialize)]
pub struct JobRecord {
    pub id: i64,
    pub kind: String,
    pub dedupe_key: String,
    pub state: JobState,
    pub attempts: i32,
    pub max_attempts: i32,
    pub run_at: DateTime<Utc>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Jobs newest first, optionally of one state and kind, with ids below `before`.
pub async fn list(
    pool: &PgPool,
    state: Option<JobState>,
    kind: Option<&str>,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<JobRecord>, WorkerError> {
    if matches!(state, Some(st) if st != JobState::Succeeded) {
        // Jobs not done are found through the queue's own small table (see
        // migration `..._job_queue`), not by walking every job ever run.
        return Ok(sqlx::query_as!(
            JobRecord,
            r#"SELECT j.id, j.kind, j.dedupe_key, j.state AS "state: JobState", j.attempts,
                    j.max_attempts, j.run_at, j.last_error, j.created_at, j.updated_at
             FROM job_queue q JOIN jobs j ON j.id = q.id
             WHERE j.state = $1 AND ($2::text IS NULL OR q.kind = $2)
               AND ($3::bigint IS NULL OR q.id < $3)
             ORDER BY q.id DESC LIMIT $4"#,
            state as Option<JobState>,
            kind,
            before,
            limit,
        )
        .fetch_all(pool)
        .await?);
    }
    Ok(sqlx::query_as!(
        JobRecord,
        r#"SELECT id, kind, dedupe_key, state AS "state: JobState", attempts, max_attempts,
                run_at, last_error, created_at, updated_at
         FROM jobs
         WHERE ($1::text IS NULL OR state = $1) AND ($2::text IS NULL OR kind = $2)
           AND ($3::bigint IS NULL OR id < $3)
         ORDER BY id DESC LIMIT $4"#,
        state as Option<JobState>,
        kind,
        before,
        limit,
    )
    .fetch_all(pool)
    .await?)
}

/// Queues a dead (or succeeded) job again, with a fresh set of attempts.
pub async fn retry(pool: &PgPool, id: i64) -> Result<JobRecord, WorkerError> {
    let state = sqlx::query_scalar!(
        r#"SELECT state AS "state: JobState" FROM jobs WHERE id = $1"#,
        id
    )
    .fetch_optional(pool)
    .await?;
    match state {
        None => return Err(WorkerError::NoSuchJob(id)),
        Some(JobState::Dead | JobState::Succeeded) => {}
        Some(other) => return Err(WorkerError::NotRetryable(id, other.as_str().to_owned())),
    }
    let updated = sqlx::query!(
        "UPDATE jobs SET state = $2, attempts = 0, run_at = now(), locked_until = NULL,
                locked_by = NULL, updated_at = now()
         WHERE id = $1 AND state IN ('dead', 'succeeded')",
        id,
        JobState::Queued as JobState,
    )
    .execute(pool)
    .await?
    .rows_affected();
    if updated == 0 {
        return Err(WorkerError::NotRetryable(id, "running".into()));
    }
    let job = list(pool, None, None, Some(id + 1), 1).await?;
    job.into_iter().next().ok_or(WorkerError::NoSuchJob(id))
}

/// Per kind: jobs in each state, and the age of the oldest due job.
#[derive(Debug, Clone, Serialize)]
pub struct KindStats {
    pub kind: String,
    pub queued: i64,
    pub running: i64,
    pub dead: i64,
    pub succeeded: i64,
    /// Seconds the oldest queued job has been due (0 when none is).
    pub oldest_queued_age_seconds: f64,
}

/// The queue's figures per kind, for metrics.
pub async fn stats(pool: &PgPool) -> Result<Vec<KindStats>, WorkerError> {
    Ok(sqlx::query_as!(
        KindStats,
        r#"SELECT kind,
                count(*) FILTER (WHERE state = 'queued') AS "queued!",
                count(*) FILTER (WHERE state = 'running') AS "running!",
                count(*) FILTER (WHERE state = 'dead') AS "dead!",
                count(*) FILTER (WHERE state = 'succeeded') AS "succeeded!",
                coalesce(extract(epoch FROM now() - min(run_at)
                         FILTER (WHERE state = 'queued' AND run_at <= now())), 0)::float8
                    AS "oldest_queued_age_seconds!"
         FROM jobs GROUP BY kind ORDER BY kind"#,
    )
    .fetch_all(pool)
    .await?)
}

/// Claims up to `how_many` jobs of these kinds, oldest first, that are due
/// or whose lease ran out, for `lease_seconds`; counts the attempts. The
/// database function walks the queue's table in claim order (see migrations
/// `..._claim_jobs` and `..._job_queue`).
pub(crate) async fn claim(
    pool: &PgPool,
    kinds: &[String],
    worker_id: &str,
    lease_seconds: f64,
    how_many: usize,
) -> Result<Claimed, WorkerError> {
    // A function's columns are nullable as far as the macro knows; its
    // table's are not.
    let rows = sqlx::query!(
        r#"SELECT id AS "id!", kind AS "kind!", dedupe_key AS "dedupe_key!",
                payload AS "payload!", attempts AS "attempts!", max_attempts AS "max_attempts!",
                waited AS "waited!"
         FROM claim_jobs($1, $2, $3, $4)"#,
        kinds,
        worker_id,
        lease_seconds,
        how_many as i32,
    )
    .fetch_all(pool)
    .await?;
    let waited = rows.iter().map(|r| r.waited).fold(0.0, f64::max);
    let jobs = rows
        .into_iter()
        .map(|r| Job {
            id: r.id,
            kind: r.kind,
            dedupe_key: r.dedupe_key,
            payload: r.payload,
            attempts: r.attempts,
            max_attempts: r.max_attempts,
        })
        .collect();
    Ok(Claimed {
        jobs,
        waited: std::time::Duration::from_secs_f64(waited),
    })
}

/// The jobs one claim took, and how long the one that waited longest had
/// waited past its due time (zero for none).
pub(crate) struct Claimed {
    pub jobs: Vec<Job>,
    pub waited: std::time::Duration,
}

/// Jobs due or running now, and the seconds the oldest due one has waited
/// (0 when none is): the backlog the benchmarks and the soak watch.
pub async fn backlog(pool: &PgPool) -> Result<(i64, f64), WorkerError> {
    // A running job's run_at is past, so "due by its run_at" counts it too.
    Ok(sqlx::query_as(
        "SELECT count(*),
                coalesce(extract(epoch FROM now() - min(q.due_at)
                         FILTER (WHERE j.state = 'queued')), 0)::float8
         FROM job_queue q JOIN jobs j ON j.id = q.id
         WHERE NOT q.dead AND q.due_at <= now()",
    )
    .fetch_one(pool)
    .await?)
}

/// Extends the leases of the jobs this worker still holds among `ids`.
pub(crate) async fn extend(
    pool: &PgPool,
    ids: &[i64],
    worker_id: &str,
    lease_seconds: f64,
) -> Result<(), WorkerError> {
    sqlx::query(
        "UPDATE jobs SET locked_until = now() + make_interval(secs => $3)
         WHERE id = ANY($1) AND locked_by = $2 AND state = 'running'",
    )
    .bind(ids)
    .bind(worker_id)
    .bind(lease_seconds)
    .execute(pool)
    .await?;
    Ok(())
}
