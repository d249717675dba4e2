//! The words the views store in their text columns (statuses, channels,
//! procedures), read and written as these enums: `sqlx::Type` over `text`,
//! each value under the name the domain's `as_str` gives it. The domain
//! stays free of sqlx; these mirror its enums and convert both ways.

use serde::Serialize;

/// Where a case stands ([`domain::examination::CaseStatus`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, sqlx::Type)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[sqlx(type_name = "text", rename_all = "SCREAMING_SNAKE_CASE", no_pg_array)]
pub enum CaseStatus {
    Submitted,
    AwaitingPayment,
    UnderExamination,
    ActionRequired,
    Approved,
    Registered,
    Rejected,
    Withdrawn,
    Deleted,
    Suspended,
    Revoked,
    Expired,
}

impl CaseStatus {
    /// Every status, in the order of a case's life.
    pub const ALL: [CaseStatus; 12] = [
        CaseStatus::Submitted,
        CaseStatus::AwaitingPayment,
        CaseStatus::UnderExamination,
        CaseStatus::ActionRequired,
        CaseStatus::Approved,
        CaseStatus::Registered,
        CaseStatus::Rejected,
        CaseStatus::Withdrawn,
        CaseStatus::Deleted,
        CaseStatus::Suspended,
        CaseStatus::Revoked,
        CaseStatus::Expired,
    ];

    /// The status of that stored name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        domain::examination::CaseStatus::from(self).as_str()
    }

    /// A decided case takes no more examination commands.
    pub fn is_decided(self) -> bool {
        domain::examination::CaseStatus::from(self).is_decided()
    }
}

impl From<domain::examination::CaseStatus> for CaseStatus {
    fn from(s: domain::examination::CaseStatus) -> Self {
        use domain::examination::CaseStatus as S;
        match s {
            S::Submitted => CaseStatus::Submitted,
            S::AwaitingPayment => CaseStatus::AwaitingPayment,
            S::UnderExamination => CaseStatus::UnderExamination,
            S::ActionRequired => CaseStatus::ActionRequired,
            S::Approved => CaseStatus::Approved,
            S::Registered => CaseStatus::Registered,
            S::Rejected => CaseStatus::Rejected,
            S::Withdrawn => CaseStatus::Withdrawn,
            S::Deleted => CaseStatus::Deleted,
            S::Suspended => CaseStatus::Suspended,
            S::Revoked => CaseStatus::Revoked,
            S::Expired => CaseStatus::Expired,
        }
    }
}

impl From<CaseStatus> for domain::examination::CaseStatus {
    fn from(s: CaseStatus) -> Self {
        use domain::examination::CaseStatus as S;
        match s {
            CaseStatus::Submitted => S::Submitted,
            CaseStatus::AwaitingPayment => S::AwaitingPayment,
            CaseStatus::UnderExamination => S::UnderExamination,
            CaseStatus::ActionRequired => S::ActionRequired,
            CaseStatus::Approved => S::Approved,
            CaseStatus::Registered => S::Registered,
            CaseStatus::Rejected => S::Rejected,
            CaseStatus::Withdrawn => S::Withdrawn,
            CaseStatus::Deleted => S::Deleted,
            CaseStatus::Suspended => S::Suspended,
            CaseStatus::Revoked => S::Revoked,
            CaseStatus::Expired => S::Expired,
        }
    }
}

/// How a case reached the office ([`domain::registration::Channel`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, sqlx::Type)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[sqlx(type_name = "text", rename_all = "SCREAMING_SNAKE_CASE", no_pg_array)]
pub enum Channel {
    Online,
    Paper,
}

impl Channel {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Online => "ONLINE",
            Channel::Paper => "PAPER",
        }
    }
}

impl From<domain::registration::Channel> for Channel {
    fn from(c: domain::registration::Channel) -> Self {
        match c {
            domain::registration::Channel::Online => Channel::Online,
            domain::registration::Channel::Paper => Channel::Paper,
        }
    }
}

impl From<Channel> for domain::registration::Channel {
    fn from(c: Channel) -> Self {
        match c {
            Channel::Online => domain::registration::Channel::Online,
            Channel::Paper => domain::registration::Channel::Paper,
        }
    }
}

/// A procedure of the catalogue ([`domain::catalogue::Procedure`]): a queued
/// case's, or what a change request asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, sqlx::Type)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[sqlx(type_name = "text", rename_all = "SCREAMING_SNAKE_CASE", no_pg_array)]
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
    Endorsement,
}

impl Procedure {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        domain::catalogue::Procedure::from(self).as_str()
    }
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

impl From<Procedure> for domain::catalogue::Procedure {
    fn from(p: Procedure) -> Self {
        use domain::catalogue::Procedure as P;
        match p {
            Procedure::NewRegistration => P::NewRegistration,
            Procedure::ChangeName => P::ChangeName,
            Procedure::ChangeAddress => P::ChangeAddress,
            Procedure::ChangeDomicile => P::ChangeDomicile,
            Procedure::ReissueCertificate => P::ReissueCertificate,
            Procedure::DeleteRegistration => P::DeleteRegistration,
            Procedure::Renewal => P::Renewal,
            Procedure::Suspension => P::Suspension,
            Procedure::Revocation => P::Revocation,
            Procedure::Endorsement => P::Endorsement,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The stored names are the domain's, and serde writes the same words.
    #[test]
    fn names_match_the_domain() {
        use domain::examination::CaseStatus as S;
        for s in [
            S::Submitted,
            S::AwaitingPayment,
            S::UnderExamination,
            S::ActionRequired,
            S::Approved,
            S::Registered,
            S::Rejected,
            S::Withdrawn,
            S::Deleted,
            S::Suspended,
            S::Revoked,
            S::Expired,
        ] {
            let v = CaseStatus::from(s);
            assert_eq!(v.as_str(), s.as_str());
            assert_eq!(serde_json::to_value(v).unwrap(), s.as_str());
            assert_eq!(S::from(v), s);
        }
        use domain::catalogue::Procedure as P;
        for p in [
            P::NewRegistration,
            P::ChangeName,
            P::ChangeAddress,
            P::ChangeDomicile,
            P::ReissueCertificate,
            P::DeleteRegistration,
            P::Renewal,
            P::Suspension,
            P::Revocation,
        ] {
            let v = Procedure::from(p);
            assert_eq!(serde_json::to_value(v).unwrap(), p.as_str());
            assert_eq!(P::from(v), p);
        }
        use domain::registration::Channel as C;
        for c in [C::Online, C::Paper] {
            let v = Channel::from(c);
            assert_eq!(serde_json::to_value(v).unwrap(), v.as_str());
            assert_eq!(serde_json::to_value(c).unwrap(), v.as_str());
        }
    }
}
