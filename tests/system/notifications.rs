//! Notifications against a real SMTP server (aiosmtpd, started per test):
//! the messages of whole procedures, their language and headers, the inbox,
//! exactly-once delivery across restarts and rebuilds, refusals, and the
//! addressee of a death notification.

use crate::support::smtp;

use std::time::Duration;

use crate::common::{
    application, fresh_database, my_number, spawn_app_with, test_settings, TestApp,
};
use domain::Role;
use reqwest::StatusCode;
use serde_json::{json, Value};
use shikaku::Application;
use smtp::SmtpServer;

async fn ok(r: reqwest::Response) -> Value {
    let status = r.status();
    let body: Value = r.json().await.unwrap();
    assert!(status.is_success(), "{status}: {body}");
    body
}

/// Applies with `body` as `sub`; returns the case id.
async fn apply(app: &TestApp, sub: &str, body: Value) -> String {
    let r = app
        .post("/v1/registrations", &app.token(Role::Applicant, sub), &body)
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    ok(r).await["id"].as_str().unwrap().to_owned()
}

async fn examine(app: &TestApp, id: &str, path: &str, body: Value) -> Value {
    let examiner = app.token(Role::Examiner, "ex-1");
    ok(app
        .post(&format!("/v1/registrations/{id}/{path}"), &examiner, &body)
        .await)
    .await
}

async fn approve(app: &TestApp, id: &str) -> Value {
    examine(app, id, "decision-proposals", json!({"outcome": "APPROVE"})).await;
    ok(app
        .post(
            &format!("/v1/registrations/{id}/decision-approvals"),
            &app.token(Role::SeniorExaminer, "sr-1"),
            &json!({}),
        )
        .await)
    .await
}

async fn inbox(app: &TestApp, sub: &str, query: &str) -> Value {
    ok(app
        .get(
            &format!("/v1/notifications{query}"),
            &app.token(Role::Applicant, sub),
        )
        .await)
    .await
}

fn subjects(messages: &[Value]) -> Vec<String> {
    messages
        .iter()
        .map(|m| m["subject"].as_str().unwrap().to_owned())
        .collect()
}

async fn with_smtp(smtp: &SmtpServer) -> TestApp {
    let url = smtp.url();
    spawn_app_with(move |s| s.smtp_url = url).await
}

