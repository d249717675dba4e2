//! Telling the holder: their certificates and wallet credentials, when each
//! was issued and where it stands, on the registration, its `/credentials`
//! and the portal (holder and staff only); and one notice, in the inbox and
//! by mail, when they are suspended or revoked, never lost, never repeated
//! by a rebuild.

use std::time::{Duration, Instant};

use adapters::certificate::set_registration_status;
use certificate::Status;
use uuid::Uuid;

use super::*;
use crate::common::certificates::{certificate_when, reissue};
use crate::common::console::browser;
use crate::common::{problem, spawn_app, spawn_app_with};
use crate::support::smtp::SmtpServer;

/// GET as `role`/`sub`; the JSON of a 200.
async fn read(app: &TestApp, role: Role, sub: &str, path: &str) -> Value {
    answer(app.get_as(role, sub, path).await, StatusCode::OK).await
}

/// The statuses of the registration's certificates and wallet credentials.
fn statuses(held: &Value) -> (Vec<String>, Vec<String>) {
    let list = |k: &str| -> Vec<String> {
        held[k]
            .as_array()
            .unwrap_or_else(|| panic!("no {k} in {held}"))
            .iter()
            .map(|c| c["status"].as_str().unwrap().to_owned())
            .collect()
    };
    (list("certificates"), list("wallet_credentials"))
}

