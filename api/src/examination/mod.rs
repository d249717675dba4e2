//! The examination of a case: assignment, information requests and the
//! applicant's responses, four-eyes decisions, withdrawal. Registrations and
//! change requests are examined alike, so one generic implementation serves
//! both; `routes.rs` and `paper.rs` hold the macros that give each case type
//! its own paths and operationIds, invoked in each kind's own module.

mod input;
pub(crate) mod paper;
pub(crate) mod returns;
pub(crate) mod routes;
mod view;

use actix_web::{HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use domain::examination::{ExaminationCommand, Outcome};
use domain::{Actor, Role};
use eventstore::cases::CaseBus;
use eventstore::store::Executed;
use uuid::Uuid;

use crate::auth::Caller;
use crate::error::ApiError;
use crate::extract::if_match;
use crate::telemetry::context;
use crate::AppState;
pub use input::*;
pub use paper::*;
pub use returns::ProposalReturnInput;
pub use view::*;

/// What the endpoint macros (`examination_endpoints!`, `paper_endpoints!`,
/// `case_document_endpoint!`) name, for the module of a kind that invokes them.
pub(crate) mod endpoint_prelude {
    pub use actix_web::{get, post, web, HttpRequest, HttpResponse};
    pub use uuid::Uuid;

    pub use super::{
        AssignmentInput, FlagClearanceInput, InformationRequestInput, PaperPaymentInput,
        PostalResponseInput, PostalWithdrawalInput, ProposalInput, ProposalReturnInput,
        ResponseInput,
    };
    pub use crate::auth::Caller;
    pub use crate::error::{ApiError, Problem};
    pub use crate::extract::JsonBody;
    pub use crate::AppState;
}

/// A kind of case examiners work, as the API shows it (its bus and its
/// examination commands come from the case seam); each kind implements it
/// in its own module (`registration`, `change_request`).
pub trait ExaminedCase: CaseBus {
    /// Answers 200 with the case a command left, as `viewer` may see it,
    /// and its ETag.
    fn respond(id: Uuid, done: Executed<Self>, viewer: &Actor) -> Result<HttpResponse, ApiError>;
}

/// Runs one examination command against a case and answers with its new state.
async fn act<C: ExaminedCase>(
    state: &AppState,
    req: &HttpRequest,
    caller: &Caller,
    id: Uuid,
    command: impl FnOnce(Actor, DateTime<Utc>) -> ExaminationCommand,
) -> Result<HttpResponse, ApiError> {
    let expected = if_match(req)?;
    let context = context(req, &caller.0);
    let done = state
        .use_cases()
        .examine::<C>(&context, id, expected, command)
        .await?;
    C::respond(id, done, &caller.0)
}

const EXAMINERS: &[Role] = &[Role::Examiner, Role::SeniorExaminer];

/// The applicant withdraws their undecided case.
pub(crate) async fn withdraw<C: ExaminedCase>(
    state: &AppState,
    req: &HttpRequest,
    caller: &Caller,
    id: Uuid,
) -> Result<HttpResponse, ApiError> {
    act::<C>(state, req, caller, id, |actor, at| {
        ExaminationCommand::Withdraw { actor, at }
    })
    .await
}

/// The applicant answers an information request.
pub(crate) async fn respond<C: ExaminedCase>(
    state: &AppState,
    req: &HttpRequest,
    caller: &Caller,
    id: Uuid,
    input: ResponseInput,
) -> Result<HttpResponse, ApiError> {
    input.validate().map_err(ApiError::Validation)?;
    let attachments = crate::attachment::referenced(state, &input.attachment_ids, caller).await?;
    act::<C>(state, req, caller, id, |actor, at| {
        ExaminationCommand::Respond {
            message: input.message,
            attachments,
            actor,
            at,
        }
    })
    .await
}

/// An examiner claims the case, or a senior examiner reassigns it.
pub(crate) async fn assign<C: ExaminedCase>(
    state: &AppState,
    req: &HttpRequest,
    caller: &Caller,
    id: Uuid,
    input: AssignmentInput,
) -> Result<HttpResponse, ApiError> {
    caller.require(EXAMINERS)?;
    let examiner = input.examiner.unwrap_or_else(|| caller.0.id.clone());
    act::<C>(state, req, caller, id, |actor, at| {
        ExaminationCommand::Assign {
            examiner,
            actor,
            at,
        }
    })
    .await
}

/// The assigned examiner asks the applicant for information.
pub(crate) async fn request_information<C: ExaminedCase>(
    state: &AppState,
    req: &HttpRequest,
    caller: &Caller,
    id: Uuid,
    input: InformationRequestInput,
) -> Result<HttpResponse, ApiError> {
    caller.require(EXAMINERS)?;
    input.validate().map_err(ApiError::Validation)?;
    act::<C>(state, req, caller, id, |actor, at| {
        ExaminationCommand::RequestInformation {
            reason_code: input.reason_code,
            message: input.message,
            actor,
            at,
        }
    })
    .await
}

/// The assigned examiner proposes a decision.
pub(crate) async fn propose<C: ExaminedCase>(
    state: &AppState,
    req: &HttpRequest,
    caller: &Caller,
    id: Uuid,
    input: ProposalInput,
) -> Result<HttpResponse, ApiError> {
    caller.require(EXAMINERS)?;
    input.validate().map_err(ApiError::Validation)?;
    let outcome: Outcome = input.outcome.into();
    act::<C>(state, req, caller, id, |actor, at| {
        ExaminationCommand::ProposeDecision {
            outcome,
            reason_code: input.reason_code,
            note: input.note,
            actor,
            at,
        }
    })
    .await
}

/// A senior examiner other than the proposer confirms the proposal.
pub(crate) async fn approve<C: ExaminedCase>(
    state: &AppState,
    req: &HttpRequest,
    caller: &Caller,
    id: Uuid,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::SeniorExaminer])?;
    act::<C>(state, req, caller, id, |actor, at| {
        ExaminationCommand::ApproveDecision { actor, at }
    })
    .await
}

/// A senior examiner other than the proposer sends the proposal back.
pub(crate) async fn return_proposal<C: ExaminedCase>(
    state: &AppState,
    req: &HttpRequest,
    caller: &Caller,
    id: Uuid,
    input: ProposalReturnInput,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::SeniorExaminer])?;
    input.validate().map_err(ApiError::Validation)?;
    act::<C>(state, req, caller, id, |actor, at| {
        ExaminationCommand::ReturnProposal {
            reason: input.reason,
            actor,
            at,
        }
    })
    .await
}

/// The assigned examiner clears a flag that stops approval, saying why.
pub(crate) async fn clear_flag<C: ExaminedCase>(
    state: &AppState,
    req: &HttpRequest,
    caller: &Caller,
    id: Uuid,
    input: FlagClearanceInput,
) -> Result<HttpResponse, ApiError> {
    caller.require(EXAMINERS)?;
    input.validate().map_err(ApiError::Validation)?;
    act::<C>(state, req, caller, id, |actor, at| {
        ExaminationCommand::ClearFlag {
            flag: input.flag.code().to_owned(),
            reason: input.reason,
            actor,
            at,
        }
    })
    .await
}
