//! Publishing a new version of the catalogue (administrators): recorded as a
//! `CataloguePublished` event, then derived into the catalogue tables.

use std::collections::HashMap;

use actix_web::{post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use domain::catalogue::publication::{
    CatalogueVersions, PublicationError, Publish, CATALOGUE_STREAM,
};
use domain::catalogue::CatalogueDocument;
use domain::Role;
use eventstore::store::{CommandBus, CommandError};
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::Caller;
use crate::error::{ApiError, FieldError, Problem};
use crate::AppState;

/// The largest catalogue document taken (the shipped one is about 130 KiB).
const DOCUMENT_LIMIT: usize = 2 * 1024 * 1024;

/// A catalogue document as `catalogue/catalogue.json` holds it (see the
/// README's catalogue section for each qualification's fields).
// Describes the body for the spec only: the handler parses the domain's
// document, whose errors carry pointers into every nested field.
#[allow(dead_code)]
#[derive(Debug, ToSchema)]
pub struct CatalogueDocumentBody {
    /// Above the version in force.
    pub version: u32,
    /// What the document is and where its facts come from.
    pub note: Option<String>,
    /// `{code, name_ja, name_en}` of each ministry the qualifications name.
    #[schema(value_type = Vec<Object>)]
    pub ministries: Vec<serde_json::Value>,
    /// Every qualification: names, ministries, registering body, number
    /// format, validity, endorsements, prerequisite, sanctions, public
    /// look-up and procedures with their fee schedules.
    #[schema(value_type = Vec<Object>)]
    pub qualifications: Vec<serde_json::Value>,
}

/// A published version.
#[derive(Debug, Serialize, ToSchema)]
pub struct CatalogueVersionView {
    pub version: u32,
    /// SHA-256 of the document's canonical JSON, in hex.
    pub content_hash: String,
    /// How many qualifications it lists.
    pub qualifications: usize,
    pub published_at: DateTime<Utc>,
}

/// Publish a new version of the catalogue (administrators): the whole
/// document, in the shape of `catalogue/catalogue.json`. Its `version` must
/// be above the one in force, and no qualification code may disappear.
/// Every process puts the new version in force at once (an application
/// pays the fee in force on its submission date).
#[utoipa::path(
    operation_id = "publish_catalogue_version",
    tag = "operations",
    request_body = CatalogueDocumentBody,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The version is published", body = CatalogueVersionView),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an administrator", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "CATALOGUE_VERSION_NOT_NEWER: the version is not above the one in force", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The document is larger than 2 MiB", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not application/json", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "VALIDATION_FAILED: the document is invalid; each error names its JSON pointer", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/admin/catalogue-versions")]
pub async fn publish(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Admin])?;
    let body = read(&req, payload).await?;
    let document: CatalogueDocument = crate::extract::parse_json(&body)?;
    let bus = CommandBus::<CatalogueVersions>::new(state.pool.clone(), ());
    let command = Publish {
        document: Box::new(document),
        by: caller.0.id.clone(),
        at: Utc::now(),
    };
    let done = bus
        .execute_with_history(CATALOGUE_STREAM, command, None, HashMap::new())
        .await
        .map_err(refusal)?;
    let Some(document) = done.state.current else {
        return Err(ApiError::Internal("no version after publishing".into()));
    };
    adapters::catalogue::project(&state.pool, &document).await?;
    // Other processes follow the announcement; this one need not wait for it.
    state.catalogue.replace(document.catalogue());
    let published_at = done.history.last().map(|h| h.recorded_at);
    tracing::info!(version = document.version, by = %caller.0.id, "catalogue version published");
    Ok(HttpResponse::Created().json(CatalogueVersionView {
        version: document.version,
        content_hash: document.content_hash(),
        qualifications: document.qualifications.len(),
        published_at: published_at.unwrap_or_else(Utc::now),
    }))
}

/// The body, refused unless it is JSON of at most [`DOCUMENT_LIMIT`] bytes.
async fn read(req: &HttpRequest, payload: web::Payload) -> Result<Vec<u8>, ApiError> {
    crate::extract::read_json(
        crate::extract::JsonHeaders::of(req),
        payload,
        DOCUMENT_LIMIT,
    )
    .await
}

/// A refused publication as the API answers it.
fn refusal(e: CommandError<PublicationError>) -> ApiError {
    match e {
        CommandError::Domain(e @ PublicationError::VersionNotNewer { .. }) => ApiError::Conflict {
            code: e.code(),
            detail: e.to_string(),
        },
        CommandError::Domain(PublicationError::Invalid(problems)) => ApiError::Validation(
            problems
                .into_iter()
                .map(|p| FieldError::new(p.pointer, p.code, p.detail))
                .collect(),
        ),
        CommandError::Conflict => ApiError::Conflict {
            code: "CONCURRENT_MODIFICATION",
            detail: "another version was published at the same time; retry".into(),
        },
        CommandError::VersionMismatch { .. } | CommandError::Store(_) => {
            ApiError::Internal(e.to_string())
        }
        CommandError::Unavailable(e) => ApiError::Unavailable(e),
    }
}
