//! The checkout: the session the worker opens (once, even when killed
//! mid-request), the sandbox's signed link, and no Stripe routes without Stripe.

use super::*;
use crate::common::created_id;
use domain::CaseKind;
use workers::payment::checkout_batch::QueuedCheckout;
use workers::payment::jobs::CaseRef;
use workers::payment::CheckoutBatch;
use workers::JobArgs;

#[tokio::test]
async fn the_worker_opens_one_checkout_session_with_the_fee_in_whole_yen() {
    let fake = FakeStripe::start();
    let app = stripe_app(&fake).await;
    let (id, session_id) = applied(&app, &fake, "a", "40000000001").await;

    let creates = fake.creates();
    assert_eq!(creates.len(), 1);
    let sent = &creates[0];
    assert_eq!(
        sent.authorization.as_deref(),
        Some("Bearer sk_test_shikaku")
    );
    assert_eq!(
        sent.idempotency_key.as_deref(),
        Some(format!("checkout-{id}-fee12320-0").as_str()),
        "derived from the case and the fee assessment, not random"
    );
    let f = &sent.form;
    assert_eq!(f["mode"], "payment");
    assert_eq!(f["line_items[0][price_data][currency]"], "jpy");
    assert_eq!(f["line_items[0][price_data][unit_amount]"], "12320");
    assert_eq!(f["line_items[0][quantity]"], "1");
    assert_eq!(f["client_reference_id"], id);
    assert_eq!(f["metadata[case_id]"], id);
    assert_eq!(f["metadata[case_type]"], "registration");
    assert!(f["success_url"].starts_with(&format!("{}/payments/return?case_id={id}", app.base)));
    assert!(f["cancel_url"].starts_with(&app.base));

    let seen = app.registration(&id).await;
    assert_eq!(seen["payment"]["status"], "PENDING");
    assert_eq!(
        seen["payment"]["checkout_url"],
        format!("https://checkout.stripe.test/c/pay/{session_id}")
    );
    // With Stripe as the gateway the sandbox is not there.
    let r = app.sandbox_page(&id).await;
    assert_eq!(r, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_worker_killed_mid_checkout_reuses_the_idempotency_key_and_opens_one_session() {
    let fake = FakeStripe::start();
    fake.hang_creates(1);
    let database_url = common::fresh_database().await;
    let data_dir = std::env::temp_dir().join(format!("shikaku-kill-{}", uuid::Uuid::new_v4()));
    let tokens = api::auth::TokenKeys::new(crate::common::JWT_SECRET.as_bytes());
    let applicant = tokens.mint("killed", Role::Applicant, 600);
    let observer = tokens.mint("observer", Role::SeniorExaminer, 600);
    let http = reqwest::Client::new();

    let (mut first, base) = serve(&database_url, &fake, &data_dir);
    let r = http
        .post(format!("{base}/v1/registrations"))
        .bearer_auth(&applicant)
        .json(&application(&my_number("40000000008")))
        .send()
        .await
        .unwrap();
    let id = created_id(r).await;
    for _ in 0..400 {
        if !fake.creates().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert_eq!(
        fake.creates().len(),
        1,
        "the worker is inside the Stripe call"
    );
    first.kill().unwrap(); // SIGKILL: no clean-up of any kind
    first.wait().unwrap();

    let (mut second, base) = serve(&database_url, &fake, &data_dir);
    let mut url = Value::Null;
    for _ in 0..400 {
        let seen: Value = http
            .get(format!("{base}/v1/registrations/{id}"))
            .bearer_auth(&observer)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        url = seen["payment"]["checkout_url"].clone();
        if url.is_string() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    second.kill().unwrap();
    second.wait().unwrap();
    assert!(url.is_string(), "the checkout was opened after the restart");
    let keys: Vec<_> = fake
        .creates()
        .into_iter()
        .map(|r| r.idempotency_key)
        .collect();
    assert_eq!(keys.len(), 2, "the retried job called Stripe again");
    assert_eq!(keys[0], keys[1], "with the same Idempotency-Key");
    assert_eq!(fake.session_count(), 1, "so exactly one session exists");
}

#[tokio::test]
async fn the_sandbox_pays_and_declines_only_with_the_cases_signed_link() {
    let app = common::spawn_app().await;
    let id = app.apply("h", &my_number("40000000009")).await;
    let other = app.apply("i", &my_number("40000000010")).await;
    let url = app.checkout_url(&id).await;
    let other_url = app.checkout_url(&other).await;
    let (_, other_token) = other_url.split_once('?').unwrap();
    for attempt in [
        format!("{}/sandbox/payments/{id}/pay", app.base),
        format!("{}/sandbox/payments/{id}/pay?token=", app.base),
        format!("{}/sandbox/payments/{id}/pay?{other_token}", app.base),
        format!("{}/sandbox/payments/{id}/decline?{other_token}", app.base),
        format!("{}/sandbox/payments/{id}/pay?token=9999999999.00", app.base),
    ] {
        let r = app.http.post(&attempt).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{attempt}");
    }
    let page = app.get_anonymous(&format!("/sandbox/payments/{id}")).await;
    assert_eq!(page.status(), StatusCode::NOT_FOUND);
    let page = app.http.get(&url).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert_eq!(app.registration(&id).await["payment"]["status"], "PENDING");
    app.pay(&id).await;
    assert_eq!(app.registration(&id).await["payment"]["status"], "PAID");
    assert_eq!(
        app.registration(&other).await["payment"]["status"],
        "PENDING"
    );
}

#[tokio::test]
async fn stripe_webhooks_are_not_there_without_stripe() {
    let app = common::spawn_app().await;
    let body = event(
        "evt_x",
        "checkout.session.completed",
        &json!({"id": "cs_x"}),
    );
    let r = signed(&app, &body).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn checkouts_claimed_together_open_one_session_each_and_commit_together() {
    let fake = FakeStripe::start();
    let database_url = common::fresh_database().await;
    // Without workers the cases wait, each with its checkout job queued, so
    // the worker started next claims them all at once.
    let queued = common::spawn_app_on(&database_url, |s| {
        with_stripe(&fake)(s);
        s.run_workers = false;
    })
    .await;
    let mut ids = Vec::new();
    for i in 0..6 {
        let applicant = queued.token(Role::Applicant, &format!("batch-{i}"));
        let number = my_number(&format!("400000002{i:02}"));
        let r = queued
            .post("/v1/registrations", &applicant, &application(&number))
            .await;
        ids.push(created_id(r).await);
    }
    for _ in 0..400 {
        // Queued in batches, each case once.
        let jobs: i64 = sqlx::query_scalar(
            "SELECT coalesce(sum(jsonb_array_length(p.payload -> 'checkouts')), 0)
             FROM jobs j JOIN job_payloads p USING (id) WHERE j.kind = 'payment.checkouts'",
        )
        .fetch_one(&queued.pool)
        .await
        .unwrap();
        if jobs == 6 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert!(fake.creates().is_empty(), "nothing runs the jobs yet");
    queued.handle.stop(true).await;

    let app = common::spawn_app_on(&database_url, with_stripe(&fake)).await;
    for id in &ids {
        let url = app.checkout_url(id).await;
        assert!(
            url.starts_with("https://checkout.stripe.test/c/pay/cs_test_"),
            "{url}"
        );
    }
    let mut keys: Vec<_> = fake
        .creates()
        .into_iter()
        .map(|r| r.idempotency_key)
        .collect();
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), 6, "one call per case, each with its own key");
    assert_eq!(fake.session_count(), 6);
    let (events, transactions): (i64, i64) = sqlx::query_as(
        "SELECT count(*), count(DISTINCT transaction_id) FROM events
         WHERE event_type = 'CheckoutOpened'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(events, 6, "one checkout recorded on each case");
    assert_eq!(transactions, 1, "recorded in the batch's one transaction");
}

#[tokio::test]
async fn a_case_its_batch_cannot_serve_gets_a_checkout_job_of_its_own() {
    let fake = FakeStripe::start();
    let app = stripe_app(&fake).await;
    let (id, _) = applied(&app, &fake, "b", "40000000301").await;
    let never = uuid::Uuid::new_v4().to_string();
    // A batch with a case whose checkout is open and one never filed.
    let batch = CheckoutBatch {
        checkouts: vec![
            QueuedCheckout {
                case: CaseRef {
                    case_type: CaseKind::Registration,
                    case_id: id.clone(),
                },
                key: format!("{id}:9"),
            },
            QueuedCheckout {
                case: CaseRef {
                    case_type: CaseKind::Registration,
                    case_id: never.clone(),
                },
                key: format!("{never}:2"),
            },
        ],
    };
    let mut conn = app.pool.acquire().await.unwrap();
    workers::jobs::enqueue_all(&mut conn, &[batch.job(batch.key()).unwrap()])
        .await
        .unwrap();
    drop(conn);
    app.settle().await;

    let jobs: Vec<(String, String, String, i32, Option<String>)> = sqlx::query_as(
        "SELECT kind, dedupe_key, state, attempts, last_error FROM jobs
         WHERE dedupe_key IN ($1, $2) ORDER BY kind",
    )
    .bind(batch.key())
    .bind(format!("{never}:2"))
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(jobs.len(), 2, "{jobs:?}");
    let (kind, _, state, attempts, error) = &jobs[0];
    assert_eq!(
        (kind.as_str(), state.as_str(), *attempts),
        ("payment.checkout", "dead", 1),
        "the case never filed dies in its own job: {jobs:?}"
    );
    assert_eq!(error.as_deref(), Some("no such case"));
    assert_eq!(
        (jobs[1].0.as_str(), jobs[1].2.as_str()),
        ("payment.checkouts", "succeeded"),
        "{jobs:?}"
    );
    assert_eq!(
        fake.creates().len(),
        1,
        "the open checkout is not opened again"
    );
}
