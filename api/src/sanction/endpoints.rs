//! The examination and document endpoints of sanction cases: the generic
//! handlers of `crate::examination` and `crate::attachment`, under this
//! kind's paths and operationIds. (No paper endpoints: the office opens
//! these itself, and charges no fee.)

use domain::sanction::Sanction;
use domain::CaseKind;

use crate::examination::endpoint_prelude::*;

crate::examination::routes::examination_endpoints!(
    Sanction,
    "sanctions",
    crate::sanction::SanctionResource,
    withdraw_sanction = "/v1/sanctions/{id}/withdrawal",
    respond_to_sanction = "/v1/sanctions/{id}/responses",
    assign_sanction = "/v1/sanctions/{id}/assignment",
    request_sanction_information = "/v1/sanctions/{id}/information-requests",
    propose_sanction_decision = "/v1/sanctions/{id}/decision-proposals",
    approve_sanction_decision = "/v1/sanctions/{id}/decision-approvals",
    clear_sanction_flag = "/v1/sanctions/{id}/flag-clearances"
);

crate::examination::returns::proposal_return_endpoint!(
    Sanction,
    crate::sanction::SanctionResource,
    return_sanction_proposal = "/v1/sanctions/{id}/proposal-returns"
);

crate::attachment::case::case_document_endpoint!(
    download_sanction_attachment,
    CaseKind::Sanction,
    "sanctions",
    "/v1/sanctions/{id}/attachments/{attachment_id}"
);
