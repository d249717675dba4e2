//! How a registration is shown, depending on who asks.

use chrono::{DateTime, NaiveDate, Utc};
use domain::examination::CaseStatus;
use domain::registration::QualificationRegistration;
use domain::{Actor, Role};
use eventstore::store::HistoryEntry;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::case::{Channel, Status};
use crate::endorsement::HeldEndorsementView;
use crate::examination::{InformationRequestView, ProposalView, TimelineEntry};
use crate::payment::PaymentView;
use crate::qualifications::Money;

/// The applicant's particulars; shown to the applicant and examiners only.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApplicantView {
    pub family_name: String,
    pub given_name: String,
    pub family_name_kana: String,
    pub given_name_kana: String,
    pub date_of_birth: NaiveDate,
    pub address: String,
    /// Empty for a holder with no family register (see `nationality`).
    pub registered_domicile: String,
    pub email: String,
    pub exam_pass_number: String,
    /// The language of the office's notices: `ja` or `en`.
    pub preferred_language: &'static str,
    /// A holder who is not a Japanese national: their nationality (ISO
    /// 3166-1 alpha-2) instead of a registered domicile. Null for a
    /// Japanese national.
    pub nationality: Option<String>,
}

/// The register's entry of a registered person: what a ministry may read of
/// the holders of its qualifications (never an address, contact details or a
/// My Number).
#[derive(Debug, Serialize, ToSchema)]
pub struct RegisterEntryView {
    pub family_name: String,
    pub given_name: String,
    pub family_name_kana: String,
    pub given_name_kana: String,
    pub date_of_birth: NaiveDate,
    /// The nationality (ISO 3166-1 alpha-2) of a holder who is not a
    /// Japanese national; null for a Japanese national.
    pub nationality: Option<String>,
    /// The last day the registration is valid; null when it does not expire.
    pub valid_until: Option<NaiveDate>,
    /// The endorsements on the register (付記事項).
    pub endorsements: Vec<HeldEndorsementView>,
}

/// A registration application and, once registered, the registration.
#[derive(Debug, Serialize, ToSchema)]
pub struct RegistrationResource {
    pub id: Uuid,
    #[schema(example = "AWAITING_PAYMENT")]
    pub status: Status,
    /// The reason of an open information request or of a rejection.
    pub reason_code: Option<String>,
    pub qualification_code: String,
    pub channel: Channel,
    pub fee: Money,
    pub payment: PaymentView,
    pub submitted_at: Option<DateTime<Utc>>,
    /// When the office aims to have decided (service standard).
    pub due_at: Option<DateTime<Utc>>,
    pub registration_number: Option<String>,
    pub registered_on: Option<NaiveDate>,
    /// While SUSPENDED: the day the suspension lifts (at 00:00 in Japan).
    pub suspended_until: Option<NaiveDate>,
    /// The last day the registration is valid, for a qualification with a
    /// validity period (the care manager's: five years); from the next day
    /// it reads EXPIRED until a RENEWAL is approved. Null: it does not expire.
    pub valid_until: Option<NaiveDate>,
    /// The endorsements the registration carries (付記事項), in the order added.
    pub endorsements: Vec<HeldEndorsementView>,
    pub information_request: Option<InformationRequestView>,
    /// Flags raised on the case (register inquiry: pending, mismatches,
    /// unresolved domicile; a payment mismatch; LINK_DISPUTED when someone
    /// disputed the online link of a paper-era registration); examiners also
    /// see MY_NUMBER_PARTICULARS_DIFFER, which must be cleared with a reason
    /// before the case can be approved.
    pub flags: Vec<String>,
    /// Examiners only.
    pub assigned_to: Option<String>,
    /// Examiners only.
    pub decision_proposal: Option<ProposalView>,
    /// Not shown to ministries.
    pub applicant: Option<ApplicantView>,
    /// Ministries only, once registered: the register's entry.
    pub register_entry: Option<RegisterEntryView>,
    /// The certificates issued for this registration and where each stands
    /// (the holder and staff, on GET; see `/credentials`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub certificates: Option<Vec<crate::credential::standing::CertificateStanding>>,
    /// The holder's wallet credentials of this registration and where each
    /// stands (the holder and staff, on GET; see `/credentials`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wallet_credentials: Option<Vec<crate::credential::offer::WalletCredentialView>>,
    pub timeline: Vec<TimelineEntry>,
    /// The aggregate version; also the ETag.
    pub version: usize,
}

