//! Holders who are not Japanese nationals (issue 22, item 6): a nationality
//! instead of a registered domicile, names in Latin script without kana, only
//! the resident register asked about them, and their registration and
//! certificate showing what applies.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::common::{application, created_id, my_number, problem, spawn_app_with, TestApp};
use domain::Role;

async fn with_fixtures(rows: &[String]) -> TestApp {
    let path = std::env::temp_dir().join(format!("registry-{}.csv", uuid::Uuid::new_v4()));
    let mut text =
        "my_number,family_name,given_name,address,registered_domicile,domicile_status\n".to_owned();
    for row in rows {
        text.push_str(row);
        text.push('\n');
    }
    std::fs::write(&path, text).unwrap();
    spawn_app_with(|s| s.registry_fixtures = path.to_string_lossy().into_owned()).await
}

/// John Smith's application: a US national, his name in Latin script with
/// no reading, no registered domicile.
fn foreign_application(number: &str) -> Value {
    let mut body = application(number);
    body["family_name"] = json!("SMITH");
    body["given_name"] = json!("JOHN");
    body["family_name_kana"] = json!("");
    body["given_name_kana"] = json!("");
    body.as_object_mut().unwrap().remove("registered_domicile");
    body["nationality"] = json!("us");
    body
}

fn codes(problem: &Value) -> Vec<(String, String)> {
    let mut codes: Vec<(String, String)> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["pointer"].as_str().unwrap().to_owned(),
                e["code"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    codes.sort();
    codes
}

#[tokio::test]
async fn a_foreign_resident_is_asked_of_the_resident_register_only_and_registered_with_a_nationality(
) {
    let john = my_number("55555555551");
    let hanako = my_number("55555555552");
    // Neither family register can establish a domicile: that stops a
    // Japanese national's examination, never a foreign resident's, who has
    // no family register to ask.
    let app = with_fixtures(&[
        format!("{john},SMITH,JOHN,東京都千代田区霞が関1-2-2,,UNRESOLVED"),
        format!("{hanako},山田,花子,東京都千代田区霞が関1-2-2,不明,UNRESOLVED"),
    ])
    .await;
    let token = app.token(Role::Applicant, "john");
    let r = app
        .post("/v1/registrations", &token, &foreign_application(&john))
        .await;
    let id = created_id(r).await;
    app.settle().await;
    app.pay(&id).await;
    let seen = app.registration(&id).await;
    assert_eq!(seen["status"], "UNDER_EXAMINATION", "{seen}");
    assert_eq!(seen["flags"], json!([]), "the resident register agrees");
    assert_eq!(seen["applicant"]["nationality"], "US");
    assert_eq!(seen["applicant"]["registered_domicile"], "");

    let japanese = app.apply("hanako", &hanako).await;
    app.pay(&japanese).await;
    assert_eq!(
        app.registration(&japanese).await["status"],
        "ACTION_REQUIRED"
    );
    // The request the system wrote (in English, in the event) reads in
    // Japanese on the Japanese console and portal pages.
    let examiner = crate::console::session_of(&app, Role::Examiner, "ex-1").await;
    let path = format!("/console/cases/registrations/{japanese}");
    let page = crate::common::console::console_get(&app, &path, examiner)
        .await
        .text()
        .await
        .unwrap();
    let portal = crate::portal::portal_session(&app, "hanako").await;
    let path = format!("/portal/registrations/{japanese}");
    let mine = crate::portal::portal_get(&app, &path, &portal)
        .await
        .text()
        .await
        .unwrap();
    for page in [page, mine] {
        assert!(page.contains("本籍地を確認できませんでした"), "{page}");
        assert!(!page.contains("could not establish"), "{page}");
    }

    // Registered: the certificate prints his name as written, no empty kana row.
    app.claim_and_approve(&format!("/v1/registrations/{id}"), "ex-1", "sr-1")
        .await;
    app.settle().await;
    let mut pdf = None;
    for _ in 0..240 {
        let r = app
            .get(&format!("/v1/registrations/{id}/certificate.pdf"), &token)
            .await;
        if r.status() == StatusCode::OK {
            pdf = Some(r.bytes().await.unwrap().to_vec());
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    let text = crate::portal::pdf_text(&id, pdf.expect("a certificate within 60 s")).await;
    assert!(text.contains("SMITH") && text.contains("JOHN"), "{text}");
    assert!(!text.contains("フリガナ"), "no empty kana row: {text}");
    assert!(text.contains("国籍") && text.contains("US"), "{text}");
    // The signed certificate carries the nationality as a fact of its own.
    let cert = crate::common::certificates::certificate(&app, "john", &id).await;
    let verified = crate::common::certificates::verify(&app, cert["token"].as_str().unwrap()).await;
    assert_eq!(verified["facts"]["nationality"], "US", "{verified}");
    // The server's page for links of the older form shows it too.
    let signed = cert["token"].as_str().unwrap();
    let page = app
        .text_at(&format!("{}/verify?c={signed}", app.base))
        .await;
    assert!(page.contains("国籍") && page.contains("US"), "{page}");
    assert!(
        !page.contains("フリガナ"),
        "no empty kana row on /verify: {page}"
    );
    let holder: Value = app
        .get_json(&format!("/v1/registrations/{id}"), &token)
        .await;
    assert_eq!(holder["status"], "REGISTERED");
    assert_eq!(holder["applicant"]["nationality"], "US");
    // With no family register there is no registered domicile to change.
    let r = app
        .post(
            &format!("/v1/registrations/{id}/change-requests"),
            &token,
            &json!({"kind": "CHANGE_DOMICILE", "changes": {"registered_domicile": "東京都"}}),
        )
        .await;
    let p = problem(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(codes(&p), vec![("/kind".into(), "NOT_APPLICABLE".into())]);
    // An address change is his like anyone's.
    let r = app
        .post(
            &format!("/v1/registrations/{id}/change-requests"),
            &token,
            &json!({"kind": "CHANGE_ADDRESS", "changes": {"address": "大阪府大阪市北区1-1"}}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn nationality_and_domicile_are_checked_with_every_other_field() {
    let app = spawn_app_with(|_| {}).await;
    let token = app.token(Role::Applicant, "john");
    // A nationality that is no country code, a domicile a foreigner cannot
    // have, hiragana and a bad My Number: all in one answer.
    let mut body = foreign_application("123");
    body["nationality"] = json!("USA");
    body["registered_domicile"] = json!("東京都千代田区");
    body["family_name_kana"] = json!("すみす");
    let p = problem(
        app.post("/v1/registrations", &token, &body).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(
        codes(&p),
        vec![
            ("/family_name_kana".into(), "NOT_KATAKANA".into()),
            ("/my_number".into(), "INVALID_FORMAT".into()),
            ("/nationality".into(), "INVALID".into()),
            ("/registered_domicile".into(), "NOT_APPLICABLE".into()),
        ]
    );
    // A Japanese national still gives the kana and the registered domicile.
    let mut body = application(&my_number("55555555553"));
    body["family_name_kana"] = json!("");
    body.as_object_mut().unwrap().remove("given_name_kana");
    body.as_object_mut().unwrap().remove("registered_domicile");
    let p = problem(
        app.post("/v1/registrations", &token, &body).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(
        codes(&p),
        vec![
            ("/family_name_kana".into(), "REQUIRED".into()),
            ("/given_name_kana".into(), "REQUIRED".into()),
            ("/registered_domicile".into(), "REQUIRED".into()),
        ]
    );
    // JP is a Japanese national: the domicile applies, no nationality is kept.
    let mut body = application(&my_number("55555555554"));
    body["nationality"] = json!("JP");
    let id = created_id(app.post("/v1/registrations", &token, &body).await).await;
    let seen = app.registration(&id).await;
    assert_eq!(seen["applicant"]["nationality"], Value::Null, "{seen}");
    assert_eq!(seen["applicant"]["registered_domicile"], "東京都千代田区");
}
