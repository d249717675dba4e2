//! The job queue for administrators: list jobs (dead ones above all) and
//! queue a dead job again.

use actix_web::{get, post, web, HttpResponse};
use chrono::{DateTime, Utc};
use domain::Role;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use workers::jobs::{self, JobRecord};
use workers::JobState;

use crate::auth::Caller;
use crate::error::{ApiError, Problem};
use crate::pagination;
use crate::AppState;

/// The states a job can be in.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum JobStateParam {
    Queued,
    Running,
    Succeeded,
    Dead,
}

impl From<JobStateParam> for JobState {
    fn from(s: JobStateParam) -> Self {
        match s {
            JobStateParam::Queued => JobState::Queued,
            JobStateParam::Running => JobState::Running,
            JobStateParam::Succeeded => JobState::Succeeded,
            JobStateParam::Dead => JobState::Dead,
        }
    }
}

/// Job filters and paging.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct JobQuery {
    /// Only jobs in this state.
    pub state: Option<JobStateParam>,
    /// Only jobs of this kind, e.g. `registry.inquiry`.
    pub kind: Option<String>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Page size, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100, default = 20)]
    pub limit: Option<i64>,
}

/// One job of the queue.
#[derive(Debug, Serialize, ToSchema)]
pub struct JobView {
    pub id: i64,
    pub kind: String,
    /// With the kind, what makes the job unique (the event or case behind it).
    pub dedupe_key: String,
    pub state: JobStateParam,
    pub attempts: i32,
    pub max_attempts: i32,
    /// When it runs next (queued), or last became due.
    pub run_at: DateTime<Utc>,
    /// The last attempt's failure, if it failed.
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<JobRecord> for JobView {
    fn from(r: JobRecord) -> Self {
        let state = match r.state {
            JobState::Queued => JobStateParam::Queued,
            JobState::Running => JobStateParam::Running,
            JobState::Succeeded => JobStateParam::Succeeded,
            JobState::Dead => JobStateParam::Dead,
        };
        Self {
            id: r.id,
            kind: r.kind,
            dedupe_key: r.dedupe_key,
            state,
            attempts: r.attempts,
            max_attempts: r.max_attempts,
            run_at: r.run_at,
            last_error: r.last_error,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

/// A page of jobs, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct JobPage {
    pub items: Vec<JobView>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// The job queue, newest first (admin).
#[utoipa::path(
    operation_id = "list_jobs",
    tag = "operations",
    params(JobQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of jobs", body = JobPage),
        (status = 400, description = "Invalid filter, cursor or limit", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an administrator", body = Problem, content_type = "application/problem+json"),
        (status = 500, description = "Internal error", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/admin/jobs")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<JobQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Admin])?;
    let q = query.into_inner();
    let limit = pagination::limit(q.limit)?;
    let before = pagination::sequence(q.cursor.as_deref())?;
    let rows = jobs::list(
        &state.pool,
        q.state.map(Into::into),
        q.kind.as_deref(),
        before,
        limit + 1,
    )
    .await?;
    let (rows, next_cursor) = pagination::page_by(rows, limit, |r| r.id.to_string());
    Ok(HttpResponse::Ok().json(JobPage {
        items: rows.into_iter().map(Into::into).collect(),
        next_cursor,
    }))
}

/// Queues a dead (or finished) job again with a fresh set of attempts (admin).
#[utoipa::path(
    operation_id = "retry_job",
    tag = "operations",
    params(("id" = i64, Path, description = "The job id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The job, queued again", body = JobView),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an administrator", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such job", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The job is queued or running", body = Problem, content_type = "application/problem+json"),
        (status = 500, description = "Internal error", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/admin/jobs/{id}/retry")]
pub async fn retry(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Admin])?;
    let job = jobs::retry(&state.pool, id.into_inner()).await?;
    Ok(HttpResponse::Ok().json(JobView::from(job)))
}
