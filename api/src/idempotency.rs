//! Idempotency-Key on creating POSTs: the same key and body replay the first
//! answer for 24 hours, another body is 422, a request still running is 409.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use sha2::{Digest, Sha256};
use sqlx::{PgPool, Row};

use crate::error::ApiError;

/// A claimed key, to be completed with the response or released on failure.
pub struct Claim {
    principal: String,
    key: String,
}

/// The outcome of presenting a key.
pub enum Begin {
    /// No earlier request: go ahead, then complete the claim.
    Fresh(Claim),
    /// The same request was answered before: send this again.
    Replay(HttpResponse),
}

/// Reads the `Idempotency-Key` header (1..=255 visible ASCII characters).
pub fn key_of(req: &HttpRequest) -> Result<Option<String>, ApiError> {
    let Some(v) = req.headers().get("idempotency-key") else {
        return Ok(None);
    };
    match v.to_str() {
        Ok(k) if !k.is_empty() && k.len() <= 255 => Ok(Some(k.to_owned())),
        _ => Err(ApiError::BadRequest {
            code: "INVALID_IDEMPOTENCY_KEY",
            detail: "Idempotency-Key must be 1 to 255 visible ASCII characters".into(),
        }),
    }
}

/// Claims `key` for `principal` and this body, or finds the earlier answer.
pub async fn begin(
    pool: &PgPool,
    principal: &str,
    key: &str,
    body: &[u8],
) -> Result<Begin, ApiError> {
    let hash = Sha256::digest(body).to_vec();
    // A key older than 24 hours is forgotten and may be used afresh.
    let claimed = sqlx::query(
        "INSERT INTO idempotency_keys AS k (principal, key, request_hash) VALUES ($1, $2, $3)
         ON CONFLICT (principal, key) DO UPDATE
           SET request_hash = EXCLUDED.request_hash, response_status = NULL, response_body = NULL,
               response_headers = NULL, created_at = now()
           WHERE k.created_at < now() - interval '24 hours'
         RETURNING 1",
    )
    .bind(principal)
    .bind(key)
    .bind(&hash)
    .fetch_optional(pool)
    .await?;
    let claim = Claim {
        principal: principal.to_owned(),
        key: key.to_owned(),
    };
    if claimed.is_some() {
        return Ok(Begin::Fresh(claim));
    }
    let row = sqlx::query(
        "SELECT request_hash, response_status, response_body, response_headers
         FROM idempotency_keys WHERE principal = $1 AND key = $2",
    )
    .bind(principal)
    .bind(key)
    .fetch_one(pool)
    .await?;
    if row.get::<Vec<u8>, _>("request_hash") != hash {
        return Err(ApiError::Unprocessable {
            code: "IDEMPOTENCY_KEY_REUSED",
            detail: "this Idempotency-Key was used with a different request body".into(),
        });
    }
    let Some(status) = row.get::<Option<i16>, _>("response_status") else {
        return Err(ApiError::Conflict {
            code: "REQUEST_IN_FLIGHT",
            detail: "a request with this Idempotency-Key is still being processed".into(),
        });
    };
    let status = StatusCode::from_u16(status as u16).unwrap_or(StatusCode::OK);
    let mut response = HttpResponse::build(status);
    if let Some(serde_json::Value::Object(headers)) =
        row.get::<Option<serde_json::Value>, _>("response_headers")
    {
        for (name, value) in headers {
            if let Some(v) = value.as_str() {
                response.insert_header((name.as_str(), v));
            }
        }
    }
    response.insert_header(("Idempotent-Replayed", "true"));
    response.content_type("application/json");
    Ok(Begin::Replay(
        response.body(
            row.get::<Option<Vec<u8>>, _>("response_body")
                .unwrap_or_default(),
        ),
    ))
}

impl Claim {
    /// Records the answer so a retry replays it.
    pub async fn complete(
        self,
        pool: &PgPool,
        status: StatusCode,
        headers: &[(&str, String)],
        body: &[u8],
    ) -> Result<(), ApiError> {
        let headers: serde_json::Map<String, serde_json::Value> = headers
            .iter()
            .map(|(k, v)| ((*k).to_owned(), serde_json::Value::String(v.clone())))
            .collect();
        sqlx::query(
            "UPDATE idempotency_keys SET response_status = $3, response_body = $4, response_headers = $5
             WHERE principal = $1 AND key = $2",
        )
        .bind(&self.principal)
        .bind(&self.key)
        .bind(status.as_u16() as i16)
        .bind(body)
        .bind(serde_json::Value::Object(headers))
        .execute(pool)
        .await?;
        Ok(())
    }

    /// Forgets the key after a failed request, so the client may retry.
    pub async fn release(self, pool: &PgPool) {
        let result = sqlx::query("DELETE FROM idempotency_keys WHERE principal = $1 AND key = $2")
            .bind(&self.principal)
            .bind(&self.key)
            .execute(pool)
            .await;
        if let Err(e) = result {
            tracing::warn!(error = %e, "cannot release idempotency key");
        }
    }
}

/// A created resource, as a creating POST answers it.
pub struct Created {
    pub location: String,
    pub etag: String,
    pub body: Vec<u8>,
}

/// Runs a creating POST under its `Idempotency-Key`, if the request has one:
/// replays an earlier answer, or creates and records the answer.
pub async fn create<Fut>(
    pool: &PgPool,
    req: &HttpRequest,
    principal: &str,
    raw_body: &[u8],
    create: impl FnOnce() -> Fut,
) -> Result<HttpResponse, ApiError>
where
    Fut: std::future::Future<Output = Result<Created, ApiError>>,
{
    let claim = match key_of(req)? {
        None => None,
        Some(key) => match begin(pool, principal, &key, raw_body).await? {
            Begin::Replay(response) => return Ok(response),
            Begin::Fresh(claim) => Some(claim),
        },
    };
    match create().await {
        Ok(created) => {
            if let Some(claim) = claim {
                let headers = [
                    ("Location", created.location.clone()),
                    ("ETag", created.etag.clone()),
                ];
                claim
                    .complete(pool, StatusCode::CREATED, &headers, &created.body)
                    .await?;
            }
            Ok(HttpResponse::Created()
                .insert_header(("Location", created.location))
                .insert_header(("ETag", created.etag))
                .content_type("application/json")
                .body(created.body))
        }
        Err(e) => {
            if let Some(claim) = claim {
                claim.release(pool).await;
            }
            Err(e)
        }
    }
}
