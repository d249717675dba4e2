//! `GET /v1/events`: the ordered feed of public events of the caller's
//! qualifications (a ministry's; an administrator reads all of them).

use actix_web::{get, web, HttpResponse};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Utc};
use domain::Role;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use views::feed::{self, FeedEvent, FeedPosition};

use crate::auth::Caller;
use crate::error::{ApiError, Problem};
use crate::pagination;
use crate::AppState;

/// Where to read from, and how much.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct FeedQuery {
    /// `next_cursor` of the previous page; from the beginning when absent
    /// (the name every list of this API uses).
    pub cursor: Option<String>,
    /// Deprecated: the same as `cursor`, its earlier name, still accepted.
    pub after: Option<String>,
    /// Page size, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100, default = 20)]
    pub limit: Option<i64>,
}

/// The types of public events (`views::feed::EVENT_TYPES`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum FeedEventType {
    ApplicationSubmitted,
    ApplicationRejected,
    ApplicationWithdrawn,
    Registered,
    RegistrationImported,
    ChangeRequestFiled,
    RegisteredMattersChanged,
    RegistrationDeleted,
    CertificateIssued,
    CertificateRevoked,
    RegistrationSuspended,
    SuspensionLifted,
    RegistrationRevoked,
    RegistrationRenewed,
    RegistrationExpired,
    EndorsementAdded,
    EndorsementRemoved,
}

impl FeedEventType {
    /// The type's name as stored and sent.
    pub fn name(self) -> String {
        serde_json::to_value(self)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default()
    }
}

/// One public event. `type` tells which facts `data` holds:
/// `APPLICATION_SUBMITTED` `{channel}`, `APPLICATION_REJECTED` `{reason_code}`,
/// `APPLICATION_WITHDRAWN` `{}`, `REGISTERED` `{registered_on, valid_until}`,
/// `REGISTRATION_IMPORTED` `{registered_on}`, `CHANGE_REQUEST_FILED` `{change_request_id, kind}`,
/// `REGISTERED_MATTERS_CHANGED` `{change_request_id, changed_matters}` (names
/// of the matters, never their values), `REGISTRATION_DELETED`
/// `{change_request_id, reason}`, `CERTIFICATE_ISSUED` `{certificate_id}`,
/// `CERTIFICATE_REVOKED` `{certificate_id, reason}`, `REGISTRATION_SUSPENDED`
/// `{sanction_id, from, until}`, `SUSPENSION_LIFTED` `{sanction_id}`,
/// `REGISTRATION_REVOKED` `{sanction_id, on, barred_until}`,
/// `REGISTRATION_RENEWED` `{change_request_id, previous_valid_until, valid_until}`,
/// `REGISTRATION_EXPIRED` `{valid_until}`, `ENDORSEMENT_ADDED` and
/// `ENDORSEMENT_REMOVED` `{change_request_id, code, name_ja, name_en}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct FeedEventView {
    /// Stable id of the event (also the webhook data's `id`).
    pub id: Uuid,
    #[serde(rename = "type")]
    #[schema(value_type = FeedEventType)]
    pub event_type: String,
    pub occurred_at: DateTime<Utc>,
    pub qualification_code: String,
    pub registration_id: Uuid,
    /// Once registered.
    pub registration_number: Option<String>,
    /// The type's facts; never a name, date of birth, address, domicile or My Number.
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
}

impl From<FeedEvent> for FeedEventView {
    fn from(e: FeedEvent) -> Self {
        Self {
            id: e.id,
            event_type: e.event_type,
            occurred_at: e.occurred_at,
            qualification_code: e.qualification_code,
            registration_id: e.registration_id,
            registration_number: e.registration_number,
            data: e.data,
        }
    }
}

/// A page of the feed, oldest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct FeedPage {
    pub items: Vec<FeedEventView>,
    /// Pass as `cursor` to read on: after the last item, or the cursor given
    /// when there was nothing new (never null: a feed has no last page).
    /// Stable across restarts.
    pub next_cursor: String,
}

fn encode(p: &FeedPosition) -> String {
    URL_SAFE_NO_PAD.encode(format!(
        "{}.{}.{}",
        p.transaction_id, p.global_position, p.ordinal
    ))
}

fn decode(cursor: &str) -> Result<FeedPosition, ApiError> {
    let invalid = || ApiError::BadRequest {
        code: "INVALID_CURSOR",
        detail: "cursor must be a next_cursor value returned by this API".into(),
    };
    let text = String::from_utf8(URL_SAFE_NO_PAD.decode(cursor).map_err(|_| invalid())?)
        .map_err(|_| invalid())?;
    let mut parts = text.split('.');
    let (Some(t), Some(g), Some(o), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(invalid());
    };
    Ok(FeedPosition {
        transaction_id: t.parse().map_err(|_| invalid())?,
        global_position: g.parse().map_err(|_| invalid())?,
        ordinal: o.parse().map_err(|_| invalid())?,
    })
}

/// The ordered feed of public events of the caller's qualifications.
///
/// Events appear in commit order, and an event whose transaction commits late
/// appears after the cursor a reader already holds: resuming with
/// `next_cursor` never skips one. Ministries (scope `events:read`) see only
/// the qualifications they supervise; administrators see all.
#[utoipa::path(
    tag = "ministry integration",
    operation_id = "list_events",
    params(FeedQuery),
    security(("ministry" = ["events:read"]), ("bearer" = [])),
    responses(
        (status = 200, description = "A page of public events", body = FeedPage),
        (status = 400, description = "Invalid cursor or limit", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a ministry or administrator, or no `events:read` scope", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is briefly unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/events")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<FeedQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Ministry, Role::Admin])?;
    caller.require_scope("events:read")?;
    let q = query.into_inner();
    let limit = pagination::limit(q.limit)?;
    let after = match (q.cursor.as_deref(), q.after.as_deref()) {
        (Some(_), Some(_)) => {
            return Err(ApiError::BadRequest {
                code: "INVALID_QUERY",
                detail: "give cursor or its old name after, not both".into(),
            })
        }
        (cursor, after) => cursor.or(after).map(decode).transpose()?,
    };
    let qualifications: Option<Vec<String>> = caller.ministry().map(|m| {
        state
            .catalogue
            .supervised_by(m)
            .map(str::to_owned)
            .collect()
    });
    let items = feed::page(
        &state.pool,
        after.as_ref(),
        qualifications.as_deref(),
        limit,
    )
    .await?;
    let next_cursor = match items.last() {
        Some(last) => encode(&last.position),
        None => after.as_ref().map(encode).unwrap_or_else(|| {
            encode(&FeedPosition {
                transaction_id: 0,
                global_position: 0,
                ordinal: -1,
            })
        }),
    };
    Ok(HttpResponse::Ok().json(FeedPage {
        items: items.into_iter().map(Into::into).collect(),
        next_cursor,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_type_enum_names_every_feed_type() {
        let names: Vec<String> = serde_json::from_value::<Vec<FeedEventType>>(
            serde_json::to_value(feed::EVENT_TYPES).unwrap(),
        )
        .unwrap()
        .into_iter()
        .map(FeedEventType::name)
        .collect();
        assert_eq!(names, feed::EVENT_TYPES);
    }

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        let p = FeedPosition {
            transaction_id: 812,
            global_position: 9,
            ordinal: 1,
        };
        assert_eq!(decode(&encode(&p)).unwrap(), p);
        for bad in ["", "!!", "MTIz", &URL_SAFE_NO_PAD.encode("1.2.x")] {
            assert!(decode(bad).is_err(), "{bad}");
        }
    }
}
