//! The closed vocabularies of cases (kind, status, channel, procedure, ...),
//! published as enums in the spec so clients can switch on them, and
//! refused with 400 when a filter names a value outside them.

use domain::CaseKind;
use serde::de::value::{Error as ValueError, StrDeserializer};
use serde::{Deserialize, Serialize};
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::openapi::RefOr;
use utoipa::ToSchema;

use crate::error::ApiError;

/// A kind of case on the wire: the seam's [`CaseKind`] under its published
/// schema name, whose values are the seam's own, so a new kind reaches the
/// spec by itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CaseType(pub CaseKind);

impl utoipa::PartialSchema for CaseType {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some(CaseKind::ALL.map(CaseKind::wire)))
            .description(Some(
                "A registration application, a change request or a sanction case.",
            ))
            .into()
    }
}

impl ToSchema for CaseType {}

impl From<CaseKind> for CaseType {
    fn from(kind: CaseKind) -> Self {
        CaseType(kind)
    }
}

/// Reads a vocabulary word stored in a view (always one this API wrote).
pub fn parse<'de, T: Deserialize<'de>>(word: &'de str) -> Result<T, ApiError> {
    T::deserialize(StrDeserializer::<ValueError>::new(word))
        .map_err(|_| ApiError::Internal(format!("a view holds the unknown word {word:?}")))
}

/// Where a case stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[schema(as = CaseStatus)]
pub enum Status {
    Submitted,
    AwaitingPayment,
    UnderExamination,
    ActionRequired,
    Approved,
    Registered,
    Rejected,
    Withdrawn,
    /// A registration removed from the register.
    Deleted,
    /// A registration suspended by a sanction for a period.
    Suspended,
    /// A registration revoked by a sanction.
    Revoked,
    /// A registration past its `valid_until` without a renewal (a RENEWAL
    /// brings it back).
    Expired,
}

impl From<Status> for views::vocab::CaseStatus {
    fn from(s: Status) -> Self {
        use views::vocab::CaseStatus as V;
        match s {
            Status::Submitted => V::Submitted,
            Status::AwaitingPayment => V::AwaitingPayment,
            Status::UnderExamination => V::UnderExamination,
            Status::ActionRequired => V::ActionRequired,
            Status::Approved => V::Approved,
            Status::Registered => V::Registered,
            Status::Rejected => V::Rejected,
            Status::Withdrawn => V::Withdrawn,
            Status::Deleted => V::Deleted,
            Status::Suspended => V::Suspended,
            Status::Revoked => V::Revoked,
            Status::Expired => V::Expired,
        }
    }
}

impl From<domain::examination::CaseStatus> for Status {
    fn from(s: domain::examination::CaseStatus) -> Self {
        use domain::examination::CaseStatus as S;
        match s {
            S::Submitted => Status::Submitted,
            S::AwaitingPayment => Status::AwaitingPayment,
            S::UnderExamination => Status::UnderExamination,
            S::ActionRequired => Status::ActionRequired,
            S::Approved => Status::Approved,
            S::Registered => Status::Registered,
            S::Rejected => Status::Rejected,
            S::Withdrawn => Status::Withdrawn,
            S::Deleted => Status::Deleted,
            S::Suspended => Status::Suspended,
            S::Revoked => Status::Revoked,
            S::Expired => Status::Expired,
        }
    }
}

impl From<views::vocab::CaseStatus> for Status {
    fn from(s: views::vocab::CaseStatus) -> Self {
        domain::examination::CaseStatus::from(s).into()
    }
}

/// How a case reached the office: online, or on paper entered by an examiner.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Channel {
    Online,
    Paper,
}

impl From<domain::registration::Channel> for Channel {
    fn from(c: domain::registration::Channel) -> Self {
        match c {
            domain::registration::Channel::Online => Channel::Online,
            domain::registration::Channel::Paper => Channel::Paper,
        }
    }
}

impl From<views::vocab::Channel> for Channel {
    fn from(c: views::vocab::Channel) -> Self {
        domain::registration::Channel::from(c).into()
    }
}

/// A procedure the office offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Procedure {
    NewRegistration,
    ChangeName,
    ChangeAddress,
    ChangeDomicile,
    ReissueCertificate,
    DeleteRegistration,
    Renewal,
    Suspension,
    Revocation,
    /// Adding or removing an endorsement of a registration.
    Endorsement,
}

impl From<domain::catalogue::Procedure> for Procedure {
    fn from(p: domain::catalogue::Procedure) -> Self {
        use domain::catalogue::Procedure as P;
        match p {
            P::NewRegistration => Procedure::NewRegistration,
            P::ChangeName => Procedure::ChangeName,
            P::ChangeAddress => Procedure::ChangeAddress,
            P::ChangeDomicile => Procedure::ChangeDomicile,
            P::ReissueCertificate => Procedure::ReissueCertificate,
            P::DeleteRegistration => Procedure::DeleteRegistration,
            P::Renewal => Procedure::Renewal,
            P::Suspension => Procedure::Suspension,
            P::Revocation => Procedure::Revocation,
            P::Endorsement => Procedure::Endorsement,
        }
    }
}

