//! The audit of personal-data access: every read of a case's particulars or
//! documents by staff or a ministry, every use of a My Number by the system,
//! and every reveal of one, leaves exactly one record; applicants reading
//! their own case leave none; admins list them, and each holder sees the
//! reads of their own data in their access log.

use crate::common::{answer, console, my_number, problem, spawn_app, TestApp, NOT_ADMIN};
use domain::Role;
use reqwest::StatusCode;
use serde_json::{json, Value};

/// The records of staff and ministry reads, newest first.
pub(crate) async fn records(app: &TestApp) -> Vec<Value> {
    let r = app
        .get_as(Role::Admin, "auditor", "/v1/admin/audit?limit=100")
        .await;
    let body = answer(r, StatusCode::OK).await;
    let all = body["items"].as_array().unwrap().clone();
    all.into_iter().filter(|r| r["role"] != "system").collect()
}

/// Records of staff and ministry reads (the system's register inquiries run
/// on their own schedule and are counted in the access-log test).
pub(crate) async fn count(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE role <> 'system'")
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

/// GETs `path` with a purpose; returns the response's request id.
pub(crate) async fn read(app: &TestApp, path: &str, token: &str, purpose: &str) -> String {
    let r = app
        .http
        .get(format!("{}{path}", app.base))
        .bearer_auth(token)
        .header("x-purpose", purpose)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{path}");
    r.headers()["x-request-id"].to_str().unwrap().to_owned()
}

#[tokio::test]
async fn each_read_of_particulars_leaves_exactly_one_record() {
    let app = spawn_app().await;
    let id = app.apply("hanako", &my_number("40000000001")).await;
    let path = format!("/v1/registrations/{id}");

    // The applicant reading their own case: not audited.
    let owner = app.token(Role::Applicant, "hanako");
    read(&app, &path, &owner, "curious").await;
    assert_eq!(count(&app).await, 0);

    // An examiner: one record with who, role, what, request id and purpose.
    let examiner = app.token(Role::Examiner, "ex-1");
    let request_id = read(&app, &path, &examiner, "examination of the application").await;
    assert_eq!(count(&app).await, 1);
    let all = records(&app).await;
    let r = &all[0];
    assert_eq!(r["actor"], "ex-1");
    assert_eq!(r["role"], "examiner");
    assert_eq!(r["action"], "READ_REGISTRATION");
    assert_eq!(r["case_id"], id.as_str());
    assert_eq!(r["request_id"], request_id.as_str());
    assert_eq!(r["purpose"], "examination of the application");
    assert!(r["at"].as_str().is_some());

    let before = count(&app).await;

    // Lists carry no particulars: no record.
    read(&app, "/v1/registrations", &examiner, "list").await;
    assert_eq!(count(&app).await, before);

    // A ministry reading a case that is not on the register sees no
    // particulars: no record. (Registered cases: see the ministry test below.)
    read(&app, &path, &app.token(Role::Ministry, "MHLW"), "stats").await;
    assert_eq!(count(&app).await, before);

    // A purpose that is too long is refused, and nothing is read or recorded.
    let r = app
        .http
        .get(format!("{}{path}", app.base))
        .bearer_auth(&examiner)
        .header("x-purpose", "x".repeat(201))
        .send()
        .await
        .unwrap();
    let p = problem(r, StatusCode::BAD_REQUEST).await;
    assert_eq!(p["code"], "INVALID_PURPOSE");
    assert_eq!(count(&app).await, before);

    // The console's case page is a read too.
    let signed_in = console::sign_in(&app, &examiner).await;
    let session = console::set_cookie(&signed_in, "shikaku_console").expect("a session cookie");
    let page = console::console_get(
        &app,
        &format!("/console/cases/registrations/{id}"),
        format!("shikaku_console={}", console::value(&session)),
    )
    .await;
    assert_eq!(page.status(), StatusCode::OK);
    assert_eq!(count(&app).await, before + 1);
    let last = &records(&app).await[0];
    assert_eq!(last["action"], "READ_REGISTRATION");
    assert_eq!(last["actor"], "ex-1");

    // A reveal from the vault: one record, in the reveal's transaction.
    let vault = adapters::vault::Vault::new(app.pool.clone(), [0x11; 32]);
    let reference = vault
        .find(&domain::my_number::MyNumber::parse(&my_number("40000000001")).unwrap())
        .await
        .unwrap()
        .unwrap();
    let who = adapters::audit::Accessor {
        actor: "admin-1".into(),
        role: "admin".into(),
        request_id: Some("req-1".into()),
        purpose: Some("court order 123".into()),
    };
    let case = uuid::Uuid::parse_str(&id).unwrap();
    vault.reveal(reference, case, &who).await.unwrap().unwrap();
    assert_eq!(count(&app).await, before + 2);
    let last = &records(&app).await[0];
    assert_eq!(last["action"], "REVEAL_MY_NUMBER");
    assert_eq!(last["vault_id"], reference.to_string());
    assert_eq!(
        last["case_id"],
        id.as_str(),
        "a reveal names the case it is for"
    );
    assert_eq!(last["purpose"], "court order 123");

    // The log is append-only.
    let edit = sqlx::query("UPDATE audit_log SET actor = 'nobody'")
        .execute(&app.pool)
        .await;
    assert!(edit.is_err());
    let erase = sqlx::query("DELETE FROM audit_log")
        .execute(&app.pool)
        .await;
    assert!(erase.is_err());
}

#[tokio::test]
async fn a_ministry_reading_the_register_entry_and_staff_reading_a_change_request_are_recorded() {
    let app = spawn_app().await;
    let (id, _) = app
        .registered("hanako", &my_number("40000000002"), "ex-1", "senior-1")
        .await;
    let path = format!("/v1/registrations/{id}");
    let before = count(&app).await;
    read(
        &app,
        &path,
        &app.token(Role::Ministry, "MHLW"),
        "statistics",
    )
    .await;
    assert_eq!(count(&app).await, before + 1);
    let last = &records(&app).await[0];
    assert_eq!(last["role"], "ministry");
    assert_eq!(last["actor"], "MHLW");
    assert_eq!(last["purpose"], "statistics");

    // A change request read by staff: one record.
    app.settle().await;
    let r = app
        .post_as(
            Role::Applicant,
            "hanako",
            &format!("{path}/change-requests"),
            &json!({"kind": "CHANGE_ADDRESS", "reason": "moved",
                    "changes": {"address": "大阪府大阪市北区1-1"}}),
        )
        .await;
    let cr = answer(r, StatusCode::CREATED).await;
    let cr = cr["id"].as_str().unwrap();
    // The registers are asked about the new address meanwhile (a system record).
    app.settle().await;
    let examiner = app.token(Role::Examiner, "ex-1");
    read(
        &app,
        &format!("/v1/change-requests/{cr}"),
        &examiner,
        "check",
    )
    .await;
    assert_eq!(count(&app).await, before + 2);
    let last = &records(&app).await[0];
    assert_eq!(last["action"], "READ_CHANGE_REQUEST");
    assert_eq!(last["case_id"], cr);
    // A ministry sees no particulars on a change request: no record.
    read(
        &app,
        &format!("/v1/change-requests/{cr}"),
        &app.token(Role::Ministry, "MHLW"),
        "x",
    )
    .await;
    assert_eq!(count(&app).await, before + 2);
}

#[tokio::test]
async fn the_audit_list_filters_pages_and_is_for_admins_only() {
    let app = spawn_app().await;
    let a = app.apply("hanako", &my_number("40000000003")).await;
    let b = app.apply("taro", &my_number("40000000004")).await;
    let ex1 = app.token(Role::Examiner, "ex-1");
    let ex2 = app.token(Role::Examiner, "ex-2");
    read(&app, &format!("/v1/registrations/{a}"), &ex1, "p").await;
    read(&app, &format!("/v1/registrations/{b}"), &ex1, "p").await;
    read(&app, &format!("/v1/registrations/{a}"), &ex2, "p").await;
    let admin = app.token(Role::Admin, "auditor");
    let items = |v: &Value| v["items"].as_array().unwrap().len();

    let by_actor: Value = app.get_json("/v1/admin/audit?actor=ex-1", &admin).await;
    assert_eq!(items(&by_actor), 2);
    let by_case: Value = app
        .get_json(&format!("/v1/admin/audit?case_id={a}"), &admin)
        .await;
    assert_eq!(items(&by_case), 2);
    let future: Value = app
        .get_json("/v1/admin/audit?from=2999-01-01T00:00:00Z", &admin)
        .await;
    assert_eq!(items(&future), 0);
    let past: Value = app
        .get_json("/v1/admin/audit?to=2000-01-01T00:00:00Z", &admin)
        .await;
    assert_eq!(items(&past), 0);

    // Pages of one, newest first, until the cursor runs out.
    let mut seen = Vec::new();
    let mut url = "/v1/admin/audit?limit=1".to_owned();
    loop {
        let page: Value = app.get_json(&url, &admin).await;
        seen.push(page["items"][0]["id"].as_i64().unwrap());
        match page["next_cursor"].as_str() {
            Some(c) => url = format!("/v1/admin/audit?limit=1&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(seen.len(), 3);
    assert!(seen.windows(2).all(|w| w[0] > w[1]));

    // Refusals.
    let r = app.get_anonymous("/v1/admin/audit").await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    for role in NOT_ADMIN {
        let r = app.get("/v1/admin/audit", &app.token(role, "x")).await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{role:?}");
        assert_eq!(r.headers()["content-type"], "application/problem+json");
    }
    for bad in ["cursor=abc", "limit=0", "case_id=nope", "from=yesterday"] {
        let r = app.get(&format!("/v1/admin/audit?{bad}"), &admin).await;
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{bad}");
        assert_eq!(r.headers()["content-type"], "application/problem+json");
    }
}
