//! The inbox: only applicants have one, and its paging is checked.

use super::*;
use crate::common::answer;

#[tokio::test]
async fn only_applicants_have_an_inbox_and_bad_paging_is_refused() {
    let app = spawn_app_with(|_| {}).await;
    for role in [
        Role::Examiner,
        Role::SeniorExaminer,
        Role::Ministry,
        Role::Admin,
    ] {
        let r = app
            .get("/v1/notifications", &app.token(role, "staff"))
            .await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{role:?}");
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["code"], "WRONG_ROLE");
    }
    let r = app.get_anonymous("/v1/notifications").await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let applicant = app.token(Role::Applicant, "hanako");
    for (query, code) in [
        ("?cursor=nonsense", "INVALID_CURSOR"),
        ("?limit=0", "INVALID_LIMIT"),
        ("?limit=101", "INVALID_LIMIT"),
    ] {
        let r = app
            .get(&format!("/v1/notifications{query}"), &applicant)
            .await;
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{query}");
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["code"], code);
    }
    // An unknown language is a field error, not a silent default.
    let mut body = application(&my_number("32345678901"));
    body["preferred_language"] = "fr".into();
    let r = app.post("/v1/registrations", &applicant, &body).await;
    let problem = answer(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(problem["errors"][0]["pointer"], "/preferred_language");
}
