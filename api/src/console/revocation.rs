//! Ending console sessions before they expire. The session itself is a
//! signed cookie (see [`super::session`]); a copied cookie would otherwise
//! stay valid for up to 8 hours after sign-out or after an examiner leaves.
//! So every page checks one indexed table: a session signed out, or every
//! session of an examiner that an administrator revoked.

use actix_web::{post, web, HttpResponse};
use domain::Role;
use serde::Deserialize;
use sqlx::PgPool;
use utoipa::ToSchema;

use super::session::{Session, MAX_SESSION_SECONDS};
use crate::auth::Caller;
use crate::error::{ApiError, FieldError, Problem};
use crate::extract::JsonBody;
use crate::AppState;

/// Drops rows no live session can match any more.
async fn forget_old(pool: &PgPool) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "DELETE FROM console_session_revocations
         WHERE revoked_at < now() - make_interval(secs => $1)",
        MAX_SESSION_SECONDS as f64,
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// Ends one session (sign-out): its cookie, even copied, opens nothing.
pub async fn end(pool: &PgPool, session: &Session) -> Result<(), sqlx::Error> {
    forget_old(pool).await?;
    sqlx::query!(
        "INSERT INTO console_session_revocations (sub, sid) VALUES ($1, $2)",
        session.sub,
        session.sid,
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// Ends every session of `sub` that began before now.
pub async fn end_all(pool: &PgPool, sub: &str) -> Result<(), sqlx::Error> {
    forget_old(pool).await?;
    sqlx::query!(
        "INSERT INTO console_session_revocations (sub) VALUES ($1)",
        sub
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// Whether the session was ended: signed out, or revoked after it began.
pub async fn ended(pool: &PgPool, session: &Session) -> Result<bool, sqlx::Error> {
    let began = chrono::DateTime::from_timestamp_millis(session.began_ms).unwrap_or_default();
    sqlx::query_scalar!(
        r#"SELECT EXISTS (
             SELECT 1 FROM console_session_revocations
             WHERE sub = $1 AND (sid = $2 OR (sid IS NULL AND revoked_at >= $3))
           ) AS "ended!""#,
        session.sub,
        session.sid,
        began,
    )
    .fetch_one(pool)
    .await
}

/// Whose console sessions to end.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SessionRevocation {
    /// The examiner's subject (`sub`), as in the audit log's actor.
    #[schema(example = "examiner-1")]
    pub examiner: String,
}

/// End every console session of an examiner at once (admin): for someone
/// who left, or a cookie that may have been copied. They can sign in again
/// with a valid token; revoke that at the identity provider.
#[utoipa::path(
    operation_id = "revoke_console_sessions",
    tag = "operations",
    request_body = SessionRevocation,
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Every session the examiner had is ended"),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an administrator", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not application/json", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "VALIDATION: the examiner is empty or longer than 200 characters", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/admin/console-session-revocations")]
pub async fn revoke(
    state: web::Data<AppState>,
    caller: Caller,
    body: JsonBody<SessionRevocation>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Admin])?;
    let examiner = body.value.examiner.trim();
    if examiner.is_empty() || examiner.chars().count() > 200 {
        return Err(ApiError::Validation(vec![FieldError::new(
            "/examiner",
            "INVALID",
            "must be 1 to 200 characters",
        )]));
    }
    end_all(&state.pool, examiner).await?;
    tracing::info!(examiner, by = %caller.0.id, "console sessions revoked");
    Ok(HttpResponse::NoContent().finish())
}
