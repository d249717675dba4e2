//! The notification subscription: decides which events the applicant must
//! hear of, renders the notice, records it in the inbox view and enqueues its
//! mail job, all in the subscription's batch transaction. A replay renders
//! the same notices again; the job's unique key keeps it from mailing twice.

use std::sync::Arc;

use async_trait::async_trait;
use domain::catalogue::Catalogue;
use projections::subscription::{Projection, StoredEvent};
use projections::ProjectionError;
use serde_json::Value;
use sqlx::PgConnection;
use uuid::Uuid;

use super::inbox::{write, NewNotice};
use super::notice::NOTICE_EVENTS;
use super::recipient::{data, filed_against, Book, CHANGE_REQUEST, REGISTRATION, TRACKED};
use super::Templates;

/// Attempts of a mail job before it is dead: with the doubling backoff
/// (capped at an hour) a relay may be down for about five hours. A refusal
/// (5xx) gives up after [`super::job::REFUSED_ATTEMPTS`].
pub const MAIL_ATTEMPTS: i32 = 16;

/// Turns events into notices.
pub struct NotificationProducer {
    pub(super) templates: Arc<Templates>,
    pub(super) catalogue: Arc<Catalogue>,
    pub(super) public_url: String,
    /// The right-hand side of every Message-ID: the public URL's host.
    host: String,
}

impl NotificationProducer {
    /// A producer linking to `public_url`.
    pub fn new(templates: Arc<Templates>, catalogue: Arc<Catalogue>, public_url: &str) -> Self {
        let host = url::Url::parse(public_url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_owned))
            .unwrap_or_else(|| "localhost".to_owned());
        Self {
            templates,
            catalogue,
            public_url: public_url.trim_end_matches('/').to_owned(),
            host,
        }
    }

    /// The public URL's host: Message-IDs end with it and the SMTP client greets with it.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The stable Message-ID of the notice of one event.
    pub fn message_id(&self, case_id: Uuid, sequence: i64) -> String {
        format!("<{case_id}.{sequence}@{}>", self.host)
    }
}

/// An event of a case the producer reads, with its fields decoded once.
struct CaseEvent<'a> {
    event: &'a StoredEvent,
    id: Uuid,
    data: Value,
}

impl NotificationProducer {
    /// Renders the notice an event calls for, to the case's recipient as the
    /// events before it left them.
    fn prepare(&self, book: &Book, e: &CaseEvent) -> Result<Option<NewNotice>, ProjectionError> {
        let event = e.event;
        if !NOTICE_EVENTS.contains(&event.event_type.as_str()) {
            return Ok(None);
        }
        let Some(recipient) = book.get(e.id) else {
            return Ok(None);
        };
        let Some((kind, values)) = self.notice(event, &e.data, recipient) else {
            return Ok(None);
        };
        let rendered = self
            .templates
            .render(kind, recipient.language, &values)
            .map_err(|e| ProjectionError::Command(e.to_string()))?;
        Ok(Some(NewNotice {
            message_id: self.message_id(e.id, event.sequence),
            case_type: event.aggregate_type.clone(),
            case_id: e.id,
            sequence: event.sequence,
            kind: kind.as_str(),
            owner: recipient.owner.clone(),
            email: recipient.email.clone(),
            language: recipient.language.as_str(),
            subject: rendered.subject,
            body: rendered.body,
            created_at: event.recorded_at,
        }))
    }
}

/// The batch's events of cases that may have a recipient or a notice, decoded.
fn case_events(events: &[StoredEvent]) -> Result<Vec<CaseEvent<'_>>, ProjectionError> {
    let mut out = Vec::new();
    for event in events {
        let of_a_case =
            event.aggregate_type == REGISTRATION || event.aggregate_type == CHANGE_REQUEST;
        let t = event.event_type.as_str();
        if of_a_case && (TRACKED.contains(&t) || NOTICE_EVENTS.contains(&t)) {
            out.push(CaseEvent {
                event,
                id: event.aggregate_uuid()?,
                data: data(event),
            });
        }
    }
    Ok(out)
}

#[async_trait]
impl Projection for NotificationProducer {
    fn name(&self) -> &'static str {
        "notifications"
    }

    async fn apply(
        &self,
        conn: &mut PgConnection,
        event: &StoredEvent,
    ) -> Result<(), ProjectionError> {
        self.apply_batch(conn, std::slice::from_ref(event)).await
    }

    /// The batch's recipients are read with one statement and followed in
    /// order, event by event, in memory (a notice reads what the events
    /// before it recorded); the recipients, notices and mail jobs are then
    /// written with one statement each.
    async fn apply_batch(
        &self,
        conn: &mut PgConnection,
        events: &[StoredEvent],
    ) -> Result<(), ProjectionError> {
        let events = case_events(events)?;
        if events.is_empty() {
            return Ok(());
        }
        let mut ids: Vec<Uuid> = events.iter().map(|e| e.id).collect();
        ids.extend(
            events
                .iter()
                .filter_map(|e| filed_against(e.event, &e.data)),
        );
        ids.sort_unstable();
        ids.dedup();
        let mut book = Book::load(conn, &ids).await?;
        let mut notices = Vec::new();
        for e in &events {
            book.track(e.id, e.event, &e.data)?;
            if let Some(notice) = self.prepare(&book, e)? {
                notices.push(notice);
            }
        }
        book.save(conn).await?;
        write(conn, notices).await
    }

    async fn reset(&self, conn: &mut PgConnection) -> Result<(), ProjectionError> {
        // Deliveries stay: a rebuild must not mail anyone again.
        sqlx::query("TRUNCATE notifications, notification_recipients")
            .execute(conn)
            .await?;
        Ok(())
    }
}
