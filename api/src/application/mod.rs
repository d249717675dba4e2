//! The application layer: every use case (submit a registration, file a
//! change request, open a sanction, examine a case, settle a payment, link a registration,
//! notify a death, upload an attachment) in one place, taking domain-level
//! input and answering with domain results. The HTTP handlers, the console
//! and the sandbox are adapters over it: they parse, call and render.

mod attachment;
mod change_request;
mod death_notification;
mod endorsement;
mod examination;
mod fields;
mod link;
mod payment;
mod registration;
mod renewal;
mod sanction;

use std::collections::HashMap;

use adapters::attachments::Attachments;
use adapters::post::Letters;
use adapters::vault::Vault;
use domain::catalogue::Catalogue;
use domain::registration::Channel;
use domain::registry::RegistryInquiry;
use domain::{Actor, DomainError, Role};
use eventstore::cases::Cases;
use eventstore::store::{CommandError, Executed};
use eventstore::Appending;
use eventstore::ProjectionError;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

pub use self::attachment::{CaseDocument, MAX_ATTACHMENTS};
pub use self::change_request::{ChangeInput, CheckedChange};
pub use self::death_notification::DeathNotification;
pub use self::endorsement::EndorsementInput;
pub use self::fields::{check_kana, check_text, nfc, FieldError};
pub use self::link::{LinkDispute, LinkRequest, Linked, PendingLink};
pub use self::payment::Settlement;
pub use self::registration::{Application, CheckedApplication};
pub use self::sanction::SanctionInput;

/// What the use cases need, borrowed from whoever holds it (the API's state).
#[derive(Clone, Copy)]
pub struct UseCases<'a> {
    /// The event store's database, for transactions spanning adapters.
    pub pool: &'a PgPool,
    /// Every examined aggregate's command bus.
    pub cases: &'a Cases,
    /// Where My Numbers are sealed.
    pub vault: &'a Vault,
    /// Uploaded documents.
    pub attachments: &'a Attachments,
    /// Qualifications, procedures and fees.
    pub catalogue: &'a Catalogue,
    /// The national registers (the initial setting's identity look-up).
    pub registry: &'a dyn RegistryInquiry,
    /// The office's letters by post (the initial setting's one-time code).
    pub letters: &'a Letters,
    /// Whether a link needs an identity the provider verified (production).
    pub verified_identity_required: bool,
    /// The application's time: every date a use case records comes from it.
    pub clock: &'a domain::Clock,
}

/// Who asks, and which request carries it: recorded with every event.
#[derive(Debug, Clone)]
pub struct Context {
    /// Who asks (their role decides what they may do).
    pub actor: Actor,
    /// The request id the caller was given, when it came over HTTP.
    pub request_id: Option<String>,
}

impl Context {
    /// The metadata stored with the events this request appends.
    pub fn metadata(&self) -> HashMap<String, String> {
        let mut m = HashMap::from([
            ("actor".to_owned(), self.actor.id.clone()),
            ("role".to_owned(), self.actor.role.as_str().to_owned()),
        ]);
        if let Some(id) = &self.request_id {
            m.insert("request_id".to_owned(), id.clone());
        }
        m
    }

    /// Whether the caller may send a case on `channel`: applicants apply
    /// online, examiners enter what came on paper.
    fn may_use(&self, channel: Channel) -> bool {
        match channel {
            Channel::Online => self.actor.role == Role::Applicant,
            Channel::Paper => self.actor.role.is_examiner(),
        }
    }
}

/// A case a use case opened or changed: its id and what the command left.
#[derive(Debug)]
pub struct Handled<A> {
    /// The case's id (a new one for a case just opened).
    pub id: Uuid,
    /// Its state, version and timeline after the command.
    pub case: Executed<A>,
}

/// Why a use case refused or failed; `crate::error` renders it.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Fields that cannot be accepted, all at once.
    #[error("the request has invalid fields")]
    Invalid(Vec<FieldError>),
    /// No such case or attachment, or not the caller's.
    #[error("the resource does not exist or is not yours")]
    NotFound,
    /// The caller's role may not use this channel.
    #[error("{0}")]
    WrongRole(&'static str),
    /// No registration on the register matches the particulars given.
    #[error("no registration matches these details")]
    NotMatched,
    /// The initial setting needs an identity the provider verified here.
    #[error("sign in with an identity provider that verifies your name and date of birth")]
    VerifiedIdentityRequired,
    /// The code entered is not the one in the letter.
    #[error("the code is not the one in the letter")]
    LinkCodeWrong,
    /// The pending link expired or took too many wrong codes.
    #[error("the code has expired or was entered wrongly too often; ask for a new letter")]
    LinkExpired,
    /// Enough letters went to this registration today; wait this many seconds.
    #[error("letters were sent for this registration recently; try again later")]
    TooManyLetters(u64),
    /// The registers did not answer.
    #[error("the register is unavailable: {0}")]
    RegistryUnavailable(String),
    /// The letter could not be posted (written).
    #[error("the letter could not be sent: {0}")]
    Letter(String),
    /// An upload that is not a PDF, JPEG or PNG.
    #[error("only PDF, JPEG and PNG documents are accepted")]
    NotADocument,
    /// The aggregate refused the command, or the store could not run it.
    #[error(transparent)]
    Command(#[from] CommandError<DomainError>),
    /// An adapter (the vault, the attachments, a view) failed.
    #[error(transparent)]
    Store(#[from] ProjectionError),
    /// The database failed or cannot be reached.
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// A use case's result whose events are appended but not yet committed: the
/// caller may add its own writes (an idempotency answer) to the same
/// transaction, and the only way to commit it is [`Pending::commit`].
#[must_use = "the appended events are rolled back unless committed"]
pub struct Pending<T> {
    tx: Appending,
    value: T,
}

impl<T> Pending<T> {
    /// `value`, once what `tx` wrote commits; a caller whose own writes
    /// append no events (a webhook subscription) commits only here too.
    pub fn new(tx: Appending, value: T) -> Self {
        Self { tx, value }
    }

    /// The result, and the transaction for writes that must commit with
    /// the events.
    pub fn split(&mut self) -> (&T, &mut PgConnection) {
        (&self.value, &mut self.tx)
    }

    /// The same transaction carrying another result (a rendered answer).
    pub fn try_map<U, E>(self, f: impl FnOnce(T) -> Result<U, E>) -> Result<Pending<U>, E> {
        Ok(Pending::new(self.tx, f(self.value)?))
    }

    /// Commits (which wakes the subscriptions) and hands back the result.
    pub async fn commit(self) -> Result<T, Error> {
        self.tx.commit().await?;
        Ok(self.value)
    }
}
