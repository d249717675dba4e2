//! The public event feed: scoped to the ministry's qualifications, without
//! personal data, in commit order across a late-committing transaction, and
//! with cursors that survive a restart.

use std::time::Duration;

use crate::common::certificates::{certificate, certificate_when, change, registered};
use crate::common::{answer, application, my_number, spawn_app, spawn_app_on, TestApp};
use domain::Role;
use reqwest::StatusCode;
use serde_json::{json, Value};

/// One page of the feed as `ministry` (or admin when `None`).
async fn page(app: &TestApp, token: &str, after: Option<&str>, limit: i64) -> Value {
    let mut path = format!("/v1/events?limit={limit}");
    if let Some(a) = after {
        path.push_str(&format!("&after={a}"));
    }
    let r = app.get(&path, token).await;
    assert_eq!(r.status(), StatusCode::OK);
    r.json().await.unwrap()
}

/// Every item after `after`, following next_cursor; returns them and the last cursor.
async fn read_all(app: &TestApp, token: &str, after: Option<&str>) -> (Vec<Value>, String) {
    let mut items = Vec::new();
    let mut cursor = after.map(str::to_owned);
    loop {
        let p = page(app, token, cursor.as_deref(), 2).await;
        let got = p["items"].as_array().unwrap().clone();
        cursor = Some(p["next_cursor"].as_str().unwrap().to_owned());
        if got.is_empty() {
            return (items, cursor.unwrap());
        }
        items.extend(got);
    }
}

fn types(items: &[Value]) -> Vec<&str> {
    items.iter().map(|i| i["type"].as_str().unwrap()).collect()
}

fn ministry(app: &TestApp, code: &str) -> String {
    app.token(Role::Ministry, code)
}

#[tokio::test]
async fn a_ministry_follows_its_qualifications_without_personal_data() {
    let app = spawn_app().await;
    let id = registered(&app, "feed-holder", "11122233344").await;
    let first = certificate(&app, "feed-holder", &id).await;
    change(
        &app,
        "feed-holder",
        &id,
        json!({"kind": "CHANGE_NAME", "reason": "marriage",
               "changes": {"family_name": "佐藤", "family_name_kana": "サトウ"}}),
    )
    .await;
    let second = certificate_when(&app, "feed-holder", &id, |c| c["token"] != first["token"]).await;
    // A nursery teacher is the Children and Families Agency's.
    let mut nursery = application(&my_number("55566677788"));
    nursery["qualification_code"] = json!("NURSERY_TEACHER");
    let r = app
        .post_as(Role::Applicant, "nursery", "/v1/registrations", &nursery)
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    app.settle().await;

    let (mhlw, _) = read_all(&app, &ministry(&app, "MHLW"), None).await;
    assert_eq!(
        types(&mhlw),
        [
            "APPLICATION_SUBMITTED",
            "REGISTERED",
            "CERTIFICATE_ISSUED",
            "CHANGE_REQUEST_FILED",
            "REGISTERED_MATTERS_CHANGED",
            "CERTIFICATE_REVOKED",
            "CERTIFICATE_ISSUED",
        ]
    );
    assert!(mhlw
        .iter()
        .all(|i| i["registration_id"] == json!(id) && i["qualification_code"] == "CARE_WORKER"));
    assert_eq!(mhlw[0]["registration_number"], Value::Null);
    assert_eq!(mhlw[0]["data"], json!({"channel": "ONLINE"}));
    let number = mhlw[1]["registration_number"].as_str().unwrap();
    assert!(mhlw[1..].iter().all(|i| i["registration_number"] == number));
    assert_eq!(
        mhlw[4]["data"]["changed_matters"],
        json!(["family_name", "family_name_kana"])
    );
    assert_eq!(mhlw[5]["data"]["reason"], "MATTERS_CHANGED");
    assert_eq!(
        mhlw[5]["data"]["certificate_id"],
        mhlw[2]["data"]["certificate_id"]
    );
    // Ids are distinct and every item has its time.
    let mut ids: Vec<&str> = mhlw.iter().map(|i| i["id"].as_str().unwrap()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), mhlw.len());
    assert!(mhlw.iter().all(|i| i["occurred_at"].is_string()));

    // No name, date of birth, address, domicile, email, My Number or certificate token.
    let text = serde_json::to_string(&mhlw).unwrap();
    for secret in [
        "山田",
        "佐藤",
        "花子",
        "ヤマダ",
        "1990-04-01",
        "霞が関",
        "千代田区",
        "hanako@example.jp",
        &my_number("11122233344"),
        first["token"].as_str().unwrap(),
        second["token"].as_str().unwrap(),
    ] {
        assert!(!text.contains(secret), "the feed leaks {secret}");
    }

    // The agency sees only its nursery teacher, MEXT nothing, an administrator all.
    let (cfa, _) = read_all(&app, &ministry(&app, "CFA"), None).await;
    assert_eq!(types(&cfa), ["APPLICATION_SUBMITTED"]);
    assert_eq!(cfa[0]["qualification_code"], "NURSERY_TEACHER");
    let (mext, _) = read_all(&app, &ministry(&app, "MEXT"), None).await;
    assert!(mext.is_empty());
    let (all, _) = read_all(&app, &app.token(Role::Admin, "root"), None).await;
    assert_eq!(all.len(), mhlw.len() + 1);
    for item in &all {
        matches_its_typed_schema(item);
    }
}

