//! The mail jobs of one claim run as one batch: each job's outcome is its
//! own (a bad address dies, a refusal is retried, the others succeed), each
//! good message goes out exactly once, and one already recorded as sent is
//! not sent again.

use std::collections::BTreeMap;
#[cfg(unix)]
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::sync::Arc;

use sqlx::PgPool;
use tokio::sync::watch;
use workers::jobs::enqueue_all;
use workers::notification::{MailNotice, Mailer, NotificationJob};
use workers::{JobArgs, JobHandler, Worker, WorkerOptions};

use super::*;
use crate::common::{open_jobs, outbox_names};

/// A migrated database of its own, with no application claiming its jobs.
pub(super) async fn queue_only() -> PgPool {
    let pool = eventstore::db::connect(&fresh_database().await, 8)
        .await
        .unwrap();
    eventstore::db::migrate(&pool).await.unwrap();
    pool
}

/// A mail job carrying its whole mail, as jobs were queued before the
/// handler read the inbox.
fn notice(name: &str, to: &str) -> MailNotice {
    MailNotice::whole(
        format!("<batch.{name}@example.jp>"),
        to,
        "ja",
        &format!("【資格登録】{name}"),
        "山田 花子 様\n",
    )
}

async fn enqueue(pool: &PgPool, notices: &[MailNotice]) {
    let jobs: Vec<_> = notices
        .iter()
        .map(|n| n.job(n.message_id.clone()).unwrap())
        .collect();
    let mut conn = pool.acquire().await.unwrap();
    enqueue_all(&mut conn, &jobs).await.unwrap();
}

/// Runs a worker for the mail jobs, room for all of them in one claim,
/// until none is left to run.
async fn work_off(pool: &PgPool, mailer: Mailer) {
    run_until_done(
        pool,
        vec![Arc::new(NotificationJob::new(pool.clone(), mailer))],
    )
    .await;
}

/// Runs a worker with `handlers`, room for eight jobs a claim and quick
/// retries, until no job is left to run.
pub(super) async fn run_until_done(pool: &PgPool, handlers: Vec<Arc<dyn JobHandler>>) {
    let options = WorkerOptions {
        concurrency: 8,
        lease: Duration::from_secs(5),
        backoff_base: Duration::from_millis(20),
        poll: Duration::from_millis(20),
    };
    let (stop, stopped) = watch::channel(false);
    let running = tokio::spawn(Worker::new(pool.clone(), handlers, options).run(stopped));
    for _ in 0..400 {
        if open_jobs(pool).await == 0 {
            stop.send(true).unwrap();
            running.await.unwrap();
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("the mail jobs did not finish");
}

/// The Message-IDs the server received, sorted.
pub(super) fn sent_ids(smtp: &SmtpServer) -> Vec<String> {
    let mut sent: Vec<String> = smtp
        .messages()
        .iter()
        .map(|m| m["message_id"].as_str().unwrap().to_owned())
        .collect();
    sent.sort();
    sent
}

/// Each job's state, attempts and error, by Message-ID.
pub(super) async fn outcomes(pool: &PgPool) -> BTreeMap<String, (String, i32, String)> {
    let rows: Vec<(String, String, i32, Option<String>)> =
        sqlx::query_as("SELECT dedupe_key, state, attempts, last_error FROM jobs")
            .fetch_all(pool)
            .await
            .unwrap();
    rows.into_iter()
        .map(|(key, state, attempts, error)| (key, (state, attempts, error.unwrap_or_default())))
        .collect()
}

pub(super) const FROM: &str = "資格登録事務局 <office@example.jp>";

#[tokio::test]
async fn a_batch_fails_only_its_bad_messages_and_sends_each_good_one_once() {
    let smtp = SmtpServer::start();
    let pool = queue_only().await;
    let notices = [
        notice("good-1", "hanako@example.jp"),
        notice("bad", "not an address"),
        notice("good-2", "taro@example.jp"),
        notice("refused", "refuse@example.jp"),
        notice("recorded", "jiro@example.jp"),
    ];
    // Sent before, and recorded: the crash-free case of a job run twice.
    sqlx::query("INSERT INTO notification_deliveries (message_id, transport) VALUES ($1, 'smtp')")
        .bind(&notices[4].message_id)
        .execute(&pool)
        .await
        .unwrap();
    enqueue(&pool, &notices).await;
    let mailer =
        Mailer::from_settings(&smtp.url(), FROM, "localhost", Path::new("/unused")).unwrap();
    work_off(&pool, mailer.clone()).await;

    let got = outcomes(&pool).await;
    for n in [&notices[0], &notices[2], &notices[4]] {
        let (state, attempts, _) = &got[&n.message_id];
        assert_eq!((state.as_str(), *attempts), ("succeeded", 1), "{got:?}");
    }
    let (state, attempts, error) = &got[&notices[1].message_id];
    assert_eq!((state.as_str(), *attempts), ("dead", 1), "{got:?}");
    assert!(error.contains("invalid message"), "{error}");
    let (state, attempts, error) = &got[&notices[3].message_id];
    assert_eq!(
        (state.as_str(), *attempts),
        ("dead", 3),
        "retried, then given up"
    );
    assert!(error.contains("550"), "{error}");

    // Every job run again: the recorded messages stay sent.
    sqlx::query("UPDATE jobs SET state = 'queued', run_at = now(), attempts = 0")
        .execute(&pool)
        .await
        .unwrap();
    work_off(&pool, mailer).await;
    assert_eq!(
        sent_ids(&smtp),
        [notices[0].message_id.clone(), notices[2].message_id.clone()],
        "each good message once, the recorded one never"
    );
    let recorded: Vec<String> =
        sqlx::query_scalar("SELECT message_id FROM notification_deliveries ORDER BY message_id")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(recorded, [0, 2, 4].map(|i| notices[i].message_id.clone()));
}

#[tokio::test]
async fn a_batch_writes_the_outbox_files_owner_only_and_whole() {
    let pool = queue_only().await;
    let outbox = std::env::temp_dir()
        .join(format!("shikaku-batch-{}", uuid::Uuid::new_v4()))
        .join("outbox");
    let notices = [
        notice("one", "hanako@example.jp"),
        notice("bad", "not an address"),
        notice("two", "taro@example.jp"),
    ];
    enqueue(&pool, &notices).await;
    work_off(
        &pool,
        Mailer::from_settings("", FROM, "localhost", &outbox).unwrap(),
    )
    .await;

    let got = outcomes(&pool).await;
    assert_eq!(got[&notices[0].message_id].0, "succeeded", "{got:?}");
    assert_eq!(got[&notices[1].message_id].0, "dead", "{got:?}");
    assert_eq!(got[&notices[2].message_id].0, "succeeded", "{got:?}");
    let names = outbox_names(&outbox);
    assert_eq!(
        names,
        ["batch.one@example.jp.eml", "batch.two@example.jp.eml"],
        "no temporary file is left behind"
    );
    let eml = std::fs::read_to_string(outbox.join(&names[0])).unwrap();
    assert!(eml.contains("Message-ID: <batch.one@example.jp>"), "{eml}");
    #[cfg(unix)]
    {
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&outbox), 0o700);
        assert_eq!(mode(&outbox.join(&names[1])), 0o600);
    }
    let _ = std::fs::remove_dir_all(outbox.parent().unwrap());
}

