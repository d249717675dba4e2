//! The notification subscription: decides which events the applicant must
//! hear of, renders the notice, records it in the inbox view and enqueues its
//! mail job, all in the subscription's batch transaction. A replay renders
//! the same notices again; the job's unique key keeps it from mailing twice.

use std::sync::Arc;

use async_trait::async_trait;
use domain::catalogue::InForce;
use domain::registration::RegistrationEvent;
use domain::{CaseEvent, CaseKind};
use eventstore::subscription::{Projection, StoredEvent};
use eventstore::ProjectionError;
use sqlx::PgConnection;
use uuid::Uuid;

use super::inbox::{write, NewNotice};
use super::recipient::{filed_against, Book};
use super::Templates;

/// Turns events into notices.
pub struct NotificationProducer {
    pub(super) templates: Arc<Templates>,
    pub(super) catalogue: InForce,
    /// Where mails send people to act: the built-in portal
    /// (`<public url>/portal`) unless the office runs its own front end.
    pub(super) portal_url: String,
    /// The right-hand side of every Message-ID: the public URL's host.
    host: String,
}

impl NotificationProducer {
    /// A producer linking to `public_url`.
    pub fn new(templates: Arc<Templates>, catalogue: InForce, public_url: &str) -> Self {
        let host = url::Url::parse(public_url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_owned))
            .unwrap_or_else(|| "localhost".to_owned());
        Self {
            templates,
            catalogue,
            portal_url: format!("{}/portal", public_url.trim_end_matches('/')),
            host,
        }
    }

    /// Links mails to the applicant pages under `portal_url` (an office's own
    /// front end, such as Mynaportal) instead of the built-in portal; empty
    /// keeps the built-in one.
    pub fn with_portal_url(mut self, portal_url: &str) -> Self {
        if !portal_url.trim().is_empty() {
            self.portal_url = portal_url.trim().trim_end_matches('/').to_owned();
        }
        self
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

/// An event of a case, decoded once.
struct Decoded<'a> {
    event: &'a StoredEvent,
    id: Uuid,
    kind: CaseKind,
    case_event: CaseEvent,
}

impl NotificationProducer {
    /// Renders the notice an event calls for, to the case's recipient as the
    /// events before it left them.
    fn prepare(&self, book: &Book, e: &Decoded) -> Result<Option<NewNotice>, ProjectionError> {
        let Some(recipient) = book.get(e.id) else {
            return Ok(None);
        };
        let Some((kind, values)) = self.notice(e.id, &e.case_event, recipient) else {
            return Ok(None);
        };
        let rendered = self
            .templates
            .render(kind, recipient.language, &values)
            .map_err(|e| ProjectionError::Handler(Box::new(e)))?;
        let event = e.event;
        Ok(Some(NewNotice {
            message_id: self.message_id(e.id, event.sequence),
            case_type: e.kind,
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

/// Whether the event undoes a holder's online link.
fn undoes_link(e: &CaseEvent) -> bool {
    matches!(
        e,
        CaseEvent::Registration(RegistrationEvent::LinkDisputeResolved { unlinked: true, .. })
    )
}

/// The batch's events of cases, decoded.
fn case_events(events: &[StoredEvent]) -> Result<Vec<Decoded<'_>>, ProjectionError> {
    let mut out = Vec::new();
    for event in events {
        if let Some((id, case_event)) = event.case_event()? {
            out.push(Decoded {
                event,
                id,
                kind: case_event.kind(),
                case_event,
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
        ids.extend(events.iter().filter_map(|e| filed_against(&e.case_event)));
        ids.sort_unstable();
        ids.dedup();
        let mut book = Book::load(conn, &ids).await?;
        let mut notices = Vec::new();
        for e in &events {
            let owner_before = book.get(e.id).and_then(|r| r.owner.clone());
            book.track(e.id, &e.case_event);
            if let Some(mut notice) = self.prepare(&book, e)? {
                // An undone link is told to the inbox of the holder it
                // named, which the event itself takes the registration from.
                if undoes_link(&e.case_event) {
                    notice.owner = owner_before;
                }
                notices.push(notice);
            }
        }
        book.save(conn).await?;
        write(conn, notices).await
    }

    async fn reset(&self, conn: &mut PgConnection) -> Result<(), ProjectionError> {
        // Deliveries stay: a rebuild must not mail anyone again. Notices no
        // event carries (offer codes, revocations and suspensions told from
        // status changes; sequence -1) stay too: no replay brings them back.
        sqlx::query("TRUNCATE notification_recipients")
            .execute(&mut *conn)
            .await?;
        sqlx::query("DELETE FROM notifications WHERE sequence >= 0")
            .execute(conn)
            .await?;
        Ok(())
    }
}
