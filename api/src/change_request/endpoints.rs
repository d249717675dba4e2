//! The examination, paper-record and document endpoints of this kind: the
//! generic handlers of `crate::examination` and `crate::attachment`, under
//! this kind's paths and operationIds.

use domain::change_request::ChangeRequest;
use domain::CaseKind;

use crate::examination::endpoint_prelude::*;

crate::examination::routes::examination_endpoints!(
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

crate::examination::returns::proposal_return_endpoint!(
    ChangeRequest,
    crate::change_request::ChangeRequestResource,
    return_change_request_proposal = "/v1/change-requests/{id}/proposal-returns"
);

crate::examination::paper::paper_endpoints!(
    ChangeRequest,
    "examination",
    crate::change_request::ChangeRequestResource,
    record_change_request_postal_response = "/v1/change-requests/{id}/postal-responses",
    record_change_request_postal_withdrawal = "/v1/change-requests/{id}/postal-withdrawals",
    record_change_request_paper_payment = "/v1/change-requests/{id}/paper-payments"
);

crate::attachment::case::case_document_endpoint!(
    download_change_request_attachment,
    CaseKind::ChangeRequest,
    "change-requests",
    "/v1/change-requests/{id}/attachments/{attachment_id}"
);
