//! The API's one error type, rendered as RFC 9457 problem+json in one place.
//! Details never carry internal messages or personal numbers.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use domain::error::ErrorKind;
use domain::DomainError;
use eventstore::store::CommandError;
use eventstore::ProjectionError;
use serde::Serialize;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::openapi::RefOr;
use utoipa::ToSchema;

mod codes;
pub use codes::PROBLEM_CODES;

pub use crate::application::FieldError;

// Written out rather than derived: the type is the application layer's,
// which knows nothing of the spec. The openapi test holds it to the derive's
// output.
impl utoipa::PartialSchema for FieldError {
    fn schema() -> RefOr<Schema> {
        let text = |description: &str| {
            ObjectBuilder::new()
                .schema_type(Type::String)
                .description(Some(description))
        };
        ObjectBuilder::new()
            .schema_type(Type::Object)
            .description(Some("One invalid field of a request."))
            .property(
                "pointer",
                text("JSON pointer to the field, e.g. `/date_of_birth`."),
            )
            .required("pointer")
            .property(
                "code",
                text("Stable code, e.g. `REQUIRED`, `TOO_LONG`, `INVALID_CHECK_DIGIT`."),
            )
            .required("code")
            .property("detail", text("What is wrong, for people."))
            .required("detail")
            .into()
    }
}

impl ToSchema for FieldError {}

/// An RFC 9457 problem document.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// URI reference naming the problem type.
    #[serde(rename = "type")]
    pub problem_type: String,
    /// Short summary of the problem type.
    pub title: String,
    /// The HTTP status.
    pub status: u16,
    /// What went wrong in this occurrence.
    pub detail: String,
    /// Stable machine-readable code.
    pub code: String,
    /// Field-level errors for validation failures.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

