//! Initial setting: a holder links a paper-era registration to their My Number.
//! A wrong answer looks the same whether the registration exists or not, and
//! five failures lock the caller out for a while.

use actix_web::{post, web, HttpRequest, HttpResponse};
use chrono::{NaiveDate, Utc};
use domain::my_number::MyNumber;
use domain::registration::RegistrationCommand;
use domain::{DomainError, Role};
use projections::store::CommandError;
use serde::Deserialize;
use sqlx::Row;
use utoipa::ToSchema;

use crate::auth::Caller;
use crate::error::{ApiError, FieldError, Problem};
use crate::extract::JsonBody;
use crate::registration::{metadata, render_registration};
use crate::AppState;

/// Failures allowed within the window before attempts are locked.
const MAX_FAILURES: i64 = 5;
/// The window, in seconds.
const WINDOW_SECONDS: i64 = 15 * 60;

/// The details on the paper certificate, and the caller's My Number.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkInput {
    #[schema(example = "CARE_WORKER")]
    pub qualification_code: String,
    pub registration_number: String,
    pub family_name: String,
    pub given_name: String,
    pub date_of_birth: NaiveDate,
    /// 12 digits with a valid check digit; stored only in the vault.
    pub my_number: String,
}

fn not_matched() -> ApiError {
    ApiError::Unprocessable {
        code: "LINK_NOT_MATCHED",
        detail: "no registration matches these details".into(),
    }
}

async fn locked_for(state: &AppState, principal: &str) -> Result<Option<u64>, ApiError> {
    let row = sqlx::query(
        "SELECT count(*) AS n,
                extract(epoch FROM min(failed_at) + make_interval(secs => $2) - now())::bigint AS wait
         FROM link_failures
         WHERE principal = $1 AND failed_at > now() - make_interval(secs => $2)",
    )
    .bind(principal)
    .bind(WINDOW_SECONDS as f64)
    .fetch_one(&state.pool)
    .await?;
    let failures: i64 = row.get("n");
    let wait: Option<i64> = row.get("wait");
    Ok((failures >= MAX_FAILURES).then(|| wait.unwrap_or(WINDOW_SECONDS).max(1) as u64))
}

/// Link an existing registration to your My Number (initial setting).
#[utoipa::path(
    tag = "registrations",
    request_body = LinkInput,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Linked: the registration is now yours", body = crate::registration::RegistrationResource),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an applicant", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not application/json", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, or no registration matches (LINK_NOT_MATCHED, the same answer whether it exists or not)", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Five failed attempts: locked for a while (Retry-After)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/registration-links")]
pub async fn link(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    body: JsonBody<LinkInput>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Applicant])?;
    let input = body.value;
    let number = MyNumber::parse(&input.my_number).map_err(|_| {
        ApiError::Validation(vec![FieldError::new(
            "/my_number",
            "INVALID_CHECK_DIGIT",
            "must be 12 digits with a valid check digit",
        )])
    })?;
    let actor = caller.0.clone();
    if let Some(wait) = locked_for(&state, &actor.id).await? {
        return Err(ApiError::TooManyRequests(wait));
    }
    let found = projections::register::find(
        &state.pool,
        &input.qualification_code,
        &input.registration_number,
    )
    .await?;
    let mut linked = None;
    if let Some(entry) = found {
        let (reg, _) = state
            .registrations
            .load(&entry.registration_id.to_string())
            .await?;
        let same_person = reg.applicant.as_ref().is_some_and(|a| {
            a.family_name == input.family_name.trim()
                && a.given_name == input.given_name.trim()
                && a.date_of_birth == input.date_of_birth
        });
        if same_person {
            let my_number_ref = state.vault.store(&number).await?;
            let command = RegistrationCommand::LinkHolder {
                my_number_ref,
                actor: actor.clone(),
                at: Utc::now(),
            };
            let id = entry.registration_id.to_string();
            match state
                .registrations
                .execute(&id, command, None, metadata(&req, &actor))
                .await
            {
                Ok((reg, version)) => linked = Some((entry.registration_id, reg, version)),
                Err(CommandError::Domain(DomainError::NotFound)) => {}
                Err(e) => return Err(e.into()),
            }
        }
    }
    let Some((id, reg, version)) = linked else {
        sqlx::query("INSERT INTO link_failures (principal) VALUES ($1)")
            .bind(&actor.id)
            .execute(&state.pool)
            .await?;
        return Err(not_matched());
    };
    render_registration(&state, id, &reg, version, &actor).await
}
