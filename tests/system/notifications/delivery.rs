//! Delivery: the outbox without SMTP, exactly once across restarts and
//! rebuilds, and a refused message.

use super::*;
use crate::common::{created_id, outbox_names};

#[tokio::test]
async fn without_an_smtp_url_messages_are_written_to_the_outbox() {
    let data_dir = std::env::temp_dir().join(format!("shikaku-outbox-{}", uuid::Uuid::new_v4()));
    let dir = data_dir.clone();
    let app = spawn_app_with(move |s| s.data_dir = dir).await;
    let id = apply(&app, "hanako", application(&my_number("42345678901"))).await;
    app.settle().await;
    let outbox = data_dir.join("outbox");
    let names = outbox_names(&outbox);
    // Received (event 1) and the payment request with its link (CheckoutOpened, event 3).
    assert_eq!(
        names,
        [
            format!("{id}.1@127.0.0.1.eml"),
            format!("{id}.3@127.0.0.1.eml")
        ]
    );
    let eml = std::fs::read_to_string(outbox.join(&names[0])).unwrap();
    assert!(
        eml.contains(&format!("Message-ID: <{id}.1@127.0.0.1>")),
        "{eml}"
    );
    assert!(eml.contains("To: hanako@example.jp"));
    println!("--- outbox/{} ---\n{eml}", names[0]);
    let _ = std::fs::remove_dir_all(data_dir);
}

#[tokio::test]
async fn a_restart_or_a_rebuild_sends_nothing_twice() {
    let smtp = SmtpServer::start();
    let database_url = fresh_database().await;
    let start = || async {
        let mut settings = test_settings(&database_url);
        settings.smtp_url = smtp.url();
        let app = Application::build(settings).await.unwrap();
        let port = app.port();
        let handle = app.handle();
        let tokens = app.tokens.clone();
        let pool = app.pool.clone();
        let running = tokio::spawn(app.run_until_stopped());
        (port, handle, tokens, pool, running)
    };
    let (port, handle, tokens, pool, running) = start().await;
    let http = reqwest::Client::new();
    let r = http
        .post(format!("http://127.0.0.1:{port}/v1/registrations"))
        .bearer_auth(tokens.mint("hanako", Role::Applicant, 600))
        .json(&application(&my_number("52345678901")))
        .send()
        .await
        .unwrap();
    let id = created_id(r).await;
    let mails = smtp.wait_for("hanako@example.jp", 2).await;
    handle.stop(true).await;
    running.await.unwrap().unwrap();

    // A second process on the same database: the recorded messages stay sent.
    // The applicant pays at the link the mail gave (now served on another port).
    let (port, handle, _, _, running) = start().await;
    let body = mails[1]["body"].as_str().unwrap();
    let link = body
        .lines()
        .find_map(|l| l.strip_prefix("お支払い: "))
        .expect("the payment link");
    let (page, token) = link.split_once('?').unwrap();
    let path = &page[page.find("/sandbox/").unwrap()..];
    assert_eq!(path, format!("/sandbox/payments/{id}"));
    let pay = http
        .post(format!("http://127.0.0.1:{port}{path}/pay?{token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(pay.status(), StatusCode::OK);
    // Run every mail job again, and rebuild the inbox from the events.
    sqlx::query(
        "UPDATE jobs SET state = 'queued', run_at = now()
         WHERE kind IN ('notification.mail', 'notification.mails')",
    )
    .execute(&pool)
    .await
    .unwrap();
    let mut tx = pool.begin().await.unwrap();
    sqlx::query("SELECT 1 FROM subscription_checkpoints WHERE name = 'notifications' FOR UPDATE")
        .execute(&mut *tx)
        .await
        .unwrap();
    sqlx::query("TRUNCATE notifications, notification_recipients")
        .execute(&mut *tx)
        .await
        .unwrap();
    sqlx::query(
        "UPDATE subscription_checkpoints SET last_transaction_id = '0', last_global_position = 0
         WHERE name = 'notifications'",
    )
    .execute(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    wait_for_jobs(&pool).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mails = smtp.to("hanako@example.jp");
    let ids: Vec<&str> = mails
        .iter()
        .map(|m| m["message_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 2, "nothing sent twice: {ids:?}");
    assert_ne!(ids[0], ids[1]);
    let inbox: i64 =
        sqlx::query_scalar("SELECT count(*) FROM notifications WHERE case_id = $1::uuid")
            .bind(&id)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(inbox, 2, "the rebuilt inbox has the same notices");

    // A crash between the server's acceptance and the record: sent again,
    // with the same Message-ID (the README's caveat).
    sqlx::query("DELETE FROM notification_deliveries WHERE message_id = $1")
        .bind(ids[0])
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query(
        "UPDATE jobs SET state = 'queued', run_at = now()
         WHERE id IN (SELECT id FROM job_payloads WHERE payload -> 'message_ids' ? $1)",
    )
    .bind(ids[0])
    .execute(&pool)
    .await
    .unwrap();
    smtp.wait_for("hanako@example.jp", 3).await;
    let last = smtp.messages().pop().unwrap();
    assert_eq!(last["message_id"], ids[0]);
    handle.stop(true).await;
    running.await.unwrap().unwrap();
}

async fn wait_for_jobs(pool: &sqlx::PgPool) {
    for _ in 0..400 {
        let open = crate::common::open_jobs(pool).await;
        let behind: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM subscription_checkpoints c
             WHERE EXISTS (SELECT 1 FROM events e WHERE (e.transaction_id, e.global_position) >
                           (c.last_transaction_id, c.last_global_position))",
        )
        .fetch_one(pool)
        .await
        .unwrap();
        if open == 0 && behind == 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("jobs did not finish");
}

#[tokio::test]
async fn a_refused_message_ends_as_a_dead_job_and_the_case_goes_on() {
    let smtp = SmtpServer::start();
    let app = with_smtp(&smtp).await;
    let mut body = application(&my_number("62345678901"));
    body["email"] = "refuse@example.jp".into();
    let id = apply(&app, "refused", body).await;
    app.pay(&id).await;
    examine(&app, &id, "assignment", json!({})).await;
    let done = approve(&app, &id).await;
    assert_eq!(
        done["status"], "REGISTERED",
        "the case never waits for mail"
    );
    app.settle().await;
    let dead: Vec<(String, i32, Option<String>)> = sqlx::query_as(
        "SELECT state, attempts, last_error FROM jobs WHERE kind = 'notification.mail' ORDER BY id",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        dead.len(),
        4,
        "received, payment requested, registered, certificate ready: {dead:?}"
    );
    for (state, attempts, error) in &dead {
        assert_eq!(state, "dead");
        assert_eq!(*attempts, 3, "retried, then given up");
        assert!(error.as_deref().unwrap_or("").contains("550"), "{error:?}");
    }
    assert!(smtp.to("refuse@example.jp").is_empty());
    // The notices are still in the inbox, not marked as mailed.
    let items = inbox(&app, "refused", "").await;
    assert_eq!(items["items"].as_array().unwrap().len(), 4);
    assert!(items["items"][0]["mailed_at"].is_null());
    // Mail to others still flows.
    apply(&app, "hanako", application(&my_number("72345678901"))).await;
    smtp.wait_for("hanako@example.jp", 2).await;
}
