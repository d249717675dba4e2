//! Text Postgres cannot store: a NUL byte (or another control character, or
//! bytes that are not UTF-8) in a path segment, a query parameter or a JSON
//! string is refused as bad input before any handler sees it, never a 500.

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{Error, ResponseError};

use crate::error::{ApiError, FieldError};

/// Whether `s` holds a character no field of this API may contain.
pub fn unstorable(s: &str) -> bool {
    s.chars()
        .any(|c| c == '\0' || (c.is_control() && !matches!(c, '\t' | '\n' | '\r')))
}

/// Percent-decodes `raw` (with `+` as a space in queries); None if the bytes
/// are not UTF-8.
fn decode(raw: &str, plus_is_space: bool) -> Option<String> {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(b) => {
                        out.push(b);
                        i += 3;
                        continue;
                    }
                    None => out.push(b'%'),
                }
            }
            b'+' if plus_is_space => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}

/// Refuses a request whose path or query carries unstorable text (400).
pub async fn refuse_unstorable(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, Error> {
    let path_ok = decode(req.path(), false).is_some_and(|p| !unstorable(&p));
    let query_ok = decode(req.query_string(), true).is_some_and(|q| !unstorable(&q));
    if path_ok && query_ok {
        return Ok(next.call(req).await?.map_into_left_body());
    }
    let error = ApiError::BadRequest {
        code: "INVALID_CHARACTER",
        detail: "the path or query contains a control character or bytes that are not UTF-8".into(),
    };
    let response = error.error_response().map_into_right_body();
    Ok(req.into_response(response))
}

/// The JSON pointers of strings (and keys) in `value` holding unstorable text.
pub fn check_json(value: &serde_json::Value) -> Result<(), ApiError> {
    let mut bad = Vec::new();
    walk(value, &mut String::new(), &mut bad);
    if bad.is_empty() {
        return Ok(());
    }
    Err(ApiError::Validation(
        bad.into_iter()
            .map(|pointer| {
                FieldError::new(
                    pointer,
                    "INVALID_CHARACTER",
                    "this field contains a control character (such as NUL)",
                )
            })
            .collect(),
    ))
}

fn walk(value: &serde_json::Value, pointer: &mut String, bad: &mut Vec<String>) {
    match value {
        serde_json::Value::String(s) if unstorable(s) => bad.push(pointer.clone()),
        serde_json::Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                let len = pointer.len();
                pointer.push_str(&format!("/{i}"));
                walk(item, pointer, bad);
                pointer.truncate(len);
            }
        }
        serde_json::Value::Object(map) => {
            for (key, item) in map {
                let len = pointer.len();
                if unstorable(key) {
                    bad.push(pointer.clone());
                    continue;
                }
                pointer.push('/');
                pointer.push_str(&key.replace('~', "~0").replace('/', "~1"));
                walk(item, pointer, bad);
                pointer.truncate(len);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nul_and_control_characters_are_unstorable() {
        assert!(unstorable("a\0b"));
        assert!(unstorable("\u{7}"));
        assert!(!unstorable("山田\t花子\n"));
        assert_eq!(decode("%C2%A5r0+%00", true).as_deref(), Some("¥r0 \0"));
        assert_eq!(decode("%FF", false), None);
        assert_eq!(decode("100%", false).as_deref(), Some("100%"));
    }

    #[test]
    fn json_pointers_name_the_bad_strings() {
        let v = serde_json::json!({"a": "ok", "b": ["x", "y\u{0}"], "c~/d": "\u{1}"});
        let Err(ApiError::Validation(errors)) = check_json(&v) else {
            panic!("refused")
        };
        let pointers: Vec<_> = errors.iter().map(|e| e.pointer.as_str()).collect();
        assert_eq!(pointers, ["/b/1", "/c~0~1d"]);
    }
}
