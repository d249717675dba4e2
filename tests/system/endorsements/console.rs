//! Examiners work an ENDORSEMENT case in the console like any change
//! request: its page names the procedure, the endorsement and whether it is
//! added, shows the attached evidence, and the claim, proposal and approval
//! forms carry it to the registration.

use domain::Role;
use reqwest::StatusCode;
use serde_json::Value;

use super::{file, SUCTION, SUCTION_JA};
use crate::common::certificates::registered;
use crate::common::console::{act_on_case, console_get};
use crate::common::{answer, spawn_app, TestApp};
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
async fn examiners_see_and_decide_an_endorsement_case_in_the_console() {
    let app = spawn_app().await;
    let reg = registered(&app, "kaigo-c", "55345678901").await;
    let evidence = app.upload_pdf("kaigo-c").await;
    let r = file(&app, "kaigo-c", &reg, "ADD", SUCTION, &[&evidence]).await;
    let filed = answer(r, StatusCode::CREATED).await;
    let id = filed["id"].as_str().unwrap().to_owned();
    app.pay(&id).await;

    let examiner = session_of(&app, Role::Examiner, "ex-c").await;
    let queue = console_get(&app, "/console/queue", examiner.clone())
        .await
        .text()
        .await
        .unwrap();
    assert!(queue.contains(&id), "the queue lists the case");
    assert!(
        queue.contains("付記事項の追加・削除"),
        "under its procedure's name"
    );
    let page = console_get(
        &app,
        &format!("/console/cases/change-requests/{id}"),
        examiner.clone(),
    )
    .await
    .text()
    .await
    .unwrap();
    for words in [
        "付記事項の追加・削除",
        "付記事項",
        SUCTION_JA,
        SUCTION,
        "ADD",
    ] {
        assert!(page.contains(words), "the page shows {words}");
    }
    assert!(page.contains(&evidence), "the evidence is listed");

    act(&app, &examiner, &id, "claim", &[]).await;
    act(&app, &examiner, &id, "propose", &[("outcome", "APPROVE")]).await;
    let senior = session_of(&app, Role::SeniorExaminer, "sr-c").await;
    act(&app, &senior, &id, "approve", &[]).await;
    app.settle().await;
    let registration: Value = app
        .get_json(
            &format!("/v1/registrations/{reg}"),
            &app.token(Role::Applicant, "kaigo-c"),
        )
        .await;
    assert_eq!(registration["endorsements"][0]["code"], SUCTION);
}
