//! Races that real offices have: two examiners claiming one case, and many
//! approvals allocating registration numbers at once.

use std::collections::HashSet;

use crate::common::{my_number, spawn_app};
use domain::Role;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn two_examiners_claiming_at_once_exactly_one_wins() {
    let app = spawn_app().await;
    for round in 0..5 {
        let id = app
            .apply("owner", &my_number(&format!("1234567890{round}")))
            .await;
        app.pay(&id).await;
        let path = format!("/v1/registrations/{id}/assignment");
        let (ta, tb, empty) = (
            app.token(Role::Examiner, "ex-a"),
            app.token(Role::Examiner, "ex-b"),
            json!({}),
        );
        let (a, b) = tokio::join!(app.post(&path, &ta, &empty), app.post(&path, &tb, &empty));
        let statuses = [a.status(), b.status()];
        let wins = statuses.iter().filter(|s| **s == StatusCode::OK).count();
        assert_eq!(wins, 1, "round {round}: {statuses:?}");
        assert!(statuses.contains(&StatusCode::CONFLICT));
        let winner = if a.status() == StatusCode::OK {
            "ex-a"
        } else {
            "ex-b"
        };
        assert_eq!(app.registration(&id).await["assigned_to"], winner);
    }
}

#[tokio::test]
async fn concurrent_approvals_get_distinct_registration_numbers() {
    let app = spawn_app().await;
    let examiner = app.token(Role::Examiner, "ex");
    let mut ids = Vec::new();
    for i in 0..12 {
        let id = app
            .claimed(
                &format!("p{i}"),
                &my_number(&format!("555555555{i:02}")),
                "ex",
            )
            .await;
        app.post_ok(
            &format!("/v1/registrations/{id}/decision-proposals"),
            &examiner,
            &json!({"outcome": "APPROVE"}),
        )
        .await;
        ids.push(id);
    }
    let approvals = ids.iter().map(|id| {
        let app = &app;
        async move {
            let body = app
                .post_ok(
                    &format!("/v1/registrations/{id}/decision-approvals"),
                    &app.token(Role::SeniorExaminer, "sr"),
                    &json!({}),
                )
                .await;
            body["registration_number"].as_str().unwrap().to_owned()
        }
    });
    let numbers: Vec<String> = futures_util::future::join_all(approvals).await;
    let distinct: HashSet<_> = numbers.iter().collect();
    assert_eq!(distinct.len(), 12, "{numbers:?}");
}
