//! What happened to a case, read from its own events: the timeline, the
//! documents its responses attached, and a registration's change requests.

use serde_json::Value;
use sqlx::Row;
use uuid::Uuid;

use super::view::jst;
use super::ConsoleError;
use crate::AppState;

/// One entry of the timeline.
pub struct Entry {
    pub when: String,
    pub what: String,
    pub by: Option<String>,
    pub detail: Option<String>,
    pub by_post: Option<String>,
}

/// A document attached to the case.
pub struct Document {
    pub href: String,
    pub content_type: String,
    pub size: i64,
    pub image: bool,
}

/// A document of the case at `case_href`, opened through that case (the
/// only way staff read documents).
pub fn document(case_href: &str, a: &domain::attachment::AttachmentRef) -> Document {
    Document {
        href: format!("{case_href}/attachments/{}", a.id),
        content_type: a.content_type.clone(),
        size: a.size,
        image: a.content_type.starts_with("image/"),
    }
}

/// The change requests filed against a registration (the latest 50).
pub async fn change_requests(
    state: &AppState,
    registration_id: Uuid,
) -> Result<Vec<(String, String, String, String)>, ConsoleError> {
    let filter = views::change_status::ChangeFilter {
        registration_id: Some(registration_id),
        limit: 50,
        ..Default::default()
    };
    let rows = views::change_status::list(&state.pool, &filter)
        .await
        .map_err(|e| ConsoleError::Internal(e.to_string()))?;
    Ok(rows
        .into_iter()
        .map(|r| {
            (
                format!("/console/cases/change-requests/{}", r.id),
                r.kind.as_str().to_owned(),
                r.status.as_str().to_owned(),
                jst(r.submitted_at),
            )
        })
        .collect())
}

/// The timeline and the documents attached by responses, from the case's events.
pub async fn history(
    state: &AppState,
    aggregate_type: &str,
    id: Uuid,
    case_href: &str,
) -> Result<(Vec<Entry>, Vec<Document>), ConsoleError> {
    let rows = sqlx::query(
        "SELECT event_type, recorded_at, payload::jsonb -> event_type AS body
         FROM events WHERE aggregate_type = $1 AND aggregate_id = $2 ORDER BY sequence",
    )
    .bind(aggregate_type)
    .bind(id.to_string())
    .fetch_all(&state.pool)
    .await
    .map_err(|e| ConsoleError::Internal(e.to_string()))?;
    let mut timeline = Vec::with_capacity(rows.len());
    let mut documents = Vec::new();
    for row in rows {
        let body: Option<Value> = row.get("body");
        let body = body.unwrap_or(Value::Null);
        let text = |key: &str| body.get(key).and_then(Value::as_str).map(str::to_owned);
        let by = text("by")
            .or_else(|| text("examiner").map(|e| format!("→ {e}")))
            .or_else(|| text("entered_by"))
            .or_else(|| {
                body.pointer("/proposal/by")
                    .and_then(Value::as_str)
                    .map(str::to_owned)
            })
            .or_else(|| {
                body.pointer("/paper/recorded_by")
                    .and_then(Value::as_str)
                    .map(str::to_owned)
            });
        let detail = text("reason_code")
            .or_else(|| {
                body.pointer("/proposal/outcome")
                    .and_then(Value::as_str)
                    .map(str::to_owned)
            })
            .or_else(|| text("outcome"))
            .or_else(|| text("registration_number"));
        if let Some(list) = body.get("attachments") {
            if let Ok(refs) =
                serde_json::from_value::<Vec<domain::attachment::AttachmentRef>>(list.clone())
            {
                documents.extend(refs.iter().map(|a| document(case_href, a)));
            }
        }
        timeline.push(Entry {
            when: jst(row.get("recorded_at")),
            what: row.get("event_type"),
            by,
            detail,
            by_post: body
                .pointer("/paper/received_on")
                .and_then(Value::as_str)
                .map(str::to_owned),
        });
    }
    Ok((timeline, documents))
}