#[tokio::test]
async fn a_whole_procedure_is_mailed_in_the_applicants_language_and_kept_in_the_inbox() {
    let smtp = SmtpServer::start();
    let app = with_smtp(&smtp).await;
    let number = my_number("12345678901");
    let id = apply(&app, "hanako", application(&number)).await;
    app.pay(&id).await;
    examine(&app, &id, "assignment", json!({})).await;
    let message = "合格証書の写しを添付してください。Please attach it <as written> & sign.";
    examine(
        &app,
        &id,
        "information-requests",
        json!({"reason_code": "DOCUMENT_MISSING", "message": message}),
    )
    .await;
    let hanako = app.token(Role::Applicant, "hanako");
    ok(app
        .post(
            &format!("/v1/registrations/{id}/responses"),
            &hanako,
            &json!({"message": "添付しました"}),
        )
        .await)
    .await;
    let registered = approve(&app, &id).await;
    let number_on_register = registered["registration_number"].as_str().unwrap();

    // Registration is followed by the digital certificate (a job): five mails.
    let mails = smtp.wait_for("hanako@example.jp", 5).await;
    let s = subjects(&mails);
    assert_eq!(mails.len(), 5, "one mail per state change: {s:#?}");
    assert!(s[4].contains("デジタル登録証を発行しました"), "{s:?}");
    assert!(
        mails[4]["body"].as_str().unwrap().contains("/verify?c="),
        "the certificate's verification link"
    );
    assert!(
        s[0].contains("申請を受け付けました") && s[0].contains("介護福祉士"),
        "{s:?}"
    );
    assert!(s[1].contains("手数料のお支払い"), "{s:?}");
    assert!(s[2].contains("対応をお願いします"), "{s:?}");
    assert!(
        s[3].contains("登録が完了しました") && s[3].contains(number_on_register),
        "{s:?}"
    );
    assert!(mails[0]["body"]
        .as_str()
        .unwrap()
        .starts_with("山田 花子 様"));
    let payment = mails[1]["body"].as_str().unwrap();
    assert!(payment.contains("12,320 円"), "{payment}");
    assert!(
        payment.contains(&format!("/sandbox/payments/{id}")),
        "the checkout link: {payment}"
    );
    let action = mails[2]["body"].as_str().unwrap();
    assert!(
        action.contains(message),
        "the examiner's message as written:\n{action}"
    );
    assert!(action.contains("DOCUMENT_MISSING") && action.contains("書類の不足"));
    assert!(mails[3]["body"]
        .as_str()
        .unwrap()
        .contains(&format!("登録番号: {number_on_register}")));
    for (i, m) in mails.iter().enumerate() {
        let raw = m["raw"].as_str().unwrap();
        assert!(raw.is_ascii(), "7-bit on the wire");
        assert!(
            raw.contains("Subject: =?utf-8?"),
            "RFC 2047 subject:\n{raw}"
        );
        assert!(raw.contains("Content-Type: text/plain; charset=utf-8"));
        assert_eq!(m["content_language"], "ja");
        assert!(
            m["from"].as_str().unwrap().contains("資格登録事務局"),
            "{}",
            m["from"]
        );
        let mid = m["message_id"].as_str().unwrap();
        assert!(
            mid.starts_with(&format!("<{id}.")) && mid.ends_with("@127.0.0.1>"),
            "stable Message-ID from case and event: {mid}"
        );
        assert!(mails[..i]
            .iter()
            .all(|o| o["message_id"] != m["message_id"]));
        let text = format!("{raw}{}{}", m["subject"], m["body"]);
        assert!(!text.contains(&number), "no My Number in any message");
        assert!(
            !text.contains("霞が関") && !text.contains("東京都千代田区"),
            "no address or domicile"
        );
    }
    println!("--- a received message ---\n{}\n\n{}", s[2], action);

    // The inbox: the same text, newest first, paginated; the My Number nowhere.
    app.settle().await;
    let page = inbox(&app, "hanako", "?limit=3").await;
    let items = page["items"].as_array().unwrap();
    let kinds: Vec<&str> = items.iter().map(|i| i["kind"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        ["certificate_ready", "registered", "action_required"]
    );
    for (item, mail) in items.iter().zip(mails.iter().rev()) {
        assert_eq!(item["subject"], mail["subject"]);
        assert_eq!(
            item["body"].as_str().unwrap().trim_end(),
            mail["body"]
                .as_str()
                .unwrap()
                .replace("\r\n", "\n")
                .trim_end()
        );
        assert_eq!(item["message_id"], mail["message_id"]);
        assert!(item["mailed_at"].is_string(), "{item}");
        assert_eq!(item["case_type"], "REGISTRATION");
    }
    let cursor = page["next_cursor"].as_str().unwrap();
    let rest = inbox(&app, "hanako", &format!("?limit=3&cursor={cursor}")).await;
    assert_eq!(rest["items"].as_array().unwrap().len(), 2);
    assert_eq!(rest["items"][1]["kind"], "received");
    assert!(rest["next_cursor"].is_null());
    assert!(!page.to_string().contains(&number) && !rest.to_string().contains(&number));
    // Someone else's inbox is their own.
    assert_eq!(inbox(&app, "someone-else", "").await["items"], json!([]));

    // An English applicant who withdraws reads English.
    let mut body = application(&my_number("22345678901"));
    body["email"] = "john@example.com".into();
    body["preferred_language"] = "en".into();
    body["family_name"] = "Smith".into();
    body["given_name"] = "John".into();
    let en = apply(&app, "john", body).await;
    // They read the payment request, then change their mind.
    smtp.wait_for("john@example.com", 2).await;
    ok(app
        .post(
            &format!("/v1/registrations/{en}/withdrawal"),
            &app.token(Role::Applicant, "john"),
            &json!({}),
        )
        .await)
    .await;
    let mails = smtp.wait_for("john@example.com", 3).await;
    let s = subjects(&mails);
    assert!(
        s[0].starts_with("[Qualification registration] Received: new registration"),
        "{s:?}"
    );
    assert!(s[0].contains("Certified Care Worker"), "{s:?}");
    assert!(s[1].contains("Please pay the fee"), "{s:?}");
    assert!(s[2].contains("withdrawn"), "{s:?}");
    assert!(mails[1]["body"].as_str().unwrap().contains("JPY 12,320"));
    assert!(mails[0]["body"]
        .as_str()
        .unwrap()
        .starts_with("Dear John Smith,"));
    assert!(mails.iter().all(|m| m["content_language"] == "en"));
    println!(
        "--- an English message ---\n{}\n\n{}",
        s[1],
        mails[1]["body"].as_str().unwrap()
    );
}

#[tokio::test]
async fn a_paid_application_withdrawn_is_told_of_its_refund() {
    let smtp = SmtpServer::start();
    let app = with_smtp(&smtp).await;
    let mut body = application(&my_number("92345678901"));
    body["email"] = "taro@example.jp".into();
    let id = apply(&app, "taro", body).await;
    app.pay(&id).await;
    ok(app
        .post(
            &format!("/v1/registrations/{id}/withdrawal"),
            &app.token(Role::Applicant, "taro"),
            &json!({}),
        )
        .await)
    .await;
    let mails = smtp.wait_for("taro@example.jp", 4).await;
    let s = subjects(&mails);
    assert!(s[2].contains("取下げ"), "{s:?}");
    assert!(s[3].contains("返金しました"), "{s:?}");
    let refund = mails[3]["body"].as_str().unwrap();
    assert!(refund.contains("手数料 12,320 円を"), "{refund}");
}

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
    let r = app
        .http
        .get(format!("{}/v1/notifications", app.base))
        .send()
        .await
        .unwrap();
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
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let problem: Value = r.json().await.unwrap();
    assert_eq!(problem["errors"][0]["pointer"], "/preferred_language");
}

