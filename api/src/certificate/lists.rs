//! The signed status lists at their URIs: a CWT (`application/statuslist+cwt`)
//! or a JWT (`application/statuslist+jwt`) by the request's `Accept`, both
//! with `exp` and `ttl`, cacheable for the `ttl` with an ETag. A list is
//! signed again only when its entries changed or its `ttl` ran out, so the
//! ETag holds while the list does.

use std::collections::HashMap;
use std::sync::Mutex;

use ::certificate::status_list_token::{STATUS_LIST_JWT_MEDIA_TYPE, STATUS_LIST_TYP};
use ::certificate::{SigningKey, StatusListToken};
use actix_web::http::header;
use actix_web::{get, web, HttpRequest, HttpResponse};
use adapters::certificate::status;
use chrono::Utc;
use sha2::{Digest, Sha256};

use crate::error::{ApiError, Problem};
use crate::AppState;

/// Seconds a verifier may use a fetched status list before fetching it again.
pub const STATUS_LIST_TTL: i64 = 30;
/// How long a fetched status list stays usable at all (`exp`).
const STATUS_LIST_LIFETIME: i64 = 7 * 24 * 3600;

/// The two signed forms of a list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Form {
    Cwt,
    Jwt,
}

/// One signed list as last served.
struct Signed {
    /// The newest status change (`status_changes.id`) when it was read.
    version: i64,
    entries: [u8; 32],
    issued_at: i64,
    body: web::Bytes,
    etag: String,
}

/// Signed lists by list and form, re-signed when stale.
#[derive(Default)]
pub struct SignedLists {
    signed: Mutex<HashMap<(i32, Form), std::sync::Arc<Signed>>>,
}

impl SignedLists {
    /// The list as signed, if no entry changed since (`version`, the
    /// newest status change, is the same) and its `ttl` has not run out: a
    /// fetch then reads no entries. A change whose transaction commits after
    /// a later one's is seen at the latest when the `ttl` runs out, as a
    /// verifier's cached copy would be.
    fn unchanged(&self, id: i32, form: Form, version: i64) -> Option<std::sync::Arc<Signed>> {
        let now = Utc::now().timestamp();
        let signed = self.signed.lock().unwrap_or_else(|e| e.into_inner());
        signed
            .get(&(id, form))
            .filter(|s| s.version == version && now - s.issued_at < STATUS_LIST_TTL)
            .cloned()
    }

    fn get(
        &self,
        key: &SigningKey,
        uri: String,
        id: i32,
        list: ::certificate::StatusList,
        form: Form,
        version: i64,
    ) -> std::sync::Arc<Signed> {
        let now = Utc::now().timestamp();
        let entries: [u8; 32] = Sha256::digest(list.as_bytes()).into();
        let mut signed = self.signed.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(s) = signed.get(&(id, form)) {
            if s.entries == entries && now - s.issued_at < STATUS_LIST_TTL {
                let same = Signed {
                    version,
                    entries,
                    issued_at: s.issued_at,
                    body: s.body.clone(),
                    etag: s.etag.clone(),
                };
                let same = std::sync::Arc::new(same);
                signed.insert((id, form), same.clone());
                return same;
            }
        }
        let token = StatusListToken {
            subject: uri,
            issued_at: now,
            expires_at: Some(now + STATUS_LIST_LIFETIME),
            ttl: Some(STATUS_LIST_TTL),
            list,
        };
        let body: web::Bytes = match form {
            Form::Cwt => token.sign(key).into(),
            Form::Jwt => token.sign_jwt(key).into_bytes().into(),
        };
        use base64::Engine;
        let digest = Sha256::digest(&body);
        let etag = format!(
            "\"{}\"",
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&digest[..16])
        );
        let s = std::sync::Arc::new(Signed {
            version,
            entries,
            issued_at: now,
            body,
            etag,
        });
        signed.insert((id, form), s.clone());
        s
    }
}

