//! Domain errors: every refused command has a stable code.

/// What kind of refusal an error is; the API maps each kind to one HTTP status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The command is not possible in the current state (409).
    Conflict,
    /// The actor may not do this (403).
    Forbidden,
    /// The command's content is invalid (422).
    Invalid,
    /// The target does not exist (404).
    NotFound,
}

/// A refused command.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    #[error("the application does not exist")]
    NotFound,
    #[error("an application with this id already exists")]
    AlreadyExists,
    #[error("unknown qualification code")]
    UnknownQualification,
    #[error("the qualification has no fee for this procedure")]
    ProcedureNotOffered,
    #[error("the procedure is not yet offered online for this qualification; apply on paper")]
    ProcedureNotYetOnline,
    #[error("the fee of this procedure is not known yet, so it cannot be applied for")]
    FeeUnknown,
    #[error("the case is not awaiting payment (status {0})")]
    NotAwaitingPayment(&'static str),
    #[error("the case is not under examination (status {0})")]
    NotUnderExamination(&'static str),
    #[error("the case is not waiting for the applicant's response (status {0})")]
    NotActionRequired(&'static str),
    #[error("the case is already decided (status {0})")]
    AlreadyDecided(&'static str),
    #[error("the case must be assigned to an examiner first")]
    NotAssigned,
    #[error("only the assigned examiner may act on this case")]
    NotAssignee,
    #[error("the case is already assigned to another examiner")]
    AlreadyAssigned,
    #[error("an examiner may only assign a case to themselves")]
    AssignOthers,
    #[error("a decision proposal is already pending")]
    ProposalPending,
    #[error("there is no decision proposal to approve")]
    NoProposal,
    #[error("the decision must be approved by a senior examiner other than the proposer")]
    FourEyes,
    #[error("this role may not perform this action")]
    WrongRole,
    #[error("a rejection needs a reason code")]
    ReasonRequired,
    #[error("attach a family-register extract to answer this request")]
    AttachmentRequired,
    #[error("the registration is not on the register")]
    NotRegistered,
    #[error("the registration was deleted")]
    RegistrationDeleted,
    #[error("a change request of this kind is already open for the registration")]
    ChangeRequestOpen,
    #[error("the amount paid is not the fee assessed")]
    AmountMismatch,
    #[error("only paper cases take records of what came by post")]
    NotPaperCase,
    #[error("the date received cannot be in the future")]
    ReceivedInFuture,
    #[error("the registration number could not be allocated; try again")]
    Allocation,
    #[error("this qualification is already registered, or applied for, under this My Number")]
    AlreadyRegistered,
    #[error("a flag on the case must be cleared with a reason before it can be approved")]
    FlagNotCleared,
    #[error("the case has no such open flag")]
    FlagNotRaised,
    #[error("clearing a flag needs a reason")]
    ClearanceReasonRequired,
    #[error("the registering prefecture cannot be told: neither the address nor the registered domicile begins with a prefecture")]
    PrefectureUnknown,
    #[error("the registration was not linked online, so there is no link to dispute")]
    NotLinked,
    #[error("no dispute of the registration's link is open")]
    NoDispute,
    #[error("resolving a link dispute needs a reason")]
    ResolutionReasonRequired,
    #[error("a suspension ends after it starts; a revocation has no end date")]
    InvalidSanctionPeriod,
    #[error("the registration was revoked")]
    RegistrationRevoked,
    #[error("after a revocation this qualification cannot be registered again under this My Number before {0}")]
    ReregistrationBarred(chrono::NaiveDate),
    #[error("the qualification defines no such endorsement")]
    UnknownEndorsement,
    #[error("the registration already carries this endorsement")]
    EndorsementAlreadyHeld,
    #[error("the registration does not carry this endorsement")]
    EndorsementNotHeld,
}

impl DomainError {
    /// The stable code clients may match on.
    pub fn code(&self) -> &'static str {
        match self {
            DomainError::NotFound => "NOT_FOUND",
            DomainError::AlreadyExists => "ALREADY_EXISTS",
            DomainError::UnknownQualification => "UNKNOWN_QUALIFICATION",
            DomainError::ProcedureNotOffered => "PROCEDURE_NOT_OFFERED",
            DomainError::ProcedureNotYetOnline => "PROCEDURE_NOT_YET_ONLINE",
            DomainError::FeeUnknown => "FEE_UNKNOWN",
            DomainError::NotAwaitingPayment(_) => "NOT_AWAITING_PAYMENT",
            DomainError::NotUnderExamination(_) => "NOT_UNDER_EXAMINATION",
            DomainError::NotActionRequired(_) => "NOT_ACTION_REQUIRED",
            DomainError::AlreadyDecided(_) => "ALREADY_DECIDED",
            DomainError::NotAssigned => "CASE_NOT_ASSIGNED",
            DomainError::NotAssignee => "NOT_ASSIGNED_EXAMINER",
            DomainError::AlreadyAssigned => "ALREADY_ASSIGNED",
            DomainError::AssignOthers => "ASSIGN_OTHERS_FORBIDDEN",
            DomainError::ProposalPending => "PROPOSAL_PENDING",
            DomainError::NoProposal => "NO_PROPOSAL",
            DomainError::FourEyes => "FOUR_EYES_REQUIRED",
            DomainError::WrongRole => "WRONG_ROLE",
            DomainError::ReasonRequired => "REASON_REQUIRED",
            DomainError::Allocation => "ALLOCATION_FAILED",
            DomainError::NotRegistered => "NOT_REGISTERED",
            DomainError::AttachmentRequired => "ATTACHMENT_REQUIRED",
            DomainError::RegistrationDeleted => "REGISTRATION_DELETED",
            DomainError::ChangeRequestOpen => "CHANGE_REQUEST_OPEN",
            DomainError::AmountMismatch => "PAYMENT_AMOUNT_MISMATCH",
            DomainError::NotPaperCase => "NOT_A_PAPER_CASE",
            DomainError::ReceivedInFuture => "RECEIVED_IN_FUTURE",
            DomainError::PrefectureUnknown => "PREFECTURE_UNKNOWN",
            DomainError::NotLinked => "NOT_LINKED",
            DomainError::NoDispute => "NO_DISPUTE",
            DomainError::ResolutionReasonRequired => "REASON_REQUIRED",
            DomainError::AlreadyRegistered => "ALREADY_REGISTERED",
            DomainError::FlagNotCleared => "FLAG_NOT_CLEARED",
            DomainError::FlagNotRaised => "FLAG_NOT_RAISED",
            DomainError::ClearanceReasonRequired => "REASON_REQUIRED",
            DomainError::InvalidSanctionPeriod => "INVALID_SANCTION_PERIOD",
            DomainError::RegistrationRevoked => "REGISTRATION_REVOKED",
            DomainError::ReregistrationBarred(_) => "REREGISTRATION_BARRED",
            DomainError::UnknownEndorsement => "UNKNOWN_ENDORSEMENT",
            DomainError::EndorsementAlreadyHeld => "ENDORSEMENT_ALREADY_HELD",
            DomainError::EndorsementNotHeld => "ENDORSEMENT_NOT_HELD",
        }
    }

    /// The kind of refusal.
    pub fn kind(&self) -> ErrorKind {
        match self {
            DomainError::NotFound => ErrorKind::NotFound,
            DomainError::UnknownQualification
            | DomainError::ProcedureNotOffered
            | DomainError::ReasonRequired
            | DomainError::ClearanceReasonRequired
            | DomainError::ResolutionReasonRequired
            | DomainError::AttachmentRequired
            | DomainError::AmountMismatch
            | DomainError::ReceivedInFuture
            | DomainError::PrefectureUnknown
            | DomainError::InvalidSanctionPeriod
            | DomainError::UnknownEndorsement => ErrorKind::Invalid,
            DomainError::NotAssignee
            | DomainError::AssignOthers
            | DomainError::FourEyes
            | DomainError::WrongRole => ErrorKind::Forbidden,
            _ => ErrorKind::Conflict,
        }
    }
}
