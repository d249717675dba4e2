//! Console sessions end when they should: signed out (every copy of the
//! cookie), or revoked by an administrator for every session of an examiner.

use crate::common;
use crate::common::console::{console_get, csrf_field};
use crate::common::spawn_app;
use crate::console::session_of;
use domain::Role;
use serde_json::json;

#[tokio::test]
async fn a_signed_out_or_revoked_session_opens_nothing_even_copied() {
    let app = spawn_app().await;
    // Sign-out ends the session for every copy of its cookie.
    let session = session_of(&app, Role::Examiner, "ex-1").await;
    let page = console_get(&app, "/console/queue", session.clone())
        .await
        .text()
        .await
        .unwrap();
    let csrf = csrf_field(&page);
    let r = common::console::browser()
        .post(format!("{}/console/logout", app.base))
        .header("cookie", session.clone())
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let r = console_get(&app, "/console/queue", session.clone()).await;
    assert_eq!(r.status(), 303, "the copied cookie is signed out too");
    assert_eq!(r.headers()["location"], "/console/login?expired=1");

    // An administrator ends every session of one examiner at once.
    let (first, second) = (
        session_of(&app, Role::Examiner, "ex-2").await,
        session_of(&app, Role::Examiner, "ex-2").await,
    );
    let other = session_of(&app, Role::Examiner, "ex-3").await;
    let admin = app.token(Role::Admin, "admin-1");
    let path = "/v1/admin/console-session-revocations";
    let r = app.post(path, &admin, &json!({"examiner": "ex-2"})).await;
    assert_eq!(r.status(), 204);
    for s in [&first, &second] {
        assert_eq!(
            console_get(&app, "/console/queue", s.clone())
                .await
                .status(),
            303
        );
    }
    assert_eq!(
        console_get(&app, "/console/queue", other.clone())
            .await
            .status(),
        200
    );
    // A new sign-in (with a token still valid) begins a new session.
    let again = session_of(&app, Role::Examiner, "ex-2").await;
    assert_eq!(
        console_get(&app, "/console/queue", again.clone())
            .await
            .status(),
        200
    );

    // Only administrators may, and they must name the examiner.
    for role in common::NOT_ADMIN {
        let r = app
            .post(path, &app.token(role, "x"), &json!({"examiner": "ex-3"}))
            .await;
        assert_eq!(r.status(), 403, "{role:?}");
    }
    let r = app.post(path, &admin, &json!({"examiner": " "})).await;
    assert_eq!(r.status(), 422);
    let r = app
        .post(path, "not-a-token", &json!({"examiner": "ex-3"}))
        .await;
    assert_eq!(r.status(), 401);
    assert_eq!(
        console_get(&app, "/console/queue", other.clone())
            .await
            .status(),
        200
    );
}
