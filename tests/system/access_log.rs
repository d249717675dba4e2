//! The holder's access log (`GET /v1/me/access-log`): every read of their
//! particulars, documents and vault entry by staff, ministries or the system,
//! as the office sees it in the audit API (`?holder=`).

use crate::audit::read;
use crate::common::{my_number, problem, spawn_app, TestApp};
use domain::Role;
use reqwest::StatusCode;
use serde_json::Value;

/// GETs `path` as `token` with a purpose; the answer must be 200.
async fn read_ok(app: &TestApp, path: &str, token: &str, purpose: &str) {
    read(app, path, token, purpose).await;
}

/// Every entry of `holder`'s access log, walking the pages `limit` at a time.
async fn access_log(app: &TestApp, holder: &str, limit: usize) -> Vec<Value> {
    let token = app.token(Role::Applicant, holder);
    let mut all = Vec::new();
    let mut url = format!("/v1/me/access-log?limit={limit}");
    loop {
        let page: Value = app.get_json(&url, &token).await;
        let items = page["items"].as_array().unwrap();
        assert!(items.len() <= limit);
        all.extend(items.iter().cloned());
        match page["next_cursor"].as_str() {
            Some(c) => url = format!("/v1/me/access-log?limit={limit}&cursor={c}"),
            None => return all,
        }
    }
}

#[tokio::test]
async fn the_holder_sees_every_read_of_their_data_and_the_office_sees_the_same() {
    let app = spawn_app().await;
    let number = my_number("40000000005");
    // Paid (the registers are asked with the number's token), claimed by
    // ex-1, asked for a document and answered with one.
    let (id, document) = app.answered_with_document("hanako", &number, "ex-1").await;
    let case = format!("/v1/registrations/{id}");
    let examiner = app.token(Role::Examiner, "ex-1");
    read_ok(
        &app,
        &format!("{case}/attachments/{document}"),
        &examiner,
        "pass certificate",
    )
    .await;
    read_ok(&app, &case, &examiner, "examination").await;
    let approved = app.approve(&case, "ex-1", "senior-1").await;
    app.settle().await;
    let number_on_register = approved["registration_number"].as_str().unwrap().to_owned();
    // A ministry reads the register entry and looks the holder up by number.
    let ministry = app.token(Role::Ministry, "MHLW");
    read_ok(&app, &case, &ministry, "statistics").await;
    read_ok(
        &app,
        &format!("/v1/registrations?qualification_code=CARE_WORKER&registration_number={number_on_register}"),
        &ministry,
        "register check",
    )
    .await;
    // An administrator reveals the number for this case.
    let vault = adapters::vault::Vault::new(app.pool.clone(), [0x11; 32]);
    let reference = vault
        .find(&domain::my_number::MyNumber::parse(&number).unwrap())
        .await
        .unwrap()
        .unwrap();
    let who = adapters::audit::Accessor {
        actor: "admin-1".into(),
        role: "admin".into(),
        request_id: None,
        purpose: Some("court order 123".into()),
    };
    let case_id = uuid::Uuid::parse_str(&id).unwrap();
    vault
        .reveal(reference, case_id, &who)
        .await
        .unwrap()
        .unwrap();
    // Someone else's case, read by another examiner.
    let other = app.apply("taro", &my_number("40000000006")).await;
    read_ok(
        &app,
        &format!("/v1/registrations/{other}"),
        &app.token(Role::Examiner, "ex-2"),
        "x",
    )
    .await;

    let log = access_log(&app, "hanako", 100).await;
    let text = serde_json::to_string(&log).unwrap();
    for secret in [
        number.as_str(),
        "ex-1",
        "MHLW",
        "admin-1",
        "senior-1",
        "observer",
    ] {
        assert!(!text.contains(secret), "{secret} in the access log: {text}");
    }
    assert!(
        log.iter().all(|e| e["case_id"] == id.as_str()),
        "only hanako's case: {text}"
    );
    assert!(
        log.iter().all(|e| e["case_type"] == "REGISTRATION"),
        "{text}"
    );
    let find = |action: &str, role: &str| {
        log.iter()
            .find(|e| e["action"] == action && e["accessor"]["role"] == role)
            .unwrap_or_else(|| panic!("no {action} by {role}: {text}"))
            .clone()
    };
    let attachment = find("READ_ATTACHMENT", "EXAMINER");
    assert_eq!(attachment["attachment_id"], document.as_str());
    assert_eq!(attachment["purpose"], "pass certificate");
    let particulars = log
        .iter()
        .find(|e| e["action"] == "READ_REGISTRATION" && e["purpose"] == "examination")
        .expect("the examiner's read of the particulars");
    assert_eq!(particulars["accessor"]["role"], "EXAMINER");
    assert_eq!(
        particulars["accessor"]["id"], attachment["accessor"]["id"],
        "the same person, the same opaque id"
    );
    assert!(uuid::Uuid::parse_str(attachment["accessor"]["id"].as_str().unwrap()).is_ok());
    let by_ministry = find("READ_REGISTRATION", "MINISTRY");
    assert_eq!(by_ministry["purpose"], "statistics");
    assert_ne!(by_ministry["accessor"]["id"], attachment["accessor"]["id"]);
    assert_eq!(
        find("LOOK_UP_REGISTRATION", "MINISTRY")["purpose"],
        "register check"
    );
    let inquiry = find("INQUIRE_REGISTERS", "SYSTEM");
    assert!(
        inquiry["purpose"].as_str().unwrap().contains("register"),
        "{inquiry}"
    );
    assert_eq!(
        find("REVEAL_MY_NUMBER", "ADMIN")["purpose"],
        "court order 123"
    );
    let times: Vec<&str> = log.iter().map(|e| e["at"].as_str().unwrap()).collect();
    let mut sorted = times.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(times, sorted, "newest first");

    // Pages of two give the same entries.
    assert_eq!(access_log(&app, "hanako", 2).await, log);

    // The office sees the same records in the audit API, with their actors.
    let admin = app.token(Role::Admin, "auditor");
    let office: Value = app
        .get_json("/v1/admin/audit?holder=hanako&limit=100", &admin)
        .await;
    let office = office["items"].as_array().unwrap();
    assert_eq!(office.len(), log.len());
    for (record, entry) in office.iter().zip(&log) {
        assert_eq!(record["accessor_ref"], entry["accessor"]["id"]);
        assert_eq!(record["action"], entry["action"]);
    }
    assert!(office.iter().any(|r| r["actor"] == "ex-1"));

    // Taro sees only his own.
    let taro = access_log(&app, "taro", 100).await;
    assert!(!taro.is_empty() && taro.iter().all(|e| e["case_id"] == other.as_str()));
    // Someone with no case sees an empty log.
    assert!(access_log(&app, "nobody", 100).await.is_empty());

    // Refusals.
    let r = app.get_anonymous("/v1/me/access-log").await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    for role in [
        Role::Examiner,
        Role::SeniorExaminer,
        Role::Ministry,
        Role::Admin,
    ] {
        let r = app
            .get("/v1/me/access-log", &app.token(role, "hanako"))
            .await;
        problem(r, StatusCode::FORBIDDEN).await;
    }
    let hanako = app.token(Role::Applicant, "hanako");
    for bad in ["cursor=abc", "limit=0", "limit=101", "colour=red"] {
        let r = app.get(&format!("/v1/me/access-log?{bad}"), &hanako).await;
        problem(r, StatusCode::BAD_REQUEST).await;
    }
}
