//! Examiners work a sanction case in the console like any other: its page
//! names what it orders and on what grounds, and the claim, proposal and
//! approval forms carry it into force.

use super::*;
use crate::common::console::{act_on_case, browser, console_get, csrf_field};
use crate::console::session_of;

/// Posts the console form `action` for the sanction `id` as `session`, at
/// the case's current version.
async fn act(app: &TestApp, session: &str, id: &str, action: &str, fields: &[(&str, &str)]) {
    act_on_case(app, session, &format!("sanctions/{id}"), action, fields).await
}

/// Posts the console's sanction form as `session`; the answer.
async fn open_in_console(
    app: &TestApp,
    session: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    let page = console_get(app, "/console/sanctions", session.to_owned())
        .await
        .text()
        .await
        .unwrap();
    let csrf = csrf_field(&page);
    let mut form = vec![("csrf", csrf.as_str())];
    form.extend_from_slice(fields);
    browser()
        .post(format!("{}/console/sanctions", app.base))
        .header("cookie", session)
        .form(&form)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn examiners_open_and_take_a_suspension_through_the_console() {
    let app = spawn_app().await;
    let reg = registered(&app, "saburo", "65345678901").await;
    let examiner = session_of(&app, Role::Examiner, "ex-s").await;
    let (start, end) = (japan_day(0).to_string(), japan_day(14).to_string());
    let mut fields = vec![
        ("registration_id", reg.as_str()),
        ("kind", "SUSPENSION"),
        ("reason", "名称の不正使用"),
        ("legal_basis", "社会福祉士及び介護福祉士法第42条第2項"),
        ("starts_on", start.as_str()),
        ("ends_on", start.as_str()),
    ];
    // The API's rules, in the form's words: an end not after the start.
    let refused = open_in_console(&app, &examiner, &fields).await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    fields[5].1 = end.as_str();
    let r = open_in_console(&app, &examiner, &fields).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    let id = location
        .strip_prefix("/console/cases/sanctions/")
        .and_then(|rest| rest.split('?').next())
        .expect("sent to the new case")
        .to_owned();
    app.settle().await;

    let page = console_get(
        &app,
        &format!("/console/cases/sanctions/{id}"),
        examiner.clone(),
    )
    .await
    .text()
    .await
    .unwrap();
    for words in [
        "行政処分",
        "名称使用等の停止",
        "根拠条文",
        "社会福祉士及び介護福祉士法第42条第2項",
    ] {
        assert!(page.contains(words), "the page shows {words}");
    }
    let queue = console_get(&app, "/console/queue", examiner.clone())
        .await
        .text()
        .await
        .unwrap();
    assert!(queue.contains(&id), "the queue lists the sanction");

    act(&app, &examiner, &id, "claim", &[]).await;
    act(&app, &examiner, &id, "propose", &[("outcome", "APPROVE")]).await;
    let senior = session_of(&app, Role::SeniorExaminer, "sr-s").await;
    act(&app, &senior, &id, "approve", &[]).await;
    app.settle().await;

    let case: Value = app
        .get_json(
            &format!("/v1/sanctions/{id}"),
            &app.token(Role::Examiner, "viewer"),
        )
        .await;
    assert_eq!(case["status"], "APPROVED");
    assert_eq!(case["outcome"], "APPLIED");
    assert_eq!(
        app.registration_of("saburo", &reg).await["status"],
        "SUSPENDED"
    );
}
