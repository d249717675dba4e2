//! Validation tells everything at once: one 422 with every field error, the
//! same on the API and the console's paper form; kana is full-width katakana;
//! names are stored NFC-normalised.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::common::console::{browser, csrf_field};
use crate::common::problem;
use crate::common::{application, my_number, spawn_app};
use domain::Role;

fn pointers(problem: &Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .expect("an errors list")
        .iter()
        .map(|e| {
            assert!(e["code"].is_string() && e["detail"].is_string(), "{e}");
            e["pointer"].as_str().unwrap().to_owned()
        })
        .collect()
}

#[tokio::test]
async fn four_bad_fields_are_four_errors_in_one_answer() {
    let app = spawn_app().await;
    let mut body = application(&my_number("12345678901"));
    body["family_name_kana"] = json!("やまだ");
    body["date_of_birth"] = json!("1990-13-45");
    body["email"] = json!("not an address");
    body["my_number"] = json!("123");
    let r = app
        .post(
            "/v1/registrations",
            &app.token(Role::Applicant, "hanako"),
            &body,
        )
        .await;
    let p = problem(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    let got = pointers(&p);
    for field in [
        "/family_name_kana",
        "/date_of_birth",
        "/email",
        "/my_number",
    ] {
        assert!(got.contains(&field.to_owned()), "{field} in {got:?}");
    }
    let kana = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["pointer"] == "/family_name_kana")
        .unwrap();
    assert_eq!(kana["code"], "NOT_KATAKANA");

    // The long-vowel mark and the middle dot are katakana too.
    let mut body = application(&my_number("22345678901"));
    body["family_name_kana"] = json!("スミス・ジョーンズ");
    // 花 + a decomposed ガ (カ and the combining voiced mark).
    body["given_name_kana"] = json!("\u{30AB}\u{3099}ク");
    let r = app
        .post(
            "/v1/registrations",
            &app.token(Role::Applicant, "john"),
            &body,
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let created: Value = r.json().await.unwrap();
    assert_eq!(
        created["applicant"]["given_name_kana"], "\u{30AC}ク",
        "stored composed (NFC)"
    );
}

#[tokio::test]
async fn the_console_paper_form_shows_the_same_errors_all_at_once() {
    let app = spawn_app().await;
    let session = crate::console::session_of(&app, Role::Examiner, "ex-1").await;
    let http = browser();
    let form = http
        .get(format!("{}/console/paper/registrations", app.base))
        .header("cookie", &session)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = csrf_field(&form);
    let r = http
        .post(format!("{}/console/paper/registrations", app.base))
        .header("cookie", &session)
        .form(&[
            ("csrf", csrf.as_str()),
            ("qualification_code", "CARE_WORKER"),
            ("family_name", "山田"),
            ("given_name", "花子"),
            ("family_name_kana", "やまだ"),
            ("given_name_kana", "ハナコ"),
            ("date_of_birth", "not a date"),
            ("address", "東京都千代田区"),
            ("registered_domicile", "東京都"),
            ("email", ""),
            ("exam_pass_number", "P1"),
            ("my_number", "123"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = r.text().await.unwrap();
    for field in ["family_name_kana", "date_of_birth", "my_number"] {
        assert!(
            page.contains(&format!("<p class=\"error\" id=\"e-{field}-note\">")),
            "{field} is marked in {page}"
        );
    }
    assert!(page.contains("全角カタカナ"), "the kana error in words");
    assert!(
        !page.contains("<p class=\"error\" id=\"e-email-note\">"),
        "email is optional on paper"
    );
}
