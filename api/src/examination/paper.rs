//! Paper cases: the assigned examiner records what the applicant sent by
//! post (a response, a withdrawal, the fee). The same three endpoints serve
//! registrations and change requests; online cases refuse them.

use actix_web::{HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use domain::examination::paper::PaperCommand;
use domain::examination::ExaminationCommand;
use domain::Actor;
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::{ExaminedCase, EXAMINERS};
use crate::application::check_text;
use crate::auth::Caller;
use crate::error::{ApiError, FieldError};
use crate::AppState;

/// A response that came by post, with the scanned documents.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PostalResponseInput {
    /// The applicant's answer as written (or a summary of it).
    pub message: String,
    /// Ids of the scans, uploaded with `POST /v1/attachments`.
    #[serde(default)]
    pub attachment_ids: Vec<Uuid>,
    /// The date the letter reached the office.
    pub received_on: NaiveDate,
}

/// A withdrawal received in writing.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PostalWithdrawalInput {
    /// The date the letter reached the office.
    pub received_on: NaiveDate,
}

/// A fee paid on paper: revenue stamps or a bank transfer.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PaperPaymentInput {
    /// The stamp sheet number or the bank's transfer reference.
    #[schema(example = "FURIKOMI-2026-000123")]
    pub receipt_reference: String,
    /// Yen received; must equal the fee assessed.
    #[schema(example = 12320)]
    pub amount: i64,
    /// The date the payment reached the office.
    pub received_on: NaiveDate,
}

impl PostalResponseInput {
    /// Checks the message.
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        check_text(&mut errors, "message", &self.message, 2000);
        errors.is_empty().then_some(()).ok_or(errors)
    }
}

impl PaperPaymentInput {
    /// Checks the reference and the amount.
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        check_text(
            &mut errors,
            "receipt_reference",
            &self.receipt_reference,
            100,
        );
        if self.amount <= 0 {
            errors.push(FieldError::new(
                "/amount",
                "OUT_OF_RANGE",
                "must be a positive number of yen",
            ));
        }
        errors.is_empty().then_some(()).ok_or(errors)
    }
}

/// Records one paper document on a case (assigned examiners only) and
/// answers with the case.
async fn record<C: ExaminedCase>(
    state: &AppState,
    req: &HttpRequest,
    caller: &Caller,
    id: Uuid,
    command: impl FnOnce(Actor, DateTime<Utc>) -> PaperCommand,
) -> Result<HttpResponse, ApiError> {
    caller.require(EXAMINERS)?;
    super::act::<C>(state, req, caller, id, |actor, at| {
        ExaminationCommand::Paper(command(actor, at))
    })
    .await
}

pub(crate) async fn response<C: ExaminedCase>(
    state: &AppState,
    req: &HttpRequest,
    caller: &Caller,
    id: Uuid,
    input: PostalResponseInput,
) -> Result<HttpResponse, ApiError> {
    caller.require(EXAMINERS)?;
    input.validate().map_err(ApiError::Validation)?;
    let attachments = crate::attachment::referenced(state, &input.attachment_ids, caller).await?;
    record::<C>(state, req, caller, id, |actor, at| {
        PaperCommand::RecordResponse {
            message: input.message,
            attachments,
            received_on: input.received_on,
            actor,
            at,
        }
    })
    .await
}

pub(crate) async fn withdrawal<C: ExaminedCase>(
    state: &AppState,
    req: &HttpRequest,
    caller: &Caller,
    id: Uuid,
    input: PostalWithdrawalInput,
) -> Result<HttpResponse, ApiError> {
    record::<C>(state, req, caller, id, |actor, at| {
        PaperCommand::RecordWithdrawal {
            received_on: input.received_on,
            actor,
            at,
        }
    })
    .await
}

pub(crate) async fn payment<C: ExaminedCase>(
    state: &AppState,
    req: &HttpRequest,
    caller: &Caller,
    id: Uuid,
    input: PaperPaymentInput,
) -> Result<HttpResponse, ApiError> {
    caller.require(EXAMINERS)?;
    input.validate().map_err(ApiError::Validation)?;
    record::<C>(state, req, caller, id, |actor, at| {
        PaperCommand::RecordPayment {
            receipt_reference: input.receipt_reference,
            amount: input.amount,
            received_on: input.received_on,
            actor,
            at,
        }
    })
    .await
}

