//! Examiners work a renewal in the console like any change request: its
//! page names the procedure and links the training certificate, the queue
//! lists it, and the claim, proposal and approval forms carry it into
//! force. Renewed before its date, the registration keeps the days it had
//! left: the new date is the old one five years on.

use super::*;
use crate::common::console::{act_on_case, console_get};
use crate::common::spawn_app;
use crate::console::session_of;

/// Posts the console form `action` for the change request `id` as
/// `session`, at the case's current version.
async fn act(app: &TestApp, session: &str, id: &str, action: &str, fields: &[(&str, &str)]) {
    act_on_case(
        app,
        session,
        &format!("change-requests/{id}"),
        action,
        fields,
    )
    .await
}

#[tokio::test]
async fn examiners_take_a_renewal_through_the_console_and_it_extends_from_the_old_date() {
    let app = spawn_app().await;
    let reg = care_manager(&app, "goro", "75345678901").await;
    let old = valid_for_period_from(today(&app).await);
    let training = app.upload_pdf("goro").await;
    let filed = answer(
        renew(&app, "goro", &reg, &[&training]).await,
        StatusCode::CREATED,
    )
    .await;
    let id = filed["id"].as_str().unwrap().to_owned();
    app.pay(&id).await;

    let examiner = session_of(&app, Role::Examiner, "ex-v").await;
    let page = console_get(
        &app,
        &format!("/console/cases/change-requests/{id}"),
        examiner.clone(),
    )
    .await
    .text()
    .await
    .unwrap();
    assert!(page.contains("登録の更新"), "the page names the procedure");
    assert!(
        page.contains(&format!("/attachments/{training}")),
        "the page links the training certificate"
    );
    let queue = console_get(&app, "/console/queue", examiner.clone())
        .await
        .text()
        .await
        .unwrap();
    assert!(queue.contains(&id), "the queue lists the renewal");

    act(&app, &examiner, &id, "claim", &[]).await;
    act(&app, &examiner, &id, "propose", &[("outcome", "APPROVE")]).await;
    let senior = session_of(&app, Role::SeniorExaminer, "sr-v").await;
    act(&app, &senior, &id, "approve", &[]).await;
    app.settle().await;

    let renewed = app.registration_of("goro", &reg).await;
    assert_eq!(renewed["status"], "REGISTERED");
    let new = old.checked_add_months(Months::new(YEARS * 12)).unwrap();
    assert_eq!(renewed["valid_until"], json!(new));
    let page = console_get(
        &app,
        &format!("/console/cases/registrations/{reg}"),
        examiner,
    )
    .await
    .text()
    .await
    .unwrap();
    assert!(page.contains("有効期間の満了日") && page.contains(&new.to_string()));
}
