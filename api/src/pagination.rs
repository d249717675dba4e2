//! Keyset cursors: opaque base64url of "timestamp|uuid", or a sequence
//! number for lists keyed by one.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::error::ApiError;

/// Default and largest page sizes.
pub const DEFAULT_LIMIT: i64 = 20;
pub const MAX_LIMIT: i64 = 100;

/// Validates `limit` (1..=100).
pub fn limit(requested: Option<i64>) -> Result<i64, ApiError> {
    match requested {
        None => Ok(DEFAULT_LIMIT),
        Some(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
        Some(_) => Err(ApiError::BadRequest {
            code: "INVALID_LIMIT",
            detail: format!("limit must be between 1 and {MAX_LIMIT}"),
        }),
    }
}

/// Encodes the position after a row.
pub fn encode(at: DateTime<Utc>, id: Uuid) -> String {
    URL_SAFE_NO_PAD.encode(format!("{}|{id}", at.to_rfc3339()))
}

/// Decodes a cursor handed out by [`encode`].
pub fn decode(cursor: Option<&str>) -> Result<Option<(DateTime<Utc>, Uuid)>, ApiError> {
    let Some(cursor) = cursor else {
        return Ok(None);
    };
    let text = String::from_utf8(URL_SAFE_NO_PAD.decode(cursor).map_err(|_| invalid())?)
        .map_err(|_| invalid())?;
    let (at, id) = text.split_once('|').ok_or_else(invalid)?;
    let at = DateTime::parse_from_rfc3339(at).map_err(|_| invalid())?;
    let id = Uuid::parse_str(id).map_err(|_| invalid())?;
    Ok(Some((at.with_timezone(&Utc), id)))
}

/// Decodes a cursor handed out by [`page_by`] for a list keyed by a
/// sequence number: the number of the last row seen.
pub fn sequence(cursor: Option<&str>) -> Result<Option<i64>, ApiError> {
    cursor
        .map(|c| c.parse::<i64>().map_err(|_| invalid()))
        .transpose()
}

fn invalid() -> ApiError {
    ApiError::BadRequest {
        code: "INVALID_CURSOR",
        detail: "cursor must be a next_cursor value returned by this API".into(),
    }
}

/// Splits a page fetched with `limit + 1` rows into the page and its next cursor.
pub fn page<T>(
    rows: Vec<T>,
    limit: i64,
    key: impl Fn(&T) -> (DateTime<Utc>, Uuid),
) -> (Vec<T>, Option<String>) {
    page_by(rows, limit, |r| {
        let (at, id) = key(r);
        encode(at, id)
    })
}

/// [`page`] for lists keyed by their own cursor text (a sequence number).
pub fn page_by<T>(
    mut rows: Vec<T>,
    limit: i64,
    cursor: impl Fn(&T) -> String,
) -> (Vec<T>, Option<String>) {
    if rows.len() as i64 > limit {
        rows.truncate(limit as usize);
        let next = rows.last().map(cursor);
        (rows, next)
    } else {
        (rows, None)
    }
}