/// Generates the three handlers of one case type with their OpenAPI docs.
macro_rules! paper_endpoints {
    ($case:ty, $tag:literal, $body:ty,
     $response:ident = $response_path:literal,
     $withdrawal:ident = $withdrawal_path:literal,
     $payment:ident = $payment_path:literal) => {
        /// Record a paper applicant's response that came by post (assigned examiner; paper cases only).
        #[utoipa::path(
            tag = $tag,
            request_body = PostalResponseInput,
            params(("id" = Uuid, Path, description = "The case id"), ("If-Match" = Option<String>, Header, description = "ETag last seen")),
            security(("bearer" = [])),
            responses(
                (status = 200, description = "Back under examination", body = $body, headers(("ETag" = String, description = "Aggregate version"))),
                (status = 400, description = "Malformed JSON or If-Match", body = Problem, content_type = "application/problem+json"),
                (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
                (status = 403, description = "Not an examiner, or not the assigned examiner (NOT_ASSIGNED_EXAMINER)", body = Problem, content_type = "application/problem+json"),
                (status = 404, description = "No such case, or an attachment that is not yours", body = Problem, content_type = "application/problem+json"),
                (status = 409, description = "An online case (NOT_A_PAPER_CASE), or no open information request (NOT_ACTION_REQUIRED)", body = Problem, content_type = "application/problem+json"),
                (status = 412, description = "If-Match does not match", body = Problem, content_type = "application/problem+json"),
                (status = 415, description = "Not application/json", body = Problem, content_type = "application/problem+json"),
                (status = 422, description = "Invalid fields, a date received in the future (RECEIVED_IN_FUTURE), or a missing family-register extract", body = Problem, content_type = "application/problem+json"),
            )
        )]
        #[post($response_path)]
        pub async fn $response(
            state: web::Data<AppState>,
            req: HttpRequest,
            caller: Caller,
            id: web::Path<Uuid>,
            body: JsonBody<PostalResponseInput>,
        ) -> Result<HttpResponse, ApiError> {
            crate::examination::paper::response::<$case>(&state, &req, &caller, id.into_inner(), body.value).await
        }

        /// Record a withdrawal a paper applicant sent in writing (assigned examiner; paper cases only).
        #[utoipa::path(
            tag = $tag,
            request_body = PostalWithdrawalInput,
            params(("id" = Uuid, Path, description = "The case id"), ("If-Match" = Option<String>, Header, description = "ETag last seen")),
            security(("bearer" = [])),
            responses(
                (status = 200, description = "Withdrawn", body = $body, headers(("ETag" = String, description = "Aggregate version"))),
                (status = 400, description = "Malformed JSON or If-Match", body = Problem, content_type = "application/problem+json"),
                (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
                (status = 403, description = "Not an examiner, or not the assigned examiner (NOT_ASSIGNED_EXAMINER)", body = Problem, content_type = "application/problem+json"),
                (status = 404, description = "No such case", body = Problem, content_type = "application/problem+json"),
                (status = 409, description = "An online case (NOT_A_PAPER_CASE), or already decided (ALREADY_DECIDED)", body = Problem, content_type = "application/problem+json"),
                (status = 412, description = "If-Match does not match", body = Problem, content_type = "application/problem+json"),
                (status = 415, description = "Not application/json", body = Problem, content_type = "application/problem+json"),
                (status = 422, description = "Invalid fields, or a date received in the future (RECEIVED_IN_FUTURE)", body = Problem, content_type = "application/problem+json"),
            )
        )]
        #[post($withdrawal_path)]
        pub async fn $withdrawal(
            state: web::Data<AppState>,
            req: HttpRequest,
            caller: Caller,
            id: web::Path<Uuid>,
            body: JsonBody<PostalWithdrawalInput>,
        ) -> Result<HttpResponse, ApiError> {
            crate::examination::paper::withdrawal::<$case>(&state, &req, &caller, id.into_inner(), body.value).await
        }

        /// Record the fee as paid on paper: revenue stamps or a bank transfer (assigned examiner; paper cases only).
        #[utoipa::path(
            tag = $tag,
            request_body = PaperPaymentInput,
            params(("id" = Uuid, Path, description = "The case id"), ("If-Match" = Option<String>, Header, description = "ETag last seen")),
            security(("bearer" = [])),
            responses(
                (status = 200, description = "Paid; the examination starts", body = $body, headers(("ETag" = String, description = "Aggregate version"))),
                (status = 400, description = "Malformed JSON or If-Match", body = Problem, content_type = "application/problem+json"),
                (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
                (status = 403, description = "Not an examiner, or not the assigned examiner (NOT_ASSIGNED_EXAMINER)", body = Problem, content_type = "application/problem+json"),
                (status = 404, description = "No such case", body = Problem, content_type = "application/problem+json"),
                (status = 409, description = "An online case (NOT_A_PAPER_CASE), or not awaiting payment (NOT_AWAITING_PAYMENT)", body = Problem, content_type = "application/problem+json"),
                (status = 412, description = "If-Match does not match", body = Problem, content_type = "application/problem+json"),
                (status = 415, description = "Not application/json", body = Problem, content_type = "application/problem+json"),
                (status = 422, description = "Invalid fields, an amount other than the fee assessed (PAYMENT_AMOUNT_MISMATCH), or a date received in the future", body = Problem, content_type = "application/problem+json"),
            )
        )]
        #[post($payment_path)]
        pub async fn $payment(
            state: web::Data<AppState>,
            req: HttpRequest,
            caller: Caller,
            id: web::Path<Uuid>,
            body: JsonBody<PaperPaymentInput>,
        ) -> Result<HttpResponse, ApiError> {
            crate::examination::paper::payment::<$case>(&state, &req, &caller, id.into_inner(), body.value).await
        }
    };
}

pub(crate) use paper_endpoints;