/// The item has exactly the `data` facts the spec's schema of its `type`
/// declares (the union `FeedEventView`, discriminated by `type`).
fn matches_its_typed_schema(item: &Value) {
    let spec = serde_json::to_value(api::openapi()).unwrap();
    let schemas = &spec["components"]["schemas"];
    let name = |r: &Value| r.as_str().unwrap().rsplit('/').next().unwrap().to_owned();
    let event_type = item["type"].as_str().unwrap();
    let event = &schemas[name(&schemas["FeedEventView"]["discriminator"]["mapping"][event_type])];
    assert_eq!(event["properties"]["type"]["enum"], json!([event_type]));
    for field in event["required"].as_array().unwrap() {
        assert!(
            item.get(field.as_str().unwrap()).is_some(),
            "{event_type} {field}"
        );
    }
    let data = &schemas[name(&event["properties"]["data"]["$ref"])];
    let mut declared: Vec<&str> = data["properties"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let mut sent: Vec<&str> = item["data"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    declared.sort();
    sent.sort();
    assert_eq!(sent, declared, "the data of {event_type}");
}

#[tokio::test]
async fn the_feed_is_refused_to_others_and_bad_queries_are_problems() {
    let app = spawn_app().await;
    let r = app.get_anonymous("/v1/events").await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    for role in [Role::Applicant, Role::Examiner, Role::SeniorExaminer] {
        let r = app.get("/v1/events", &app.token(role, "someone")).await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{role:?}");
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["code"], "WRONG_ROLE");
    }
    let mhlw = ministry(&app, "MHLW");
    for (query, code) in [
        ("after=not-a-cursor", "INVALID_CURSOR"),
        ("after=MS4yLng", "INVALID_CURSOR"),
        ("limit=0", "INVALID_LIMIT"),
        ("limit=101", "INVALID_LIMIT"),
        ("since=1", "INVALID_QUERY"),
    ] {
        let r = app.get(&format!("/v1/events?{query}"), &mhlw).await;
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{query}");
        assert_eq!(
            r.headers()["content-type"],
            "application/problem+json",
            "{query}"
        );
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["code"], code, "{query}");
    }
}

#[tokio::test]
async fn an_event_committed_late_is_not_skipped_and_cursors_survive_a_restart() {
    let app = spawn_app().await;
    let mhlw = ministry(&app, "MHLW");
    let first = app.apply("early-bird", &my_number("20000000001")).await;
    let (before, cursor) = read_all(&app, &mhlw, None).await;
    assert_eq!(types(&before), ["APPLICATION_SUBMITTED"]);

    // A transaction appends an application's first event and stays open ...
    let payload: Value = sqlx::query_scalar(
        "SELECT payload::jsonb FROM events WHERE aggregate_id = $1 AND sequence = 1",
    )
    .bind(&first)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let late_id = uuid::Uuid::new_v4().to_string();
    let mut early = app.pool.begin().await.unwrap();
    sqlx::query(
        "INSERT INTO events (aggregate_type, aggregate_id, sequence, event_type, event_version, payload, metadata)
         VALUES ('QualificationRegistration', $1, 1, 'ApplicationSubmitted', '1', $2::jsonb::json, '{}')",
    )
    .bind(&late_id)
    .bind(&payload)
    .execute(&mut *early)
    .await
    .unwrap();
    // ... while a later application commits.
    let r = app
        .post_as(
            Role::Applicant,
            "later",
            "/v1/registrations",
            &application(&my_number("20000000002")),
        )
        .await;
    let later = answer(r, StatusCode::CREATED).await;
    // The later event is committed, but the feed does not move past the open
    // transaction's event: a reader's cursor stays before both.
    let mut held = cursor.clone();
    for _ in 0..20 {
        let p = page(&app, &mhlw, Some(&held), 100).await;
        assert_eq!(
            p["items"],
            json!([]),
            "an event appeared ahead of an open transaction"
        );
        held = p["next_cursor"].as_str().unwrap().to_owned();
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    early.commit().await.unwrap();
    app.settle().await;
    let (after, last) = read_all(&app, &mhlw, Some(&held)).await;
    let regs: Vec<&str> = after
        .iter()
        .map(|i| i["registration_id"].as_str().unwrap())
        .collect();
    assert_eq!(regs, [late_id.as_str(), later["id"].as_str().unwrap()]);
    assert_eq!(
        types(&after),
        ["APPLICATION_SUBMITTED", "APPLICATION_SUBMITTED"]
    );

    // A restarted server reads the same feed from the same cursors.
    app.handle.stop(true).await;
    let again = spawn_app_on(&app.database_url, |_| {}).await;
    let (replayed, _) = read_all(&again, &mhlw, Some(&cursor)).await;
    assert_eq!(replayed, after);
    let (nothing, same) = read_all(&again, &mhlw, Some(&last)).await;
    assert!(nothing.is_empty());
    assert_eq!(same, last);
}
