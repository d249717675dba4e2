//! Commands on a registration.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::holding::Holding;
use crate::change_request::ChangeDetails;
use crate::examination::ExaminationCommand;
use crate::language::Language;
use crate::Actor;

/// How an application reached the office.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Channel {
    Online,
    Paper,
}

/// The applicant's particulars as written on the application. The My Number is
/// not here: it is in the vault, referred to by `my_number_ref`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Applicant {
    pub family_name: String,
    pub given_name: String,
    pub family_name_kana: String,
    pub given_name_kana: String,
    pub date_of_birth: NaiveDate,
    pub address: String,
    pub registered_domicile: String,
    pub email: String,
    pub exam_pass_number: String,
    /// The language of the office's notices; events recorded before it existed read `ja`.
    #[serde(default)]
    pub preferred_language: Language,
    /// The nationality (ISO 3166-1 alpha-2, e.g. `US`) of a holder who is not
    /// a Japanese national: they have no family register, so no registered
    /// domicile (`registered_domicile` is empty) and the register inquiry
    /// asks only the resident register. None for a Japanese national (and in
    /// events recorded before it existed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nationality: Option<String>,
}

impl Applicant {
    /// Whether the holder is entered in a family register (a Japanese national).
    pub fn has_family_register(&self) -> bool {
        self.nationality.is_none()
    }
}

/// Everything a registration can be asked to do.
#[derive(Debug, Clone)]
pub enum RegistrationCommand {
    /// Apply for a new registration.
    Submit {
        qualification_code: String,
        applicant: Box<Applicant>,
        my_number_ref: Uuid,
        channel: Channel,
        /// The applicant's subject for online applications; none for paper.
        owner: Option<String>,
        /// The live cases already holding the same My Number (read from the
        /// events while its vault row is locked): the same qualification
        /// refuses the application, other particulars flag it.
        holdings: Vec<Holding>,
        actor: Actor,
        at: DateTime<Utc>,
    },
    /// Payment, register answer and examination, shared with change requests.
    Examination(ExaminationCommand),
    /// Reserve the slot of a change request of one kind (one open per kind).
    FileChangeRequest {
        request_id: Uuid,
        details: Box<ChangeDetails>,
        actor: Actor,
        at: DateTime<Utc>,
    },
    /// A relative who identified the registration notifies the holder's death
    /// (see [`crate::death_notification`]): opens a case, reserves no slot.
    NotifyDeath {
        request_id: Uuid,
        details: Box<ChangeDetails>,
        actor: Actor,
        at: DateTime<Utc>,
    },
    /// Carry out an approved change request (once, however often sent).
    ApplyChange { request_id: Uuid, at: DateTime<Utc> },
    /// Bring a paper-era registration into the system (`import-register`).
    Import {
        qualification_code: String,
        registration_number: String,
        registered_on: NaiveDate,
        holder: Box<Applicant>,
        at: DateTime<Utc>,
    },
    /// Link the registration to the caller's My Number (initial setting).
    LinkHolder {
        my_number_ref: Uuid,
        actor: Actor,
        at: DateTime<Utc>,
    },
    /// Someone who is not the linked holder says the link is not theirs:
    /// the office looks into it (see [`super::link`]).
    DisputeLink {
        reason: String,
        actor: Actor,
        at: DateTime<Utc>,
    },
    /// A senior examiner ends an open dispute: `unlink` undoes the online
    /// link (the rightful holder may link again), else the link stands.
    ResolveLinkDispute {
        unlink: bool,
        reason: String,
        actor: Actor,
        at: DateTime<Utc>,
    },
    /// Put an approved sanction in force (once per sanction, however often sent).
    ApplySanction {
        sanction_id: Uuid,
        kind: crate::sanction::SanctionKind,
        starts_on: NaiveDate,
        ends_on: Option<NaiveDate>,
        at: DateTime<Utc>,
    },
    /// The scheduled end of a suspension: lifts it if it is still the one in force.
    LiftSuspension {
        sanction_id: Uuid,
        at: DateTime<Utc>,
    },
    /// The scheduled reminder `days_before` the registration's `valid_until`
    /// (once per date and reminder; nothing if it was renewed since).
    RemindRenewal {
        valid_until: NaiveDate,
        days_before: u32,
        at: DateTime<Utc>,
    },
    /// The scheduled end of `valid_until`: the registration expires unless
    /// it was renewed (or left the register) since.
    Expire {
        valid_until: NaiveDate,
        at: DateTime<Utc>,
    },
    /// Free the slot of a request that ended without a change.
    CloseChangeRequest { request_id: Uuid, at: DateTime<Utc> },
    /// Record a signed digital certificate (once per certificate id).
    IssueCertificate {
        certificate_id: Uuid,
        status_index: i64,
        kid: String,
        issued_at: DateTime<Utc>,
        /// base64url of the COSE_Sign1 bytes.
        token: String,
        /// Where the certificate is verified (and shown).
        verification_url: String,
    },
}