/// Writes a notice to the inbox, as the producer does beside its mail job.
pub(super) async fn notice_in_inbox(pool: &PgPool, message_id: &str, email: &str, subject: &str) {
    sqlx::query(
        "INSERT INTO notifications (id, message_id, case_type, case_id, sequence, kind, email,
                                    language, subject, body, created_at)
         VALUES (gen_random_uuid(), $1, 'QualificationRegistration', gen_random_uuid(), 1,
                 'received', $2, 'ja', $3, '山田 花子 様\n', now())",
    )
    .bind(message_id)
    .bind(email)
    .bind(subject)
    .execute(pool)
    .await
    .unwrap();
}

#[tokio::test]
async fn a_job_of_a_message_id_mails_the_inbox_notice_and_waits_for_one_not_there_yet() {
    let smtp = SmtpServer::start();
    let pool = queue_only().await;
    let (there, rebuilt) = ("<batch.there@example.jp>", "<batch.rebuilt@example.jp>");
    notice_in_inbox(&pool, there, "hanako@example.jp", "【資格登録】受付").await;
    let jobs = [MailNotice::of(there.into()), MailNotice::of(rebuilt.into())];
    enqueue(&pool, &jobs).await;
    let payloads: Vec<serde_json::Value> = sqlx::query_scalar(
        "SELECT p.payload FROM jobs j JOIN job_payloads p USING (id) ORDER BY j.dedupe_key",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(
        payloads,
        [
            serde_json::json!({"message_id": rebuilt}),
            serde_json::json!({"message_id": there})
        ],
        "the job holds no address and no text"
    );
    let mailer =
        Mailer::from_settings(&smtp.url(), FROM, "localhost", Path::new("/unused")).unwrap();

    // The notice not in the inbox (its view being rebuilt) is tried again.
    let handler = Arc::new(NotificationJob::new(pool.clone(), mailer.clone()));
    let worker = Worker::new(pool.clone(), vec![handler], WorkerOptions::default());
    while worker.run_one().await.unwrap() {}
    let got = outcomes(&pool).await;
    assert_eq!(got[there].0, "succeeded", "{got:?}");
    let (state, attempts, error) = &got[rebuilt];
    assert_eq!((state.as_str(), *attempts), ("queued", 1), "{got:?}");
    assert!(error.contains("not in the inbox"), "{error}");

    notice_in_inbox(&pool, rebuilt, "taro@example.jp", "【資格登録】再構築").await;
    sqlx::query("UPDATE jobs SET run_at = now() WHERE state = 'queued'")
        .execute(&pool)
        .await
        .unwrap();
    work_off(&pool, mailer).await;
    let mut sent: Vec<(String, String, String)> = smtp
        .messages()
        .iter()
        .map(|m| {
            let field = |k: &str| m[k].as_str().unwrap().to_owned();
            (field("message_id"), field("to"), field("subject"))
        })
        .collect();
    sent.sort();
    assert_eq!(
        sent,
        [
            (
                rebuilt.into(),
                "taro@example.jp".into(),
                "【資格登録】再構築".into()
            ),
            (
                there.into(),
                "hanako@example.jp".into(),
                "【資格登録】受付".into()
            ),
        ],
        "each mail once, with the inbox's address and text"
    );
}
