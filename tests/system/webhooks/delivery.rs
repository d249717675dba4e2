//! Deliveries: verified by the reference library, in order after a failure,
//! and a subscription failing too long disabled.

use super::*;
use crate::common::answer;

#[tokio::test]
async fn deliveries_verify_with_the_reference_library_and_carry_the_feed_items() {
    let app = spawn_app().await;
    let receiver = WebhookReceiver::start();
    let sub = subscribe(&app, "MHLW", &receiver.url("a"), &["APPLICATION_SUBMITTED"]).await;
    let secret = sub["secret"].as_str().unwrap();
    assert!(secret.starts_with("whsec_"), "{secret}");
    assert_eq!(sub["status"], "ACTIVE");
    assert_eq!(sub["event_types"], json!(["APPLICATION_SUBMITTED"]));
    receiver.configure("a", secret, 0).await;
    // The secret is shown once.
    let listed = subscriptions(&app, "MHLW").await;
    assert_eq!(listed.len(), 1);
    assert!(listed[0].get("secret").is_none());
    assert!(!serde_json::to_string(&listed).unwrap().contains(secret));

    let first = app.apply("wh-1", &my_number("30000000001")).await;
    let second = app.apply("wh-2", &my_number("30000000002")).await;
    // Another ministry's qualification is not delivered.
    let mut nursery = application(&my_number("30000000003"));
    nursery["qualification_code"] = json!("NURSERY_TEACHER");
    let r = app
        .post_as(Role::Applicant, "wh-3", "/v1/registrations", &nursery)
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);

    let got = receiver.wait_for("a", 2).await;
    let ids: Vec<&Value> = got
        .iter()
        .map(|d| &d["payload"]["data"]["registration_id"])
        .collect();
    assert_eq!(ids, [&json!(first), &json!(second)]);
    // The body is the feed's item in the Standard Webhooks envelope.
    let r = app.get_as(Role::Ministry, "MHLW", "/v1/events").await;
    let feed: Value = r.json().await.unwrap();
    assert_eq!(got[0]["payload"]["data"], feed["items"][0]);
    assert_eq!(got[0]["payload"]["type"], "APPLICATION_SUBMITTED");
    assert_eq!(
        got[0]["payload"]["timestamp"],
        feed["items"][0]["occurred_at"]
    );

    // A test message comes after them; the deliveries show all three.
    let id = sub["id"].as_str().unwrap();
    let r = send_test(&app, id).await;
    let test = answer(r, StatusCode::ACCEPTED).await;
    assert_eq!(test["status"], "PENDING");
    let got = receiver.wait_for("a", 3).await;
    assert_eq!(got[2]["payload"]["type"], "WEBHOOK_TEST");
    assert_eq!(got[2]["payload"]["data"], json!({"subscription_id": id}));
    assert_eq!(got[2]["webhook_id"], test["id"]);
    app.settle().await;
    let listed = deliveries(&app, "MHLW", id).await;
    assert_eq!(listed.len(), 3);
    assert!(listed
        .iter()
        .all(|d| d["status"] == "DELIVERED" && d["attempts"] == 1 && d["last_status_code"] == 204));
    assert_eq!(listed[2]["id"], got[0]["webhook_id"]);
    assert_eq!(listed[0]["event_type"], "WEBHOOK_TEST");

    // A rebuild of the feed gives every item its id and position again and
    // sends nothing twice.
    let before: Value = app
        .get_json("/v1/events", &app.token(Role::Ministry, "MHLW"))
        .await;
    let catalogue =
        domain::catalogue::InForce::new(adapters::catalogue::load(&app.pool).await.unwrap());
    let feed = Subscription::new(app.pool.clone(), Arc::new(PublicFeed::new(catalogue)));
    feed.reset().await.unwrap();
    feed.catch_up().await.unwrap();
    app.settle().await;
    let after: Value = app
        .get_json("/v1/events", &app.token(Role::Ministry, "MHLW"))
        .await;
    assert_eq!(after, before);
    assert_eq!(deliveries(&app, "MHLW", id).await.len(), 3);
    assert_eq!(receiver.received("a").await["attempts"], 3);

    // With another secret the reference library refuses the signature.
    let other = subscribe(&app, "MHLW", &receiver.url("b"), &["REGISTERED"]).await;
    receiver
        .configure("b", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", 0)
        .await;
    let r = app
        .post_as(
            Role::Ministry,
            "MHLW",
            &format!(
                "/v1/webhook-subscriptions/{}/test",
                other["id"].as_str().unwrap()
            ),
            &json!({}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    for _ in 0..200 {
        if receiver.received("b").await["rejected"] != json!([]) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("a wrong secret was not refused");
}

#[tokio::test]
async fn a_failing_receiver_gets_its_messages_in_order_once_it_recovers() {
    let app = spawn_app().await;
    let receiver = WebhookReceiver::start();
    let sub = subscribe(&app, "MHLW", &receiver.url("r"), &["APPLICATION_SUBMITTED"]).await;
    // The first three attempts are answered 500.
    receiver
        .configure("r", sub["secret"].as_str().unwrap(), 3)
        .await;
    let ids = [
        submit(&app, "r-1", "31000000001").await,
        submit(&app, "r-2", "31000000002").await,
        submit(&app, "r-3", "31000000003").await,
    ];
    let got = receiver.wait_for("r", 3).await;
    let order: Vec<&str> = got
        .iter()
        .map(|d| d["payload"]["data"]["registration_id"].as_str().unwrap())
        .collect();
    assert_eq!(order, ids.iter().map(String::as_str).collect::<Vec<_>>());
    // Nothing was sent ahead of the failing first message.
    assert_eq!(receiver.received("r").await["attempts"], 6);
    app.settle().await;
    let listed = deliveries(&app, "MHLW", sub["id"].as_str().unwrap()).await;
    let attempts: Vec<&Value> = listed.iter().map(|d| &d["attempts"]).collect();
    assert_eq!(attempts, [&json!(1), &json!(1), &json!(4)]);
    assert!(listed.iter().all(|d| d["status"] == "DELIVERED"));
    let subs = subscriptions(&app, "MHLW").await;
    assert_eq!(subs[0]["status"], "ACTIVE");
    assert_eq!(subs[0]["failing_since"], Value::Null);
}

#[tokio::test]
async fn a_subscription_failing_longer_than_allowed_is_disabled() {
    let app = spawn_app_with(|s| s.webhook_disable_after_seconds = 1).await;
    let receiver = WebhookReceiver::start();
    let sub = subscribe(
        &app,
        "MHLW",
        &receiver.url("down"),
        &["APPLICATION_SUBMITTED"],
    )
    .await;
    let id = sub["id"].as_str().unwrap();
    receiver
        .configure("down", sub["secret"].as_str().unwrap(), -1)
        .await;
    submit(&app, "down-1", "32000000001").await;
    let mut status = Value::Null;
    for _ in 0..300 {
        let subs = subscriptions(&app, "MHLW").await;
        status = subs[0].clone();
        if status["status"] == "DISABLED" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(status["status"], "DISABLED", "{status}");
    assert!(status["disabled_reason"]
        .as_str()
        .unwrap()
        .contains("HTTP 503"));
    let attempts = receiver.received("down").await["attempts"].clone();
    assert!(attempts.as_i64().unwrap() >= 2, "{attempts}");

    // Nothing more is queued or sent; a test message is refused.
    app.apply("down-2", &my_number("32000000002")).await;
    let listed = deliveries(&app, "MHLW", id).await;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["status"], "PENDING");
    assert_eq!(listed[0]["last_status_code"], 503);
    let r = send_test(&app, id).await;
    let body = answer(r, StatusCode::CONFLICT).await;
    assert_eq!(body["code"], "SUBSCRIPTION_DISABLED");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(receiver.received("down").await["attempts"], attempts);
}
