//! The examination, paper-record and document endpoints of this kind: the
//! generic handlers of `crate::examination` and `crate::attachment`, under
//! this kind's paths and operationIds.

use domain::registration::QualificationRegistration;
use domain::CaseKind;

use crate::examination::endpoint_prelude::*;

crate::examination::routes::examination_endpoints!(
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

crate::examination::returns::proposal_return_endpoint!(
    QualificationRegistration,
    crate::registration::RegistrationResource,
    return_registration_proposal = "/v1/registrations/{id}/proposal-returns"
);

crate::examination::paper::paper_endpoints!(
    QualificationRegistration,
    "examination",
    crate::registration::RegistrationResource,
    record_registration_postal_response = "/v1/registrations/{id}/postal-responses",
    record_registration_postal_withdrawal = "/v1/registrations/{id}/postal-withdrawals",
    record_registration_paper_payment = "/v1/registrations/{id}/paper-payments"
);

crate::attachment::case::case_document_endpoint!(
    download_registration_attachment,
    CaseKind::Registration,
    "registrations",
    "/v1/registrations/{id}/attachments/{attachment_id}"
);