/// The form the client prefers: the JWT only when it ranks
/// `application/statuslist+jwt` above the CWT (the CWT is the default).
fn form(req: &HttpRequest) -> Form {
    let accept = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let mut jwt = 0.0f32;
    let mut cwt = 0.0f32;
    for range in accept.split(',') {
        let mut parts = range.split(';').map(str::trim);
        let media = parts.next().unwrap_or("").to_ascii_lowercase();
        let q = parts
            .find_map(|p| p.strip_prefix("q="))
            .and_then(|q| q.parse::<f32>().ok())
            .unwrap_or(1.0);
        if media == STATUS_LIST_JWT_MEDIA_TYPE {
            jwt = jwt.max(q);
        } else if media == STATUS_LIST_TYP {
            cwt = cwt.max(q);
        }
    }
    if jwt > cwt {
        Form::Jwt
    } else {
        Form::Cwt
    }
}

async fn serve(state: &AppState, req: &HttpRequest, path: &str) -> Result<HttpResponse, ApiError> {
    let Some((id, version)) = status::list_version(&state.pool, path).await? else {
        return Err(ApiError::NotFound);
    };
    let service = &state.certificates;
    let form = form(req);
    let signed = match service.lists.unchanged(id, form, version) {
        Some(signed) => signed,
        None => {
            let Some((id, list)) = status::list_by_path(&state.pool, path).await? else {
                return Err(ApiError::NotFound);
            };
            let uri = format!("{}{path}", service.public_url.trim_end_matches('/'));
            service
                .lists
                .get(&service.key, uri, id, list, form, version)
        }
    };
    let content_type = match form {
        Form::Cwt => STATUS_LIST_TYP,
        Form::Jwt => STATUS_LIST_JWT_MEDIA_TYPE,
    };
    let cache = format!("public, max-age={STATUS_LIST_TTL}");
    let fresh = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .any(|t| t.trim() == signed.etag || t.trim() == "*")
        });
    let mut response = if fresh {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    response
        .insert_header((header::CACHE_CONTROL, cache))
        .insert_header((header::ETAG, signed.etag.clone()))
        .insert_header((header::VARY, "Accept"));
    Ok(if fresh {
        response.finish()
    } else {
        response
            .content_type(content_type)
            .body(signed.body.clone())
    })
}

/// The first status list (certificates issued before lists had states
/// name it): the Status List Token (IETF OAuth Token Status List), two bits
/// per entry (VALID 0, INVALID 1, SUSPENDED 2), as a CWT or, when `Accept`
/// prefers it, a JWT, both signed with the certificate key.
#[utoipa::path(
    operation_id = "get_certificate_status_list",
    tag = "certificates",
    params(("Accept" = Option<String>, Header, description = "application/statuslist+jwt for the JWT; the CWT otherwise")),
    responses(
        (status = 200, description = "The signed status list token", content(
            (String = "application/statuslist+cwt"), (String = "application/statuslist+jwt")),
            headers(("Cache-Control" = String, description = "public, max-age=<the list's ttl>"),
                    ("ETag" = String, description = "Of this signed list"), ("Vary" = String, description = "Accept"))),
        (status = 304, description = "Not modified (If-None-Match)"),
        (status = 500, description = "Database unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/certificate-status-list")]
pub async fn status_list(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    serve(&state, &req, "/v1/certificate-status-list").await
}

/// A status list opened when the one before was 80 % full: as the first.
#[utoipa::path(
    operation_id = "get_status_list",
    tag = "certificates",
    params(("id" = i32, Path, description = "The list's number"),
           ("Accept" = Option<String>, Header, description = "application/statuslist+jwt for the JWT; the CWT otherwise")),
    responses(
        (status = 200, description = "The signed status list token", content(
            (String = "application/statuslist+cwt"), (String = "application/statuslist+jwt")),
            headers(("Cache-Control" = String, description = "public, max-age=<the list's ttl>"),
                    ("ETag" = String, description = "Of this signed list"), ("Vary" = String, description = "Accept"))),
        (status = 304, description = "Not modified (If-None-Match)"),
        (status = 404, description = "No such list", body = Problem, content_type = "application/problem+json"),
        (status = 500, description = "Database unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/status-lists/{id}")]
pub async fn numbered_status_list(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    // The path is looked up as published: list 1 lives at the older URI.
    serve(
        &state,
        &req,
        &format!("/v1/status-lists/{}", id.into_inner()),
    )
    .await
}