/// Everything a handler can answer instead of success.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{detail}")]
    BadRequest { code: &'static str, detail: String },
    #[error("{0}")]
    Unauthorized(&'static str),
    #[error("{detail}")]
    Forbidden { code: &'static str, detail: String },
    #[error("the resource does not exist or is not yours")]
    NotFound,
    #[error("{detail}")]
    Conflict { code: &'static str, detail: String },
    #[error("{detail}")]
    Gone { code: &'static str, detail: String },
    #[error("{0}")]
    PreconditionFailed(String),
    #[error("the request body is larger than {0} bytes")]
    PayloadTooLarge(usize),
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("the request has invalid fields")]
    Validation(Vec<FieldError>),
    #[error("{detail}")]
    Unprocessable { code: &'static str, detail: String },
    #[error("too many failed attempts; try again in {0} seconds")]
    TooManyRequests(u64),
    /// A client over its request rate; retry after the given seconds.
    #[error("the request rate of this client is exceeded; retry in {0} seconds")]
    RateLimited(u64, crate::oauth::quota::Quota),
    /// A token endpoint error: RFC 6749 section 5.2 JSON, not problem+json,
    /// because OAuth client libraries read `error` (401 for `invalid_client`).
    #[error("{description}")]
    OAuth {
        error: &'static str,
        description: String,
    },
    #[error(transparent)]
    Domain(DomainError),
    /// The database cannot be reached right now; the client should retry.
    #[error("the service is briefly unavailable; retry after a moment")]
    Unavailable(String),
    #[error("internal error")]
    Internal(String),
}

impl ApiError {
    /// 403 for a caller whose role may not do this.
    pub fn wrong_role() -> Self {
        ApiError::Forbidden {
            code: "WRONG_ROLE",
            detail: "your role may not perform this action".into(),
        }
    }

    fn code(&self) -> &'static str {
        match self {
            ApiError::BadRequest { code, .. }
            | ApiError::Forbidden { code, .. }
            | ApiError::Conflict { code, .. }
            | ApiError::Gone { code, .. }
            | ApiError::Unprocessable { code, .. } => code,
            ApiError::Unauthorized(_) => "UNAUTHENTICATED",
            ApiError::NotFound => "NOT_FOUND",
            ApiError::PreconditionFailed(_) => "PRECONDITION_FAILED",
            ApiError::PayloadTooLarge(_) => "PAYLOAD_TOO_LARGE",
            ApiError::UnsupportedMediaType(_) => "UNSUPPORTED_MEDIA_TYPE",
            ApiError::Validation(_) => "VALIDATION_FAILED",
            ApiError::Domain(e) => e.code(),
            ApiError::Internal(_) => "INTERNAL",
            ApiError::Unavailable(_) => "SERVICE_UNAVAILABLE",
            ApiError::TooManyRequests(_) => "TOO_MANY_ATTEMPTS",
            ApiError::RateLimited(..) => "RATE_LIMITED",
            ApiError::OAuth { error, .. } => error,
        }
    }

    fn title(&self) -> &'static str {
        match self.status_code() {
            StatusCode::BAD_REQUEST => "Bad request",
            StatusCode::UNAUTHORIZED => "Authentication required",
            StatusCode::FORBIDDEN => "Forbidden",
            StatusCode::NOT_FOUND => "Not found",
            StatusCode::CONFLICT => "Conflict",
            StatusCode::GONE => "Gone",
            StatusCode::PRECONDITION_FAILED => "Precondition failed",
            StatusCode::PAYLOAD_TOO_LARGE => "Payload too large",
            StatusCode::UNSUPPORTED_MEDIA_TYPE => "Unsupported media type",
            StatusCode::UNPROCESSABLE_ENTITY => "Unprocessable content",
            StatusCode::TOO_MANY_REQUESTS => "Too many requests",
            StatusCode::SERVICE_UNAVAILABLE => "Service unavailable",
            _ => "Internal server error",
        }
    }
}

impl From<DomainError> for ApiError {
    fn from(e: DomainError) -> Self {
        ApiError::Domain(e)
    }
}

impl From<crate::application::Error> for ApiError {
    fn from(e: crate::application::Error) -> Self {
        use crate::application::Error;
        match e {
            Error::Invalid(errors) => ApiError::Validation(errors),
            Error::NotFound => ApiError::NotFound,
            Error::WrongRole(detail) => ApiError::Forbidden {
                code: "WRONG_ROLE",
                detail: detail.into(),
            },
            Error::NotMatched => ApiError::Unprocessable {
                code: "LINK_NOT_MATCHED",
                detail: "no registration matches these details".into(),
            },
            Error::VerifiedIdentityRequired => ApiError::Forbidden {
                code: "VERIFIED_IDENTITY_REQUIRED",
                detail: e.to_string(),
            },
            Error::LinkCodeWrong => ApiError::Unprocessable {
                code: "LINK_CODE_WRONG",
                detail: e.to_string(),
            },
            Error::LinkExpired => ApiError::Gone {
                code: "LINK_EXPIRED",
                detail: e.to_string(),
            },
            Error::TooManyLetters(wait) => ApiError::TooManyRequests(wait),
            Error::RegistryUnavailable(e) => ApiError::Unavailable(e),
            Error::Letter(e) => ApiError::Internal(e),
            Error::NotADocument => ApiError::UnsupportedMediaType(
                "only PDF, JPEG and PNG documents are accepted".into(),
            ),
            Error::Command(e) => e.into(),
            Error::Store(e) => e.into(),
            Error::Database(e) => e.into(),
        }
    }
}

impl From<ProjectionError> for ApiError {
    fn from(e: ProjectionError) -> Self {
        match e {
            ProjectionError::Database(e) => e.into(),
            other => ApiError::Internal(other.to_string()),
        }
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(e: sqlx::Error) -> Self {
        if eventstore::db::unavailable(&e) {
            ApiError::Unavailable(e.to_string())
        } else {
            ApiError::Internal(e.to_string())
        }
    }
}

impl From<CommandError<DomainError>> for ApiError {
    fn from(e: CommandError<DomainError>) -> Self {
        match e {
            CommandError::Domain(e) => ApiError::Domain(e),
            CommandError::Conflict => ApiError::Conflict {
                code: "CONCURRENT_MODIFICATION",
                detail:
                    "the case was changed by another request at the same time; reload it and retry"
                        .into(),
            },
            CommandError::VersionMismatch { expected, actual } => ApiError::PreconditionFailed(
                format!("If-Match was version {expected} but the case is at version {actual}"),
            ),
            CommandError::Unavailable(e) => ApiError::Unavailable(e),
            CommandError::Store(e) => ApiError::Internal(e),
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden { .. } => StatusCode::FORBIDDEN,
            ApiError::NotFound => StatusCode::NOT_FOUND,
            ApiError::Conflict { .. } => StatusCode::CONFLICT,
            ApiError::Gone { .. } => StatusCode::GONE,
            ApiError::PreconditionFailed(_) => StatusCode::PRECONDITION_FAILED,
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::Validation(_) | ApiError::Unprocessable { .. } => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            ApiError::Domain(e) => match e.kind() {
                ErrorKind::Conflict => StatusCode::CONFLICT,
                ErrorKind::Forbidden => StatusCode::FORBIDDEN,
                ErrorKind::Invalid => StatusCode::UNPROCESSABLE_ENTITY,
                ErrorKind::NotFound => StatusCode::NOT_FOUND,
            },
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::TooManyRequests(_) | ApiError::RateLimited(..) => {
                StatusCode::TOO_MANY_REQUESTS
            }
            ApiError::OAuth {
                error: "invalid_client" | "invalid_token",
                ..
            } => StatusCode::UNAUTHORIZED,
            ApiError::OAuth { .. } => StatusCode::BAD_REQUEST,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        if let ApiError::OAuth { error, description } = self {
            let mut response = HttpResponse::build(status);
            response.insert_header(("Cache-Control", "no-store"));
            if *error == "invalid_token" {
                // RFC 6750: a bearer token of the credential endpoint.
                response.insert_header(("WWW-Authenticate", "Bearer error=\"invalid_token\""));
            } else if status == StatusCode::UNAUTHORIZED {
                response.insert_header(("WWW-Authenticate", "Basic realm=\"shikaku\""));
            }
            return response.json(serde_json::json!({
                "error": error,
                "error_description": description,
            }));
        }
        let detail = match self {
            ApiError::Internal(e) => {
                tracing::error!(error = %e, "internal error");
                "an internal error occurred; it has been logged".to_owned()
            }
            ApiError::Unavailable(e) => {
                tracing::warn!(error = %e, "database unavailable");
                self.to_string()
            }
            other => other.to_string(),
        };
        let code = self.code();
        let problem = Problem {
            problem_type: format!("urn:shikaku:problem:{}", code.to_ascii_lowercase()),
            title: self.title().to_owned(),
            status: status.as_u16(),
            detail,
            code: code.to_owned(),
            errors: match self {
                ApiError::Validation(errors) => errors.clone(),
                _ => vec![],
            },
        };
        let mut response = HttpResponse::build(status);
        response.content_type("application/problem+json");
        match self {
            ApiError::Unauthorized(_) => {
                response.insert_header(("WWW-Authenticate", "Bearer"));
            }
            ApiError::TooManyRequests(seconds) => {
                response.insert_header(("Retry-After", seconds.to_string()));
            }
            ApiError::RateLimited(seconds, _) => {
                response.insert_header(("Retry-After", seconds.to_string()));
            }
            ApiError::Unavailable(_) => {
                response.insert_header(("Retry-After", "2"));
            }
            ApiError::Conflict {
                code: "CONCURRENT_MODIFICATION",
                ..
            } => {
                response.insert_header(("Retry-After", "1"));
            }
            _ => {}
        }
        let mut response = response.json(problem);
        // The IETF RateLimit headers of a refusal (see `oauth::quota`).
        match self {
            ApiError::RateLimited(_, quota) => quota.write(response.headers_mut()),
            ApiError::TooManyRequests(wait) => {
                crate::oauth::quota::refused(response.headers_mut(), *wait)
            }
            _ => {}
        }
        response
    }
}
