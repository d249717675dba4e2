//! The queue serves work: a senior examiner sends a proposal back to its
//! proposer with a reason (an event; the case is the proposer's again), on
//! the API and the console; the queue shows open cases unless asked for more.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::common::console::{browser, csrf_field};
use crate::common::{my_number, problem, spawn_app};
use domain::Role;

#[tokio::test]
async fn a_senior_examiner_returns_a_proposal_to_its_proposer() {
    let app = spawn_app().await;
    let id = app
        .claimed("hanako", &my_number("12345678901"), "ex-1")
        .await;
    let case = format!("/v1/registrations/{id}");
    let returns = format!("{case}/proposal-returns");
    let reason = json!({"reason": "the pass number is not on the pass list; check it"});

    // Nothing to return yet.
    let r = app
        .post(&returns, &app.token(Role::SeniorExaminer, "sr-1"), &reason)
        .await;
    assert_eq!(
        problem(r, StatusCode::CONFLICT).await["code"],
        "NO_PROPOSAL"
    );
    app.post_ok(
        &format!("{case}/decision-proposals"),
        &app.token(Role::Examiner, "ex-1"),
        &json!({"outcome": "APPROVE"}),
    )
    .await;

    // Refusals: no token, the wrong roles, no reason, an unknown case.
    assert_eq!(app.post(&returns, "", &reason).await.status(), 401);
    for (role, sub) in [
        (Role::Examiner, "ex-2"),
        (Role::Applicant, "hanako"),
        (Role::Ministry, "MHLW"),
    ] {
        let r = app.post(&returns, &app.token(role, sub), &reason).await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{role:?}");
    }
    let r = app
        .post(
            &returns,
            &app.token(Role::SeniorExaminer, "sr-1"),
            &json!({"reason": " "}),
        )
        .await;
    let p = problem(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(p["errors"][0]["pointer"], "/reason");
    let r = app
        .post(
            &format!(
                "/v1/registrations/{}/proposal-returns",
                uuid::Uuid::new_v4()
            ),
            &app.token(Role::SeniorExaminer, "sr-1"),
            &reason,
        )
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);

    let returned = app
        .post_ok(&returns, &app.token(Role::SeniorExaminer, "sr-1"), &reason)
        .await;
    assert_eq!(returned["status"], "UNDER_EXAMINATION");
    assert_eq!(returned["decision_proposal"], Value::Null);
    assert_eq!(returned["assigned_to"], "ex-1", "back to the proposer");
    let events: Vec<&str> = returned["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["event"].as_str())
        .collect();
    assert!(events.contains(&"ProposalReturned"), "{events:?}");
    // Nothing to approve now; the proposer proposes again and it is approved.
    let r = app
        .post(
            &format!("{case}/decision-approvals"),
            &app.token(Role::SeniorExaminer, "sr-1"),
            &json!({}),
        )
        .await;
    assert_eq!(
        problem(r, StatusCode::CONFLICT).await["code"],
        "NO_PROPOSAL"
    );
    let approved = app.approve(&case, "ex-1", "sr-1").await;
    assert_eq!(approved["status"], "REGISTERED");

    // A senior proposer cannot return their own proposal.
    let other = app.claimed("taro", &my_number("22345678901"), "sr-2").await;
    let other = format!("/v1/registrations/{other}");
    app.post_ok(
        &format!("{other}/decision-proposals"),
        &app.token(Role::SeniorExaminer, "sr-2"),
        &json!({"outcome": "APPROVE"}),
    )
    .await;
    let r = app
        .post(
            &format!("{other}/proposal-returns"),
            &app.token(Role::SeniorExaminer, "sr-2"),
            &reason,
        )
        .await;
    assert_eq!(
        problem(r, StatusCode::FORBIDDEN).await["code"],
        "FOUR_EYES_REQUIRED"
    );

    // The queue serves open cases; the registered one is behind a filter.
    app.settle().await;
    let senior = app.token(Role::SeniorExaminer, "sr-1");
    let ids = |page: Value| -> Vec<String> {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["case_id"].as_str().unwrap().to_owned())
            .collect()
    };
    let open = ids(app.get_json("/v1/queue", &senior).await);
    assert!(
        !open.contains(&id),
        "a registered case is not work: {open:?}"
    );
    assert_eq!(open.len(), 1, "{open:?}");
    let all = ids(app.get_json("/v1/queue?all=true", &senior).await);
    assert!(all.contains(&id) && all.len() == 2, "{all:?}");
    let registered = ids(app.get_json("/v1/queue?status=REGISTERED", &senior).await);
    assert_eq!(registered, vec![id.clone()]);
}

#[tokio::test]
async fn the_console_returns_a_proposal_and_lists_open_cases_first() {
    let app = spawn_app().await;
    let id = app
        .claimed("hanako", &my_number("12345678901"), "ex-1")
        .await;
    let case = format!("/v1/registrations/{id}");
    app.post_ok(
        &format!("{case}/decision-proposals"),
        &app.token(Role::Examiner, "ex-1"),
        &json!({"outcome": "APPROVE"}),
    )
    .await;
    let (done, _) = app
        .registered("taro", &my_number("22345678901"), "ex-1", "sr-1")
        .await;
    app.settle().await;
    let http = browser();
    let senior = crate::console::session_of(&app, Role::SeniorExaminer, "sr-1").await;
    let get = |path: String, cookie: String| {
        let http = http.clone();
        let base = app.base.clone();
        async move {
            http.get(format!("{base}{path}"))
                .header("cookie", cookie)
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap()
        }
    };
    let queue = get("/console/queue".into(), senior.clone()).await;
    assert!(queue.contains(&id[..8]), "the open case is listed");
    assert!(
        !queue.contains(&done[..8]),
        "the registered one is not, by default"
    );
    let all = get("/console/queue?status=ALL".into(), senior.clone()).await;
    assert!(all.contains(&done[..8]), "all cases on request");

    let page = get(format!("/console/cases/registrations/{id}"), senior.clone()).await;
    assert!(
        page.contains("id=\"form-return-proposal\""),
        "offered to a senior examiner"
    );
    let examiner = crate::console::session_of(&app, Role::Examiner, "ex-1").await;
    let theirs = get(format!("/console/cases/registrations/{id}"), examiner).await;
    assert!(
        !theirs.contains("id=\"form-return-proposal\""),
        "not to the proposer"
    );
    let version = app.registration(&id).await["version"].to_string();
    let r = http
        .post(format!(
            "{}/console/cases/registrations/{id}/return-proposal",
            app.base
        ))
        .header("cookie", &senior)
        .form(&[
            ("csrf", csrf_field(&page).as_str()),
            ("version", version.as_str()),
            ("reason", "確認をやり直してください"),
        ])
        .send()
        .await
        .unwrap();
    assert!(
        r.status().is_redirection() || r.status().is_success(),
        "{}",
        r.status()
    );
    let after = app.registration(&id).await;
    assert_eq!(after["decision_proposal"], Value::Null);
    assert_eq!(after["assigned_to"], "ex-1");
}