impl From<Procedure> for views::vocab::Procedure {
    fn from(p: Procedure) -> Self {
        use views::vocab::Procedure as V;
        match p {
            Procedure::NewRegistration => V::NewRegistration,
            Procedure::ChangeName => V::ChangeName,
            Procedure::ChangeAddress => V::ChangeAddress,
            Procedure::ChangeDomicile => V::ChangeDomicile,
            Procedure::ReissueCertificate => V::ReissueCertificate,
            Procedure::DeleteRegistration => V::DeleteRegistration,
            Procedure::Renewal => V::Renewal,
            Procedure::Suspension => V::Suspension,
            Procedure::Revocation => V::Revocation,
            Procedure::Endorsement => V::Endorsement,
        }
    }
}

impl From<views::vocab::Procedure> for Procedure {
    fn from(p: views::vocab::Procedure) -> Self {
        domain::catalogue::Procedure::from(p).into()
    }
}

/// What a change request asks for: the procedures other than a new registration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ChangeKind {
    ChangeName,
    ChangeAddress,
    ChangeDomicile,
    ReissueCertificate,
    DeleteRegistration,
    /// Renewal of a registration that expires, with the renewal training's
    /// certificate attached.
    Renewal,
    /// Adds or removes an endorsement the qualification defines.
    Endorsement,
}

impl ChangeKind {
    /// The kind of a change request's procedure; None for a new registration.
    pub fn of(p: domain::catalogue::Procedure) -> Option<Self> {
        use domain::catalogue::Procedure as P;
        Some(match p {
            P::NewRegistration | P::Suspension | P::Revocation => return None,
            P::ChangeName => ChangeKind::ChangeName,
            P::ChangeAddress => ChangeKind::ChangeAddress,
            P::ChangeDomicile => ChangeKind::ChangeDomicile,
            P::ReissueCertificate => ChangeKind::ReissueCertificate,
            P::DeleteRegistration => ChangeKind::DeleteRegistration,
            P::Renewal => ChangeKind::Renewal,
            P::Endorsement => ChangeKind::Endorsement,
        })
    }
}

impl TryFrom<views::vocab::Procedure> for ChangeKind {
    type Error = ApiError;

    /// A change request's kind as the view holds it (never a new registration).
    fn try_from(p: views::vocab::Procedure) -> Result<Self, ApiError> {
        ChangeKind::of(p.into())
            .ok_or_else(|| ApiError::Internal(format!("a change request of kind {:?}", p.as_str())))
    }
}

/// What became of an approved change request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ChangeOutcome {
    /// The registration changed.
    Applied,
    /// The registration was deleted before the change could be applied.
    RegistrationDeleted,
    /// The registration no longer exists.
    NotFound,
}

/// Why a registration is to be deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DeletionReason {
    HolderRequest,
    Death,
    /// A family court's declaration of disappearance (the holder is deemed dead).
    Disappearance,
}

impl From<domain::change_request::DeletionReason> for DeletionReason {
    fn from(r: domain::change_request::DeletionReason) -> Self {
        match r {
            domain::change_request::DeletionReason::HolderRequest => DeletionReason::HolderRequest,
            domain::change_request::DeletionReason::Death => DeletionReason::Death,
            domain::change_request::DeletionReason::Disappearance => DeletionReason::Disappearance,
        }
    }
}

/// The decision an examiner proposes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DecisionOutcome {
    Approve,
    Reject,
}

impl From<domain::examination::Outcome> for DecisionOutcome {
    fn from(o: domain::examination::Outcome) -> Self {
        match o {
            domain::examination::Outcome::Approve => DecisionOutcome::Approve,
            domain::examination::Outcome::Reject => DecisionOutcome::Reject,
        }
    }
}

impl From<DecisionOutcome> for domain::examination::Outcome {
    fn from(o: DecisionOutcome) -> Self {
        match o {
            DecisionOutcome::Approve => domain::examination::Outcome::Approve,
            DecisionOutcome::Reject => domain::examination::Outcome::Reject,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The word of a vocabulary value on the wire.
    fn word<T: Serialize>(value: T) -> String {
        match serde_json::to_value(value) {
            Ok(serde_json::Value::String(word)) => word,
            _ => String::new(),
        }
    }

    #[test]
    fn words_read_back_as_they_are_written() {
        assert_eq!(word(Status::UnderExamination), "UNDER_EXAMINATION");
        assert_eq!(
            parse::<Status>("UNDER_EXAMINATION").unwrap(),
            Status::UnderExamination
        );
        for s in [
            domain::examination::CaseStatus::ActionRequired,
            domain::examination::CaseStatus::Deleted,
        ] {
            assert_eq!(word(Status::from(s)), s.as_str());
        }
        assert!(parse::<ChangeKind>("NEW_REGISTRATION").is_err());
    }
}
