//! The transaction code of a wallet credential offer, told to the holder's
//! inbox and mail in the transaction that creates the offer (so an offer
//! exists iff its code is on its way). Not derived from events: the code is
//! a short-lived secret no event may carry, so a rebuild of the inbox does
//! not bring these notices back (their offers expire in minutes anyway).

use chrono::Utc;
use domain::CaseKind;
use eventstore::ProjectionError;
use sqlx::PgConnection;
use uuid::Uuid;

use super::inbox::{write, NewNotice};
use super::recipient::Book;
use super::templates::NoticeValues;
use super::{NoticeKind, NotificationProducer};

impl NotificationProducer {
    /// Writes the notice of offer `offer_id`'s transaction code to the holder
    /// of `registration_id` and queues its mail, on `conn`'s transaction.
    pub async fn tell_offer_code(
        &self,
        conn: &mut PgConnection,
        registration_id: Uuid,
        offer_id: Uuid,
        tx_code: &str,
    ) -> Result<(), ProjectionError> {
        let book = Book::load(conn, &[registration_id]).await?;
        let recipient = book.get(registration_id).ok_or_else(|| {
            ProjectionError::Command("the registration has no recipient on record yet".into())
        })?;
        let mut v = NoticeValues {
            tx_code: tx_code.to_owned(),
            ..NoticeValues::default()
        };
        self.fill(
            &mut v,
            registration_id,
            CaseKind::Registration,
            NoticeKind::CredentialOfferCode,
            recipient,
        );
        let rendered = self
            .templates
            .render(NoticeKind::CredentialOfferCode, recipient.language, &v)
            .map_err(|e| ProjectionError::Handler(Box::new(e)))?;
        let notice = NewNotice {
            message_id: format!("<offer-{offer_id}@{}>", self.host()),
            case_type: CaseKind::Registration,
            case_id: registration_id,
            // Not an event's notice: no event sequence.
            sequence: -1,
            kind: NoticeKind::CredentialOfferCode.as_str(),
            owner: recipient.owner.clone(),
            email: recipient.email.clone(),
            language: recipient.language.as_str(),
            subject: rendered.subject,
            body: rendered.body,
            created_at: Utc::now(),
        };
        write(conn, vec![notice]).await
    }
}
