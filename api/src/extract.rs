//! Request extractors that turn every kind of bad input into a clear problem:
//! wrong content type (415), too large (413), malformed (400), wrong shape (422).

use std::future::Future;
use std::pin::Pin;

use actix_web::web::Bytes;
use actix_web::{FromRequest, HttpRequest};
use futures_util::StreamExt;
use serde::de::DeserializeOwned;

use crate::error::{ApiError, FieldError};

/// The largest JSON body accepted.
pub const JSON_LIMIT: usize = 64 * 1024;

/// A JSON body, typed, with its raw bytes kept for idempotency hashing.
pub struct JsonBody<T> {
    pub value: T,
    pub raw: Bytes,
}

impl<T: DeserializeOwned + 'static> FromRequest for JsonBody<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut actix_web::dev::Payload) -> Self::Future {
        let headers = JsonHeaders::of(req);
        let payload = payload.take();
        Box::pin(async move {
            let body = read_json(headers, payload, JSON_LIMIT).await?;
            let value = parse_json(&body)?;
            Ok(JsonBody {
                value,
                raw: Bytes::from(body),
            })
        })
    }
}

/// What a request's headers say of its body, read before the body is.
pub struct JsonHeaders {
    /// Whether the content type is `application/json` (any parameters).
    is_json: bool,
    /// The declared length, when given.
    declared_len: Option<usize>,
}

impl JsonHeaders {
    /// The headers of `req`.
    pub fn of(req: &HttpRequest) -> Self {
        let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok());
        Self {
            is_json: header("content-type")
                .and_then(|v| v.split(';').next())
                .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json")),
            declared_len: header("content-length").and_then(|v| v.parse().ok()),
        }
    }
}

/// Reads a JSON body of at most `limit` bytes: 415 unless its content type
/// is JSON, 413 as soon as it is known to be larger (before buffering it).
pub async fn read_json<S>(
    headers: JsonHeaders,
    mut payload: S,
    limit: usize,
) -> Result<Vec<u8>, ApiError>
where
    S: futures_util::Stream<Item = Result<Bytes, actix_web::error::PayloadError>> + Unpin,
{
    if !headers.is_json {
        return Err(ApiError::UnsupportedMediaType(
            "the request body must be application/json".into(),
        ));
    }
    if headers.declared_len.is_some_and(|n| n > limit) {
        return Err(ApiError::PayloadTooLarge(limit));
    }
    let mut body = Vec::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| ApiError::BadRequest {
            code: "BODY_UNREADABLE",
            detail: "the request body could not be read".into(),
        })?;
        if body.len() + chunk.len() > limit {
            return Err(ApiError::PayloadTooLarge(limit));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Parses JSON: syntax errors are 400, shape errors 422 with a field pointer.
/// Messages are built here and never echo the submitted values.
pub fn parse_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    let syntax: serde_json::Value =
        serde_json::from_slice(body).map_err(|e| ApiError::BadRequest {
            code: "MALFORMED_JSON",
            detail: format!(
                "the request body is not valid JSON (line {}, column {})",
                e.line(),
                e.column()
            ),
        })?;
    crate::text::check_json(&syntax)?;
    serde_path_to_error::deserialize(syntax).map_err(|e| {
        let mut pointer = String::new();
        for segment in e.path().iter() {
            match segment {
                serde_path_to_error::Segment::Seq { index } => {
                    pointer.push_str(&format!("/{index}"))
                }
                serde_path_to_error::Segment::Map { key } => pointer.push_str(&format!("/{key}")),
                _ => {}
            }
        }
        let message = e.inner().to_string();
        let named = quoted_name(&message);
        let (code, detail) = if message.starts_with("missing field") {
            ("REQUIRED", "this field is required")
        } else if message.starts_with("unknown field") {
            ("UNKNOWN_FIELD", "this field is not part of the request")
        } else if message.starts_with("invalid type") {
            ("WRONG_TYPE", "this field has the wrong type")
        } else if message.starts_with("unknown variant") {
            ("UNKNOWN_VALUE", "this field does not take that value")
        } else {
            ("INVALID", "this field is not valid")
        };
        if code == "UNKNOWN_FIELD" {
            // The path ends in the unknown key itself, which may be anything
            // the caller typed: keep it only when it looks like a field name.
            if let Some(cut) = pointer.rfind('/') {
                pointer.truncate(cut);
            }
            pointer.push('/');
            pointer.push_str(named.as_deref().unwrap_or("<unknown>"));
        } else if let (true, Some(name)) = (code == "REQUIRED", named) {
            pointer.push_str(&format!("/{name}"));
        }
        ApiError::Validation(vec![FieldError::new(pointer, code, detail)])
    })
}

