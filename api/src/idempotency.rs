//! Idempotency-Key on creating POSTs, scoped to the caller, the method and
//! the path: the same key and body replay the first answer for 24 hours,
//! another body is 422, a request still running is 409.
//!
//! A key is claimed in a statement of its own with a short lease, so a
//! duplicate arriving meanwhile is answered at once instead of queueing on a
//! lock. The answer is recorded by the claim's token in the command's own
//! transaction: the command and its answer commit together or not at all. A
//! claim whose request died (a crash, a dropped connection) is taken over
//! when its lease is over; should the first request still commit after that,
//! its token no longer matches and it rolls back, so a key executes once.

use std::future::Future;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use sha2::{Digest, Sha256};
use sqlx::{PgConnection, PgPool, Row};
use uuid::Uuid;

use crate::application::Pending;
use crate::error::ApiError;

/// How long a claim holds a key before a retry may take it over. Longer than
/// a command takes (the pool gives up after 5 s), short enough that a client
/// retrying after a crash learns its answer within seconds.
pub const LEASE_SECONDS: f64 = 10.0;

/// A claimed key, to be answered in the command's transaction or released.
pub struct Claim {
    principal: String,
    method: String,
    path: String,
    key: String,
    token: Uuid,
}

/// The outcome of presenting a key.
pub enum Begin {
    /// No earlier request: go ahead, then answer the claim.
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

fn in_flight() -> ApiError {
    ApiError::Conflict {
        code: "REQUEST_IN_FLIGHT",
        detail: "a request with this Idempotency-Key is still being processed".into(),
    }
}

/// Claims `key` for `principal` on this request's method and path, or finds
/// the earlier answer.
pub async fn begin(
    pool: &PgPool,
    req: &HttpRequest,
    principal: &str,
    key: &str,
    body: &[u8],
) -> Result<Begin, ApiError> {
    let hash = Sha256::digest(body).to_vec();
    let claim = Claim {
        principal: principal.to_owned(),
        method: req.method().as_str().to_owned(),
        path: req.path().to_owned(),
        key: key.to_owned(),
        token: Uuid::new_v4(),
    };
    // A key answered more than 24 hours ago is forgotten; a claim whose lease
    // ran out without an answer is abandoned. Either may be claimed afresh.
    let claimed = sqlx::query(
        "INSERT INTO idempotency_keys AS k
                (principal, method, path, key, request_hash, claim_token, lease_until)
         VALUES ($1, $2, $3, $4, $5, $6, now() + make_interval(secs => $7))
         ON CONFLICT (principal, method, path, key) DO UPDATE
           SET request_hash = EXCLUDED.request_hash, response_status = NULL,
               response_body = NULL, response_headers = NULL, created_at = now(),
               claim_token = EXCLUDED.claim_token, lease_until = EXCLUDED.lease_until
           WHERE k.created_at < now() - interval '24 hours'
              OR (k.response_status IS NULL AND k.lease_until < now())
         RETURNING 1",
    )
    .bind(&claim.principal)
    .bind(&claim.method)
    .bind(&claim.path)
    .bind(&claim.key)
    .bind(&hash)
    .bind(claim.token)
    .bind(LEASE_SECONDS)
    .fetch_optional(pool)
    .await?;
    if claimed.is_some() {
        return Ok(Begin::Fresh(claim));
    }
    let row = sqlx::query(
        "SELECT request_hash, response_status, response_body, response_headers
         FROM idempotency_keys WHERE principal = $1 AND method = $2 AND path = $3 AND key = $4",
    )
    .bind(&claim.principal)
    .bind(&claim.method)
    .bind(&claim.path)
    .bind(&claim.key)
    .fetch_optional(pool)
    .await?;
    // Released between the two statements: the client may simply retry.
    let Some(row) = row else {
        return Err(in_flight());
    };
    if row.get::<Vec<u8>, _>("request_hash") != hash {
        return Err(ApiError::Unprocessable {
            code: "IDEMPOTENCY_KEY_REUSED",
            detail: "this Idempotency-Key was used with a different request body".into(),
        });
    }
    let Some(status) = row.get::<Option<i16>, _>("response_status") else {
        return Err(in_flight());
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
    /// Records the answer in the command's transaction. Fails (and the
    /// caller rolls back) when the lease ran out and a retry took the key.
    pub async fn answer_in(
        &self,
        conn: &mut PgConnection,
        status: StatusCode,
        headers: &[(&str, String)],
        body: &[u8],
    ) -> Result<(), ApiError> {
        let headers: serde_json::Map<String, serde_json::Value> = headers
            .iter()
            .map(|(k, v)| ((*k).to_owned(), serde_json::Value::String(v.clone())))
            .collect();
        let answered = sqlx::query(
            "UPDATE idempotency_keys
             SET response_status = $6, response_body = $7, response_headers = $8, lease_until = NULL
             WHERE principal = $1 AND method = $2 AND path = $3 AND key = $4 AND claim_token = $5
               AND response_status IS NULL",
        )
        .bind(&self.principal)
        .bind(&self.method)
        .bind(&self.path)
        .bind(&self.key)
        .bind(self.token)
        .bind(status.as_u16() as i16)
        .bind(body)
        .bind(serde_json::Value::Object(headers))
        .execute(conn)
        .await?;
        if answered.rows_affected() == 0 {
            tracing::warn!("idempotency claim lost its lease; the command is rolled back");
            return Err(in_flight());
        }
        Ok(())
    }

    /// Forgets the claim after a failed request, so the client may retry at
    /// once. Never touches an answered key (a commit that reported an error
    /// may still have committed), nor a claim a retry has taken over.
    pub async fn release(self, pool: &PgPool) {
        let result = sqlx::query(
            "DELETE FROM idempotency_keys
             WHERE principal = $1 AND method = $2 AND path = $3 AND key = $4 AND claim_token = $5
               AND response_status IS NULL",
        )
        .bind(&self.principal)
        .bind(&self.method)
        .bind(&self.path)
        .bind(&self.key)
        .bind(self.token)
        .execute(pool)
        .await;
        if let Err(e) = result {
            tracing::warn!(error = %e, "cannot release idempotency key; its lease will run out");
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
/// replays an earlier answer, or runs `create`, records its answer in the
/// transaction of the events `create` appended, and commits them together.
pub async fn create<Fut>(
    pool: &PgPool,
    req: &HttpRequest,
    principal: &str,
    raw_body: &[u8],
    create: impl FnOnce() -> Fut,
) -> Result<HttpResponse, ApiError>
where
    Fut: Future<Output = Result<Pending<Created>, ApiError>>,
{
    let claim = match key_of(req)? {
        None => None,
        Some(key) => match begin(pool, req, principal, &key, raw_body).await? {
            Begin::Replay(response) => return Ok(response),
            Begin::Fresh(claim) => Some(claim),
        },
    };
    let result = async {
        let mut pending = create().await?;
        if let Some(claim) = &claim {
            let (created, conn) = pending.split();
            let headers = [
                ("Location", created.location.clone()),
                ("ETag", created.etag.clone()),
            ];
            claim
                .answer_in(conn, StatusCode::CREATED, &headers, &created.body)
                .await?;
        }
        Ok::<_, ApiError>(pending.commit().await?)
    }
    .await;
    match result {
        Ok(created) => Ok(HttpResponse::Created()
            .insert_header(("Location", created.location))
            .insert_header(("ETag", created.etag))
            .content_type("application/json")
            .body(created.body)),
        Err(e) => {
            if let Some(claim) = claim {
                claim.release(pool).await;
            }
            Err(e)
        }
    }
}
