//! The inbox's notices are mailed in batch jobs: each message once however
//! many batches hold it, none already sent, and one that fails gets a job of
//! its own that retries and dies on its own.

use std::path::Path;
use std::sync::Arc;

use workers::jobs::enqueue_all;
use workers::notification::{MailBatch, MailBatchJob, Mailer, NotificationJob};
use workers::JobArgs;

use super::batch::{notice_in_inbox, outcomes, queue_only, run_until_done, sent_ids, FROM};
use super::*;

#[tokio::test]
async fn a_batch_mails_each_notice_once_and_gives_a_refused_one_a_job_of_its_own() {
    let smtp = SmtpServer::start();
    let pool = queue_only().await;
    let id = |name: &str| format!("<mails.{name}@example.jp>");
    notice_in_inbox(&pool, &id("a"), "hanako@example.jp", "【資格登録】受付").await;
    notice_in_inbox(&pool, &id("b"), "refuse@example.jp", "【資格登録】受付").await;
    notice_in_inbox(&pool, &id("c"), "taro@example.jp", "【資格登録】受付").await;
    notice_in_inbox(&pool, &id("d"), "jiro@example.jp", "【資格登録】受付").await;
    sqlx::query("INSERT INTO notification_deliveries (message_id, transport) VALUES ($1, 'smtp')")
        .bind(id("d"))
        .execute(&pool)
        .await
        .unwrap();
    // Two batches that share a message, as a rebuilt inbox may queue them.
    let batches = [
        MailBatch {
            message_ids: vec![id("a"), id("b")],
        },
        MailBatch {
            message_ids: vec![id("a"), id("c"), id("d")],
        },
    ];
    let jobs: Vec<_> = batches.iter().map(|b| b.job(b.key()).unwrap()).collect();
    let mut conn = pool.acquire().await.unwrap();
    enqueue_all(&mut conn, &jobs).await.unwrap();
    drop(conn);

    let mailer =
        Mailer::from_settings(&smtp.url(), FROM, "localhost", Path::new("/unused")).unwrap();
    let mail = Arc::new(NotificationJob::new(pool.clone(), mailer));
    run_until_done(&pool, vec![Arc::new(MailBatchJob::new(mail.clone())), mail]).await;

    assert_eq!(
        sent_ids(&smtp),
        [id("a"), id("c")],
        "each once, the one already sent not again"
    );
    let got = outcomes(&pool).await;
    for b in &batches {
        assert_eq!(got[&b.key()].0, "succeeded", "{got:?}");
    }
    let (state, attempts, error) = &got[&id("b")];
    assert_eq!(
        (state.as_str(), *attempts),
        ("dead", 3),
        "the refused message retried in its own job: {got:?}"
    );
    assert!(error.contains("550"), "{error}");
    assert_eq!(got.len(), 3, "no other job: {got:?}");
}