/// Renders a registration for `viewer`.
pub fn render(
    id: Uuid,
    reg: &QualificationRegistration,
    version: usize,
    history: Vec<HistoryEntry>,
    viewer: &Actor,
) -> RegistrationResource {
    let exam = &reg.examination;
    let status = exam.status;
    let internal = viewer.role.is_examiner() || viewer.role == Role::Admin;
    let sees_person = internal || viewer.role == Role::Applicant;
    RegistrationResource {
        id,
        status: status.into(),
        reason_code: match status {
            CaseStatus::ActionRequired => exam.open_request.as_ref().map(|r| r.0.clone()),
            CaseStatus::Rejected => exam.rejection_reason.clone(),
            _ => None,
        },
        qualification_code: reg.qualification_code.clone(),
        channel: match reg.channel {
            Some(domain::registration::Channel::Paper) => Channel::Paper,
            _ => Channel::Online,
        },
        fee: Money::yen(reg.examination.fee.total()),
        payment: PaymentView::of(exam),
        submitted_at: reg.submitted_at,
        due_at: reg.due_at,
        registration_number: reg.registration_number.clone(),
        registered_on: reg.registered_on,
        suspended_until: reg.suspension.map(|(_, until)| until),
        valid_until: reg.valid_until,
        endorsements: HeldEndorsementView::list(&reg.endorsements),
        // The examiner's message is free text about the person: not for ministries.
        information_request: exam
            .open_request
            .as_ref()
            .filter(|_| viewer.role != Role::Ministry)
            .map(|(reason_code, message)| InformationRequestView {
                reason_code: reason_code.clone(),
                message: message.clone(),
            }),
        flags: {
            // Whether a number is held under other particulars is the office's
            // to look into: told to an applicant, it would confirm that someone
            // else's number is in use.
            let mut flags: Vec<String> = exam
                .flags()
                .into_iter()
                .filter(|f| internal || !f.starts_with("MY_NUMBER_"))
                .collect();
            // Like the timeline's HolderLinkDisputed: the linked holder
            // may know their link is being looked into.
            if reg.link_disputed {
                flags.push(domain::registration::LINK_DISPUTED.to_owned());
            }
            flags
        },
        assigned_to: internal.then(|| exam.assignee.clone()).flatten(),
        decision_proposal: internal
            .then(|| exam.proposal.as_ref().map(ProposalView::from))
            .flatten(),
        applicant: sees_person
            .then(|| {
                reg.applicant.as_ref().map(|a| ApplicantView {
                    family_name: a.family_name.clone(),
                    given_name: a.given_name.clone(),
                    family_name_kana: a.family_name_kana.clone(),
                    given_name_kana: a.given_name_kana.clone(),
                    date_of_birth: a.date_of_birth,
                    address: a.address.clone(),
                    registered_domicile: a.registered_domicile.clone(),
                    email: a.email.clone(),
                    exam_pass_number: a.exam_pass_number.clone(),
                    preferred_language: a.preferred_language.as_str(),
                    nationality: a.nationality.clone(),
                })
            })
            .flatten(),
        register_entry: (viewer.role == Role::Ministry && status.on_register())
            .then(|| {
                reg.applicant.as_ref().map(|a| RegisterEntryView {
                    family_name: a.family_name.clone(),
                    given_name: a.given_name.clone(),
                    family_name_kana: a.family_name_kana.clone(),
                    given_name_kana: a.given_name_kana.clone(),
                    date_of_birth: a.date_of_birth,
                    nationality: a.nationality.clone(),
                    valid_until: reg.valid_until,
                    endorsements: HeldEndorsementView::list(&reg.endorsements),
                })
            })
            .flatten(),
        certificates: None,
        wallet_credentials: None,
        timeline: history
            .into_iter()
            .filter(|h| internal || !matches!(h.event_type.as_str(), "FlagRaised" | "FlagCleared"))
            .map(TimelineEntry::from)
            .collect(),
        version,
    }
}

/// A row of the registration list.
#[derive(Debug, Serialize, ToSchema)]
pub struct RegistrationSummary {
    pub id: Uuid,
    pub status: Status,
    pub qualification_code: String,
    pub channel: Channel,
    pub fee: Money,
    pub paid: bool,
    pub submitted_at: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
    pub registration_number: Option<String>,
    pub version: i64,
}

/// A page of registrations.
#[derive(Debug, Serialize, ToSchema)]
pub struct RegistrationPage {
    pub items: Vec<RegistrationSummary>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}
