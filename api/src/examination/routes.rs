//! The examination endpoints of each case type: the same seven actions under
//! `/v1/registrations/{id}/…` and `/v1/change-requests/{id}/…`, each with its
//! own operationId (`assign_registration`, `assign_change_request`, ...).

use actix_web::{post, web, HttpRequest, HttpResponse};
use domain::change_request::ChangeRequest;
use domain::registration::QualificationRegistration;
use uuid::Uuid;

use super::{
    AssignmentInput, FlagClearanceInput, InformationRequestInput, ProposalInput, ResponseInput,
};
use crate::auth::Caller;
use crate::error::{ApiError, Problem};
use crate::extract::JsonBody;
use crate::AppState;

/// Generates the seven examination handlers of one case type with their docs.
macro_rules! examination_endpoints {
    ($case:ty, $tag:literal, $body:ty,
     $withdraw:ident = $withdraw_path:literal,
     $respond:ident = $respond_path:literal,
     $assign:ident = $assign_path:literal,
     $request_information:ident = $request_information_path:literal,
     $propose:ident = $propose_path:literal,
     $approve:ident = $approve_path:literal,
     $clear_flag:ident = $clear_flag_path:literal) => {
        /// Withdraw your case while it is undecided (the applicant or filer).
        #[utoipa::path(
            tag = $tag,
            params(("id" = Uuid, Path, description = "The case id"), ("If-Match" = Option<String>, Header, description = "ETag last seen")),
            security(("bearer" = [])),
            responses(
                (status = 200, description = "Withdrawn", body = $body, headers(("ETag" = String, description = "Aggregate version"))),
                (status = 400, description = "Malformed If-Match", body = Problem, content_type = "application/problem+json"),
                (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
                (status = 403, description = "Only the applicant may withdraw", body = Problem, content_type = "application/problem+json"),
                (status = 404, description = "No such case, or not yours", body = Problem, content_type = "application/problem+json"),
                (status = 409, description = "Already decided (ALREADY_DECIDED)", body = Problem, content_type = "application/problem+json"),
                (status = 412, description = "If-Match does not match", body = Problem, content_type = "application/problem+json"),
            )
        )]
        #[post($withdraw_path)]
        pub async fn $withdraw(
            state: web::Data<AppState>,
            req: HttpRequest,
            caller: Caller,
            id: web::Path<Uuid>,
        ) -> Result<HttpResponse, ApiError> {
            super::withdraw::<$case>(&state, &req, &caller, id.into_inner()).await
        }

        /// Answer an information request (ACTION_REQUIRED), optionally with attachments.
        #[utoipa::path(
            tag = $tag,
            request_body = ResponseInput,
            params(("id" = Uuid, Path, description = "The case id"), ("If-Match" = Option<String>, Header, description = "ETag last seen")),
            security(("bearer" = [])),
            responses(
                (status = 200, description = "Back under examination", body = $body, headers(("ETag" = String, description = "Aggregate version"))),
                (status = 400, description = "Malformed JSON or If-Match", body = Problem, content_type = "application/problem+json"),
                (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
                (status = 403, description = "Only the applicant may respond", body = Problem, content_type = "application/problem+json"),
                (status = 404, description = "No such case, or not yours; or an attachment that is not yours", body = Problem, content_type = "application/problem+json"),
                (status = 409, description = "No open information request (NOT_ACTION_REQUIRED)", body = Problem, content_type = "application/problem+json"),
                (status = 412, description = "If-Match does not match", body = Problem, content_type = "application/problem+json"),
                (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
                (status = 415, description = "Not application/json", body = Problem, content_type = "application/problem+json"),
                (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
            )
        )]
        #[post($respond_path)]
        pub async fn $respond(
            state: web::Data<AppState>,
            req: HttpRequest,
            caller: Caller,
            id: web::Path<Uuid>,
            body: JsonBody<ResponseInput>,
        ) -> Result<HttpResponse, ApiError> {
            super::respond::<$case>(&state, &req, &caller, id.into_inner(), body.value).await
        }

        /// Claim a case (examiner, for themselves) or reassign it (senior examiner).
        #[utoipa::path(
            tag = "examination",
            request_body = AssignmentInput,
            params(("id" = Uuid, Path, description = "The case id"), ("If-Match" = Option<String>, Header, description = "ETag last seen")),
            security(("bearer" = [])),
            responses(
                (status = 200, description = "Assigned", body = $body, headers(("ETag" = String, description = "Aggregate version"))),
                (status = 400, description = "Malformed JSON or If-Match", body = Problem, content_type = "application/problem+json"),
                (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
                (status = 403, description = "Not an examiner, or assigning someone else without being senior", body = Problem, content_type = "application/problem+json"),
                (status = 404, description = "No such case", body = Problem, content_type = "application/problem+json"),
                (status = 409, description = "Already assigned, not under examination, or a concurrent claim won", body = Problem, content_type = "application/problem+json"),
                (status = 412, description = "If-Match does not match", body = Problem, content_type = "application/problem+json"),
                (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
                (status = 415, description = "Not application/json", body = Problem, content_type = "application/problem+json"),
                (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
            )
        )]
        #[post($assign_path)]
        pub async fn $assign(
            state: web::Data<AppState>,
            req: HttpRequest,
            caller: Caller,
            id: web::Path<Uuid>,
            body: JsonBody<AssignmentInput>,
        ) -> Result<HttpResponse, ApiError> {
            super::assign::<$case>(&state, &req, &caller, id.into_inner(), body.value).await
        }

        /// Ask the applicant for information; the case moves to ACTION_REQUIRED.
        #[utoipa::path(
            tag = "examination",
            request_body = InformationRequestInput,
            params(("id" = Uuid, Path, description = "The case id"), ("If-Match" = Option<String>, Header, description = "ETag last seen")),
            security(("bearer" = [])),
            responses(
                (status = 200, description = "Action required from the applicant", body = $body, headers(("ETag" = String, description = "Aggregate version"))),
                (status = 400, description = "Malformed JSON or If-Match", body = Problem, content_type = "application/problem+json"),
                (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
                (status = 403, description = "Not the assigned examiner", body = Problem, content_type = "application/problem+json"),
                (status = 404, description = "No such case", body = Problem, content_type = "application/problem+json"),
                (status = 409, description = "Not assigned, not under examination, or a proposal is pending", body = Problem, content_type = "application/problem+json"),
                (status = 412, description = "If-Match does not match", body = Problem, content_type = "application/problem+json"),
                (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
                (status = 415, description = "Not application/json", body = Problem, content_type = "application/problem+json"),
                (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
            )
        )]
        #[post($request_information_path)]
        pub async fn $request_information(
            state: web::Data<AppState>,
            req: HttpRequest,
            caller: Caller,
            id: web::Path<Uuid>,
            body: JsonBody<InformationRequestInput>,
        ) -> Result<HttpResponse, ApiError> {
            super::request_information::<$case>(&state, &req, &caller, id.into_inner(), body.value)
                .await
        }

        /// Propose APPROVE or REJECT; a senior examiner other than you confirms.
        #[utoipa::path(
            tag = "examination",
            request_body = ProposalInput,
            params(("id" = Uuid, Path, description = "The case id"), ("If-Match" = Option<String>, Header, description = "ETag last seen")),
            security(("bearer" = [])),
            responses(
                (status = 200, description = "Proposal recorded", body = $body, headers(("ETag" = String, description = "Aggregate version"))),
                (status = 400, description = "Malformed JSON or If-Match", body = Problem, content_type = "application/problem+json"),
                (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
                (status = 403, description = "Not the assigned examiner", body = Problem, content_type = "application/problem+json"),
                (status = 404, description = "No such case", body = Problem, content_type = "application/problem+json"),
                (status = 409, description = "Not assigned, not under examination, a proposal is pending, or an APPROVE while a flag is open (FLAG_NOT_CLEARED)", body = Problem, content_type = "application/problem+json"),
                (status = 412, description = "If-Match does not match", body = Problem, content_type = "application/problem+json"),
                (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
                (status = 415, description = "Not application/json", body = Problem, content_type = "application/problem+json"),
                (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
            )
        )]
        #[post($propose_path)]
        pub async fn $propose(
            state: web::Data<AppState>,
            req: HttpRequest,
            caller: Caller,
            id: web::Path<Uuid>,
            body: JsonBody<ProposalInput>,
        ) -> Result<HttpResponse, ApiError> {
            super::propose::<$case>(&state, &req, &caller, id.into_inner(), body.value).await
        }

        /// Confirm the pending proposal (a senior examiner who did not propose it).
        /// An approved registration gets its number; an approved change request changes the registration.
        #[utoipa::path(
            tag = "examination",
            params(("id" = Uuid, Path, description = "The case id"), ("If-Match" = Option<String>, Header, description = "ETag last seen")),
            security(("bearer" = [])),
            responses(
                (status = 200, description = "Decision in effect", body = $body, headers(("ETag" = String, description = "Aggregate version"))),
                (status = 400, description = "Malformed If-Match", body = Problem, content_type = "application/problem+json"),
                (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
                (status = 403, description = "Not a senior examiner, or the proposer (FOUR_EYES_REQUIRED)", body = Problem, content_type = "application/problem+json"),
                (status = 404, description = "No such case", body = Problem, content_type = "application/problem+json"),
                (status = 409, description = "No proposal to approve, already decided, or an open flag to clear first (FLAG_NOT_CLEARED)", body = Problem, content_type = "application/problem+json"),
                (status = 412, description = "If-Match does not match", body = Problem, content_type = "application/problem+json"),
            )
        )]
        #[post($approve_path)]
        pub async fn $approve(
            state: web::Data<AppState>,
            req: HttpRequest,
            caller: Caller,
            id: web::Path<Uuid>,
        ) -> Result<HttpResponse, ApiError> {
            super::approve::<$case>(&state, &req, &caller, id.into_inner()).await
        }

        /// Clear a flag that stops approval (MY_NUMBER_PARTICULARS_DIFFER), saying why (the assigned examiner).
        #[utoipa::path(
            tag = "examination",
            request_body = FlagClearanceInput,
            params(("id" = Uuid, Path, description = "The case id"), ("If-Match" = Option<String>, Header, description = "ETag last seen")),
            security(("bearer" = [])),
            responses(
                (status = 200, description = "Flag cleared; the reason is kept in the case's events", body = $body, headers(("ETag" = String, description = "Aggregate version"))),
                (status = 400, description = "Malformed JSON or If-Match", body = Problem, content_type = "application/problem+json"),
                (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
                (status = 403, description = "Not the assigned examiner (NOT_ASSIGNED_EXAMINER, WRONG_ROLE)", body = Problem, content_type = "application/problem+json"),
                (status = 404, description = "No such case", body = Problem, content_type = "application/problem+json"),
                (status = 409, description = "The case has no such open flag (FLAG_NOT_RAISED), is not assigned (CASE_NOT_ASSIGNED) or not under examination", body = Problem, content_type = "application/problem+json"),
                (status = 412, description = "If-Match does not match", body = Problem, content_type = "application/problem+json"),
                (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
                (status = 415, description = "Not application/json", body = Problem, content_type = "application/problem+json"),
                (status = 422, description = "Invalid fields: an unknown flag, an empty or too long reason", body = Problem, content_type = "application/problem+json"),
            )
        )]
        #[post($clear_flag_path)]
        pub async fn $clear_flag(
            state: web::Data<AppState>,
            req: HttpRequest,
            caller: Caller,
            id: web::Path<Uuid>,
            body: JsonBody<FlagClearanceInput>,
        ) -> Result<HttpResponse, ApiError> {
            super::clear_flag::<$case>(&state, &req, &caller, id.into_inner(), body.value).await
        }
    };
}

examination_endpoints!(
    QualificationRegistration,
    "registrations",
    crate::registration::RegistrationResource,
    withdraw_registration = "/v1/registrations/{id}/withdrawal",
    respond_to_registration = "/v1/registrations/{id}/responses",
    assign_registration = "/v1/registrations/{id}/assignment",
    request_registration_information = "/v1/registrations/{id}/information-requests",
    propose_registration_decision = "/v1/registrations/{id}/decision-proposals",
    approve_registration_decision = "/v1/registrations/{id}/decision-approvals",
    clear_registration_flag = "/v1/registrations/{id}/flag-clearances"
);

examination_endpoints!(
    ChangeRequest,
    "change-requests",
    crate::change_request::ChangeRequestResource,
    withdraw_change_request = "/v1/change-requests/{id}/withdrawal",
    respond_to_change_request = "/v1/change-requests/{id}/responses",
    assign_change_request = "/v1/change-requests/{id}/assignment",
    request_change_request_information = "/v1/change-requests/{id}/information-requests",
    propose_change_request_decision = "/v1/change-requests/{id}/decision-proposals",
    approve_change_request_decision = "/v1/change-requests/{id}/decision-approvals",
    clear_change_request_flag = "/v1/change-requests/{id}/flag-clearances"
);