#[tokio::test]
async fn without_an_smtp_url_messages_are_written_to_the_outbox() {
    let data_dir = std::env::temp_dir().join(format!("shikaku-outbox-{}", uuid::Uuid::new_v4()));
    let dir = data_dir.clone();
    let app = spawn_app_with(move |s| s.data_dir = dir).await;
    let id = apply(&app, "hanako", application(&my_number("42345678901"))).await;
    app.settle().await;
    let outbox = data_dir.join("outbox");
    let mut names: Vec<String> = std::fs::read_dir(&outbox)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
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
    assert_eq!(r.status(), StatusCode::CREATED);
    let id = r.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
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
        "UPDATE jobs SET state = 'queued', run_at = now() WHERE kind = 'notification.mail'",
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
    sqlx::query("UPDATE jobs SET state = 'queued', run_at = now() WHERE dedupe_key = $1")
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
        let open: i64 =
            sqlx::query_scalar("SELECT count(*) FROM jobs WHERE state IN ('queued', 'running')")
                .fetch_one(pool)
                .await
                .unwrap();
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

#[tokio::test]
async fn a_death_notification_is_answered_to_the_notifier_never_the_deceased() {
    let smtp = SmtpServer::start();
    let app = with_smtp(&smtp).await;
    let mut body = application(&my_number("82345678901"));
    body["email"] = "grandpa@example.jp".into();
    let reg = apply(&app, "grandpa", body).await;
    app.pay(&reg).await;
    examine(&app, &reg, "assignment", json!({})).await;
    approve(&app, &reg).await;
    // Received, payment requested, registered, certificate ready.
    smtp.wait_for("grandpa@example.jp", 4).await;

    let attachment = app.upload_pdf("grandchild").await;
    let number = app.registration(&reg).await["registration_number"].clone();
    let relative = app.token(Role::Applicant, "grandchild");
    let r = app
        .post(
            "/v1/death-notifications",
            &relative,
            &json!({"qualification_code": "CARE_WORKER", "registration_number": number,
                    "family_name": "山田", "given_name": "花子", "date_of_birth": "1990-04-01",
                    "date_of_death": "2026-10-01", "notifier_relationship": "grandchild",
                    "attachment_ids": [attachment],
                    "email": "grandchild@example.jp", "preferred_language": "en"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    // The list is a view: wait until it has caught up with the notice.
    app.settle().await;
    let filed = ok(app.get("/v1/change-requests", &relative).await).await;
    let death = filed["items"][0]["id"].as_str().unwrap().to_owned();
    let examiner = app.token(Role::Examiner, "ex-cr");
    for (path, body) in [
        ("assignment", json!({})),
        ("decision-proposals", json!({"outcome": "APPROVE"})),
    ] {
        ok(app
            .post(
                &format!("/v1/change-requests/{death}/{path}"),
                &examiner,
                &body,
            )
            .await)
        .await;
    }
    ok(app
        .post(
            &format!("/v1/change-requests/{death}/decision-approvals"),
            &app.token(Role::SeniorExaminer, "sr-cr"),
            &json!({}),
        )
        .await)
    .await;
    let mails = smtp.wait_for("grandchild@example.jp", 2).await;
    app.settle().await;
    let s = subjects(&mails);
    assert!(
        s[0].contains("Received: deletion of the registration"),
        "{s:?}"
    );
    assert!(s[1].contains("is complete"), "{s:?}");
    let body = mails[1]["body"].as_str().unwrap();
    assert!(body.starts_with("Dear notifier,"), "{body}");
    assert!(body.contains("notification of death"), "{body}");
    assert!(
        !body.contains("山田"),
        "the notifier's mail does not name the deceased"
    );
    assert_eq!(
        smtp.to("grandpa@example.jp").len(),
        4,
        "nothing more to the deceased"
    );
    let theirs = inbox(&app, "grandchild", "").await;
    let kinds: Vec<&str> = theirs["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["change_applied", "received"]);
    assert_eq!(theirs["items"][0]["case_type"], "CHANGE_REQUEST");
    assert_eq!(
        inbox(&app, "grandpa", "").await["items"]
            .as_array()
            .unwrap()
            .len(),
        4
    );
}

#[tokio::test]
async fn unresolved_domicile_rejection_and_change_of_address_are_told_without_personal_details() {
    let smtp = SmtpServer::start();
    let url = smtp.url();
    let unresolved = my_number("23456789012");
    let fixtures = std::env::temp_dir().join(format!("registry-{}.csv", uuid::Uuid::new_v4()));
    std::fs::write(
        &fixtures,
        format!(
            "my_number,family_name,given_name,address,registered_domicile,domicile_status\n\
             {unresolved},山田,花子,東京都千代田区霞が関1-2-2,東京都千代田区,UNRESOLVED\n"
        ),
    )
    .unwrap();
    let path = fixtures.to_string_lossy().into_owned();
    let app = spawn_app_with(move |s| {
        s.smtp_url = url;
        s.registry_fixtures = path;
    })
    .await;

    // The family register cannot establish the domicile: say what to attach.
    let mut body = application(&unresolved);
    body["email"] = "sato@example.jp".into();
    let id = apply(&app, "sato", body).await;
    app.pay(&id).await;
    let mails = smtp.wait_for("sato@example.jp", 3).await;
    let action = mails[2]["body"].as_str().unwrap();
    assert!(mails[2]["subject"]
        .as_str()
        .unwrap()
        .contains("対応をお願いします"));
    assert!(
        action.contains("DOMICILE_UNRESOLVED") && action.contains("戸籍謄本"),
        "{action}"
    );
    assert!(
        !action.contains("東京都千代田区") && !action.contains(&unresolved),
        "{action}"
    );

    // A rejection names its reason.
    let mut body = application(&my_number("33456789012"));
    body["email"] = "ken@example.jp".into();
    body["preferred_language"] = "en".into();
    let rejected = apply(&app, "ken", body).await;
    app.pay(&rejected).await;
    examine(&app, &rejected, "assignment", json!({})).await;
    examine(
        &app,
        &rejected,
        "decision-proposals",
        json!({"outcome": "REJECT", "reason_code": "NOT_ELIGIBLE", "note": "internal note"}),
    )
    .await;
    ok(app
        .post(
            &format!("/v1/registrations/{rejected}/decision-approvals"),
            &app.token(Role::SeniorExaminer, "sr-1"),
            &json!({}),
        )
        .await)
    .await;
    let mails = smtp.wait_for("ken@example.jp", 3).await;
    let last = mails[2]["body"].as_str().unwrap();
    assert!(mails[2]["subject"]
        .as_str()
        .unwrap()
        .contains("Decision on your application"));
    assert!(
        last.contains("the requirements for registration are not met (NOT_ELIGIBLE)"),
        "{last}"
    );
    assert!(
        !last.contains("internal note"),
        "the examiners' own note stays inside"
    );

    // The holder's change of address: received and applied, the new address never written.
    let mut body = application(&my_number("43456789012"));
    body["email"] = "mari@example.jp".into();
    let reg = apply(&app, "mari", body).await;
    app.pay(&reg).await;
    examine(&app, &reg, "assignment", json!({})).await;
    approve(&app, &reg).await;
    let r = app
        .post(
            &format!("/v1/registrations/{reg}/change-requests"),
            &app.token(Role::Applicant, "mari"),
            &json!({"kind": "CHANGE_ADDRESS", "changes": {"address": "大阪府大阪市北区梅田1-1"}}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let change = ok(r).await["id"].as_str().unwrap().to_owned();
    let examiner = app.token(Role::Examiner, "ex-cr");
    for (path, body) in [
        ("assignment", json!({})),
        ("decision-proposals", json!({"outcome": "APPROVE"})),
    ] {
        ok(app
            .post(
                &format!("/v1/change-requests/{change}/{path}"),
                &examiner,
                &body,
            )
            .await)
        .await;
    }
    ok(app
        .post(
            &format!("/v1/change-requests/{change}/decision-approvals"),
            &app.token(Role::SeniorExaminer, "sr-cr"),
            &json!({}),
        )
        .await)
    .await;
    // After received, payment requested, registered and certificate ready.
    let mails = smtp.wait_for("mari@example.jp", 6).await;
    let s = subjects(&mails[4..]);
    assert!(s[0].contains("住所の変更の申請を受け付けました"), "{s:?}");
    assert!(s[1].contains("住所の変更が完了しました"), "{s:?}");
    for m in &mails {
        let text = format!("{}{}", m["subject"], m["body"]);
        assert!(!text.contains("大阪") && !text.contains("霞が関"), "{text}");
    }
    app.settle().await;
    // The registration's certificate is issued by a job that may finish
    // after the change, so the change's notices are found by case, not by
    // their place in the inbox.
    let items = inbox(&app, "mari", "").await;
    let of_change: Vec<&Value> = items["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["case_id"] == change.as_str())
        .collect();
    assert_eq!(of_change.len(), 2, "received and applied: {items}");
    assert!(
        of_change.iter().all(|n| n["case_type"] == "CHANGE_REQUEST"),
        "{items}"
    );
    let _ = std::fs::remove_file(fixtures);
}