/// The field name serde quotes in `missing field `x`` and `unknown field `x``,
/// when it looks like a field name in any common style (`date_of_birth`,
/// `dateOfBirth`, `date-of-birth`): ASCII, at most 64 characters, starting
/// with a letter, and with at most three digits, so that a value typed where
/// a key belongs (a My Number, an email address) is never echoed.
fn quoted_name(message: &str) -> Option<String> {
    let start = message.find('`')? + 1;
    let end = start + message[start..].find('`')?;
    let name = &message[start..end];
    let digits = name.bytes().filter(u8::is_ascii_digit).count();
    (name.len() <= 64
        && name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && digits <= 3
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.')))
    .then(|| name.to_owned())
}

/// The version named by `If-Match`, if the header is present.
pub fn if_match(req: &HttpRequest) -> Result<Option<usize>, ApiError> {
    let Some(value) = req.headers().get("if-match") else {
        return Ok(None);
    };
    let text = value.to_str().unwrap_or("").trim();
    let text = text.strip_prefix("W/").unwrap_or(text).trim_matches('"');
    text.parse::<usize>()
        .map(Some)
        .map_err(|_| ApiError::BadRequest {
            code: "INVALID_IF_MATCH",
            detail: "If-Match must be an ETag returned by this API, e.g. \"3\"".into(),
        })
}

/// The ETag of an aggregate version.
pub fn etag(version: usize) -> String {
    format!("\"{version}\"")
}

/// 200 with a case's resource and its aggregate version as the ETag.
pub fn ok_with_etag(body: impl serde::Serialize, version: usize) -> actix_web::HttpResponse {
    actix_web::HttpResponse::Ok()
        .insert_header(("ETag", etag(version)))
        .json(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Body {
        my_number: String,
    }

    #[test]
    fn shape_errors_point_at_the_field_without_echoing_it() {
        let e = parse_json::<Body>(br#"{"my_number": 123456789018}"#).unwrap_err();
        let text = format!("{e:?}");
        assert!(
            text.contains("/my_number") && !text.contains("123456789018"),
            "{text}"
        );
        let e = parse_json::<Body>(br#"{"my_number": "1", "123456789018": 1}"#).unwrap_err();
        assert!(!format!("{e:?}").contains("123456789018"));
        let e = parse_json::<Body>(br#"{"my_number": "1", "a123456789018": 1}"#).unwrap_err();
        assert!(!format!("{e:?}").contains("123456789018"));
        let e = parse_json::<Body>(br#"{"my_number": "1", "hanako@example.jp": 1}"#).unwrap_err();
        assert!(!format!("{e:?}").contains("hanako"));
        for name in ["myNumber", "my-number", "address2"] {
            let body = format!(r#"{{"my_number": "1", "{name}": 1}}"#);
            let Err(ApiError::Validation(errors)) = parse_json::<Body>(body.as_bytes()) else {
                panic!("{name} is refused");
            };
            assert_eq!(errors[0].pointer, format!("/{name}"));
        }
        assert!(matches!(
            parse_json::<Body>(b"{"),
            Err(ApiError::BadRequest { .. })
        ));
    }
}
