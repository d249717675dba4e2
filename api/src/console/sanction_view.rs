//! A sanction case as the console shows it: what it orders, on which
//! registration, on what grounds.

use domain::sanction::Sanction;
use domain::CaseKind;
use uuid::Uuid;

use super::case_view::{common, dates, CaseView};

pub(super) fn sanction_view(
    sanction: Sanction,
    version: usize,
    id: Uuid,
    name: &dyn Fn(&str) -> String,
) -> CaseView {
    let paper = sanction.channel() == domain::registration::Channel::Paper;
    let mut view = common(
        CaseKind::Sanction,
        id,
        version,
        sanction.examination.clone(),
        paper,
    );
    view.qualification = name(&sanction.qualification_code);
    dates(&mut view, sanction.submitted_at, sanction.due_at);
    view.registration_href = sanction
        .registration_id
        .map(|r| format!("/console/cases/{}/{r}", CaseKind::Registration.path()));
    if let Some(d) = sanction.details {
        view.procedure = d.kind.procedure().as_str().to_owned();
        let mut particulars = vec![
            ("reason", d.reason),
            ("legal_basis", d.legal_basis),
            ("starts_on", d.starts_on.to_string()),
        ];
        if let Some(end) = d.ends_on {
            particulars.push(("ends_on", end.to_string()));
        }
        particulars.push(("opened_by", d.opened_by));
        view.particulars = particulars;
    }
    view
}