/// The holder's notices of `kind`, waiting (up to 60 s) until there are `n`.
async fn notices(app: &TestApp, holder: &str, kind: &str, n: usize) -> Vec<Value> {
    let start = Instant::now();
    loop {
        let inbox = read(app, Role::Applicant, holder, "/v1/notifications").await;
        let found: Vec<Value> = inbox["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|x| x["kind"] == kind)
            .cloned()
            .collect();
        if found.len() >= n || start.elapsed() > Duration::from_secs(60) {
            return found;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits (up to 60 s) until every recorded status change has been handled.
async fn all_told(app: &TestApp) {
    let start = Instant::now();
    loop {
        let untold: i64 =
            sqlx::query_scalar("SELECT count(*) FROM status_changes WHERE told_at IS NULL")
                .fetch_one(&app.pool)
                .await
                .unwrap();
        if untold == 0 {
            return;
        }
        assert!(start.elapsed() < Duration::from_secs(60), "{untold} untold");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn the_holder_and_staff_see_where_certificates_and_credentials_stand_others_are_refused() {
    let app = spawn_app().await;
    let reg = holder_with_certificate(&app, "hanako", "33345678901").await;
    let path = format!("/v1/registrations/{reg}/credentials");
    let held = read(&app, Role::Applicant, "hanako", &path).await;
    assert_eq!(statuses(&held), (vec!["VALID".into()], vec![]));
    obtain(&app, "hanako", &reg).await;

    let held = read(&app, Role::Applicant, "hanako", &path).await;
    assert_eq!(
        statuses(&held),
        (vec!["VALID".into()], vec!["VALID".into()])
    );
    let certificate = &held["certificates"][0];
    assert_eq!(certificate["current"], true);
    assert!(certificate["issued_at"].is_string());
    assert!(held["wallet_credentials"][0]["issued_at"].is_string());
    for role in [Role::Examiner, Role::SeniorExaminer, Role::Admin] {
        assert_eq!(read(&app, role, "staff", &path).await, held, "{role:?}");
        let whole = read(&app, role, "staff", &format!("/v1/registrations/{reg}")).await;
        assert_eq!(whole["certificates"], held["certificates"], "{role:?}");
        assert_eq!(whole["wallet_credentials"], held["wallet_credentials"]);
    }
    let own = read(
        &app,
        Role::Applicant,
        "hanako",
        &format!("/v1/registrations/{reg}"),
    )
    .await;
    assert_eq!(own["certificates"], held["certificates"]);
    assert_eq!(own["wallet_credentials"], held["wallet_credentials"]);
    // A ministry reads the register's entry, not the holder's credentials.
    let ministry = read(
        &app,
        Role::Ministry,
        "MHLW",
        &format!("/v1/registrations/{reg}"),
    )
    .await;
    assert!(ministry.get("certificates").is_none(), "{ministry}");
    assert!(ministry.get("wallet_credentials").is_none(), "{ministry}");

    let r = app
        .http
        .get(format!("{}{path}", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(
        problem(r, StatusCode::UNAUTHORIZED).await["code"],
        "UNAUTHENTICATED"
    );
    let r = app.get_as(Role::Applicant, "taro", &path).await;
    problem(r, StatusCode::NOT_FOUND).await;
    let r = app.get_as(Role::Ministry, "MHLW", &path).await;
    assert_eq!(
        problem(r, StatusCode::FORBIDDEN).await["code"],
        "WRONG_ROLE"
    );
    let unknown = format!("/v1/registrations/{}/credentials", Uuid::new_v4());
    let r = app.get_as(Role::Examiner, "staff", &unknown).await;
    problem(r, StatusCode::NOT_FOUND).await;
}

#[tokio::test]
async fn a_suspension_and_a_revocation_are_told_once_in_the_inbox_and_by_mail() {
    let smtp = SmtpServer::start();
    let url = smtp.url();
    let app = spawn_app_with(move |s| s.smtp_url = url).await;
    let reg = holder_with_certificate(&app, "hanako", "43345678901").await;
    obtain(&app, "hanako", &reg).await;
    let path = format!("/v1/registrations/{reg}/credentials");
    let id = Uuid::parse_str(&reg).unwrap();
    let mut conn = app.pool.acquire().await.unwrap();

    // Suspended: the certificate and the wallet credential, one notice.
    assert_eq!(
        set_registration_status(&mut conn, id, Status::Suspended)
            .await
            .unwrap(),
        2
    );
    let suspended = notices(&app, "hanako", "credential_suspended", 1).await;
    assert_eq!(suspended.len(), 1, "one notice for both");
    let body = suspended[0]["body"].as_str().unwrap();
    assert!(body.contains("デジタル登録証 1 件"), "{body}");
    assert!(body.contains("ウォレットの登録証 1 件"), "{body}");
    assert_eq!(
        statuses(&read(&app, Role::Applicant, "hanako", &path).await),
        (vec!["SUSPENDED".into()], vec!["SUSPENDED".into()])
    );
    let page = browser()
        .get(format!("{}/portal/registrations/{reg}", app.base))
        .header(
            "cookie",
            crate::portal::portal_session(&app, "hanako").await,
        )
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("standing-suspended"), "{page}");
    assert!(page.contains("停止中"), "{page}");
    assert!(page.contains("ウォレットの登録証"), "{page}");
    // Suspending again changes nothing and tells nothing.
    assert_eq!(
        set_registration_status(&mut conn, id, Status::Suspended)
            .await
            .unwrap(),
        0
    );
    // Lifted: valid again, told by the case that lifts it, not from here.
    assert_eq!(
        set_registration_status(&mut conn, id, Status::Valid)
            .await
            .unwrap(),
        2
    );
    all_told(&app).await;
    assert_eq!(
        statuses(&read(&app, Role::Applicant, "hanako", &path).await),
        (vec!["VALID".into()], vec!["VALID".into()])
    );

    // A re-issue revokes the certificate and the credential on it: one notice.
    let old = certificate_when(&app, "hanako", &reg, |_| true).await;
    reissue(&app, "hanako", &reg).await;
    certificate_when(&app, "hanako", &reg, |c| {
        c["certificate_id"] != old["certificate_id"]
    })
    .await;
    app.settle().await;
    let revoked = notices(&app, "hanako", "credential_revoked", 1).await;
    assert_eq!(revoked.len(), 1, "one notice for both");
    let body = revoked[0]["body"].as_str().unwrap();
    assert!(body.contains("デジタル登録証 1 件"), "{body}");
    assert!(body.contains("ウォレットの登録証 1 件"), "{body}");
    let held = read(&app, Role::Applicant, "hanako", &path).await;
    assert_eq!(
        statuses(&held),
        (
            vec!["VALID".into(), "INVALID".into()],
            vec!["INVALID".into()]
        )
    );
    assert_eq!(held["certificates"][0]["current"], true);
    assert_eq!(
        held["certificates"][1]["certificate_id"],
        old["certificate_id"]
    );

    let mails = |part: &'static str| {
        smtp.to("hanako@example.jp")
            .into_iter()
            .filter(|m| m["subject"].as_str().unwrap_or("").contains(part))
            .count()
    };
    let start = Instant::now();
    while (mails("停止されました"), mails("無効になりました")) != (1, 1) {
        assert!(start.elapsed() < Duration::from_secs(60), "mails not sent");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // Rebuilding the certificate view and the inbox tells no one again.
    let settings = crate::common::test_settings(&app.database_url);
    let core = shikaku::startup::Core::new(&app.pool, &settings, &app.base)
        .await
        .unwrap();
    for projection in shikaku::startup::projections(&core) {
        if ["certificate_status", "notifications"].contains(&projection.name()) {
            let sub = eventstore::subscription::Subscription::new(app.pool.clone(), projection);
            sub.reset().await.unwrap();
            sub.catch_up().await.unwrap();
        }
    }
    app.settle().await;
    all_told(&app).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(
        notices(&app, "hanako", "credential_suspended", 1)
            .await
            .len(),
        1
    );
    assert_eq!(
        notices(&app, "hanako", "credential_revoked", 1).await.len(),
        1
    );
    assert_eq!((mails("停止されました"), mails("無効になりました")), (1, 1));
    assert_eq!(
        statuses(&read(&app, Role::Applicant, "hanako", &path).await),
        (
            vec!["VALID".into(), "INVALID".into()],
            vec!["INVALID".into()]
        )
    );
}

#[tokio::test]
async fn a_change_is_told_once_however_many_passes_run_and_a_rolled_back_one_never() {
    let app = spawn_app().await;
    let reg = holder_with_certificate(&app, "hanako", "53345678901").await;
    let id = Uuid::parse_str(&reg).unwrap();
    let count = |sql: &'static str| {
        let pool = app.pool.clone();
        async move {
            sqlx::query_scalar::<_, i64>(sql)
                .fetch_one(&pool)
                .await
                .unwrap()
        }
    };
    // A suspension whose transaction rolls back (a crash before its commit)
    // leaves no change behind, so no notice.
    let mut tx = app.pool.begin().await.unwrap();
    assert_eq!(
        set_registration_status(&mut tx, id, Status::Suspended)
            .await
            .unwrap(),
        1
    );
    tx.rollback().await.unwrap();
    assert_eq!(count("SELECT count(*) FROM status_changes").await, 0);

    // Committed: four passes at once besides the server's own, one notice, one mail job.
    let mut conn = app.pool.acquire().await.unwrap();
    set_registration_status(&mut conn, id, Status::Suspended)
        .await
        .unwrap();
    let settings = crate::common::test_settings(&app.database_url);
    let core = shikaku::startup::Core::new(&app.pool, &settings, &app.base)
        .await
        .unwrap();
    let pass = || core.notices.tell_status_changes(&app.pool);
    let (a, b, c, d) = tokio::join!(pass(), pass(), pass(), pass());
    for told in [a, b, c, d] {
        told.unwrap();
    }
    all_told(&app).await;
    assert_eq!(
        notices(&app, "hanako", "credential_suspended", 1)
            .await
            .len(),
        1
    );
    assert_eq!(
        count("SELECT count(*) FROM notifications WHERE kind = 'credential_suspended'").await,
        1
    );
    assert_eq!(
        count("SELECT count(*) FROM jobs WHERE dedupe_key LIKE '<status-change-%'").await,
        1
    );
}
