//! The whole life of a care manager's validity: the date on the
//! registration, the register entry and the feed; the three reminders, each
//! mailed once (one of them across a restart); the expiry, which suspends
//! the certificate; the renewal, examined with four eyes and paid, which
//! revives the registration and its certificate with a new date.

use std::time::Duration;

use super::*;
use crate::common::certificates::{certificate, verify};
use crate::common::{spawn_app_on, spawn_app_with};
use crate::support::smtp::SmtpServer;

/// The reminder mails `to` has received (their subjects name the date).
fn reminders(smtp: &SmtpServer, to: &str) -> Vec<String> {
    smtp.to(to)
        .iter()
        .map(|m| m["subject"].as_str().unwrap_or_default().to_owned())
        .filter(|s| s.contains("有効期間の満了が近づいています"))
        .collect()
}

/// Waits (up to 20 s) until `to` has `n` reminder mails, then checks that
/// no other arrives once everything due has run.
async fn exactly_reminders(app: &TestApp, smtp: &SmtpServer, to: &str, n: usize) {
    for _ in 0..400 {
        if reminders(smtp, to).len() >= n {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    app.settle().await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(reminders(smtp, to).len(), n, "{:#?}", reminders(smtp, to));
}

/// The holder's inbox notices of `kind` about `reg`.
async fn notices(app: &TestApp, holder: &str, reg: &str, kind: &str) -> usize {
    let inbox: Value = app
        .get_json(
            "/v1/notifications?limit=100",
            &app.token(Role::Applicant, holder),
        )
        .await;
    inbox["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["case_id"] == reg && n["kind"] == kind)
        .count()
}

#[tokio::test]
async fn a_care_manager_is_reminded_expires_and_is_renewed_with_the_training_certificate() {
    let smtp = SmtpServer::start();
    let data_dir = std::env::temp_dir().join(format!("shikaku-renewal-{}", uuid::Uuid::new_v4()));
    let (url, dir) = (smtp.url(), data_dir.clone());
    let app = spawn_app_with(move |s| {
        s.smtp_url = url;
        s.data_dir = dir;
    })
    .await;
    let to = "keiko@example.jp";
    let reg = care_manager(&app, "keiko", "71345678901").await;
    let registered_on = today(&app).await;
    let valid_until = valid_for_period_from(registered_on);

    // The date, from the catalogue's five years: on the resource, the
    // ministry's register entry and the feed.
    let seen = app.registration_of("keiko", &reg).await;
    assert_eq!(seen["status"], "REGISTERED");
    assert_eq!(seen["valid_until"], json!(valid_until));
    let ministry: Value = app
        .get_json(
            &format!("/v1/registrations/{reg}"),
            &app.token(Role::Ministry, "MHLW"),
        )
        .await;
    assert_eq!(
        ministry["register_entry"]["valid_until"],
        json!(valid_until)
    );
    let items = app.feed_of(&reg, "REGISTERED").await;
    assert_eq!(items[0]["data"]["valid_until"], json!(valid_until));
    let cert = certificate(&app, "keiko", &reg).await;
    let token = cert["token"].as_str().unwrap().to_owned();
    let idx = cert["status_index"].as_u64().unwrap();
    assert_eq!(verify(&app, &token).await["result"], "VALID");

    // Three reminders and the expiry are scheduled, at 00:00 in Japan.
    let jobs: Vec<(String, chrono::DateTime<chrono::Utc>)> =
        sqlx::query_as("SELECT kind, run_at FROM jobs WHERE kind LIKE 'renewal.%' ORDER BY run_at")
            .fetch_all(&app.pool)
            .await
            .unwrap();
    let midnight =
        |d: NaiveDate| d.and_hms_opt(0, 0, 0).unwrap().and_utc() - chrono::Duration::hours(9);
    assert_eq!(
        jobs,
        vec![
            (
                "renewal.remind".to_owned(),
                midnight(before(valid_until, 180))
            ),
            (
                "renewal.remind".to_owned(),
                midnight(before(valid_until, 90))
            ),
            (
                "renewal.remind".to_owned(),
                midnight(before(valid_until, 30))
            ),
            (
                "renewal.expire".to_owned(),
                midnight(valid_until.succ_opt().unwrap())
            ),
        ]
    );

    // The day before the first reminder: nothing. On its day: one mail.
    advance_to(&app, before(valid_until, 181)).await;
    exactly_reminders(&app, &smtp, to, 0).await;
    advance_to(&app, before(valid_until, 180)).await;
    exactly_reminders(&app, &smtp, to, 1).await;
    assert!(reminders(&smtp, to)[0].contains(&valid_until.to_string()));

    // A new server on the same database sends nothing again, and the next
    // reminders come from it.
    app.handle.stop(true).await;
    let (url, dir) = (smtp.url(), data_dir.clone());
    let app = spawn_app_on(&app.database_url, move |s| {
        s.smtp_url = url;
        s.data_dir = dir;
    })
    .await;
    app.settle().await;
    exactly_reminders(&app, &smtp, to, 1).await;
    advance_to(&app, before(valid_until, 90)).await;
    exactly_reminders(&app, &smtp, to, 2).await;
    advance_to(&app, before(valid_until, 30)).await;
    exactly_reminders(&app, &smtp, to, 3).await;
    assert_eq!(notices(&app, "keiko", &reg, "renewal_reminder").await, 3);
    assert_eq!(
        app.registration_of("keiko", &reg).await["status"],
        "REGISTERED"
    );

    // The last valid day passes: EXPIRED, the certificate SUSPENDED (not
    // revoked), the ministry and the holder told, once.
    advance_to(&app, valid_until).await;
    assert_eq!(
        app.registration_of("keiko", &reg).await["status"],
        "REGISTERED"
    );
    advance_to(&app, valid_until.succ_opt().unwrap()).await;
    let expired = app.registration_of("keiko", &reg).await;
    assert_eq!(expired["status"], "EXPIRED");
    assert_eq!(expired["valid_until"], json!(valid_until));
    assert_eq!(app.published_status(idx).await, Some(Status::Suspended));
    assert_eq!(verify(&app, &token).await["result"], "SUSPENDED");
    let items = app.feed_of(&reg, "REGISTRATION_EXPIRED").await;
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["data"]["valid_until"], json!(valid_until));
    assert_eq!(
        notices(&app, "keiko", &reg, "registration_expired").await,
        1
    );
    assert_eq!(
        notices(&app, "keiko", &reg, "credential_suspended").await,
        0,
        "the expiry's notice tells of the certificate"
    );

    // The renewal: the training certificate attached, the catalogue's fee,
    // in the queue as RENEWAL, examined with four eyes.
    let training = app.upload_pdf("keiko").await;
    let filed = answer(
        renew(&app, "keiko", &reg, &[&training]).await,
        StatusCode::CREATED,
    )
    .await;
    let request = filed["id"].as_str().unwrap().to_owned();
    assert_eq!(filed["kind"], "RENEWAL");
    assert_eq!(filed["fee"]["amount"], 2000);
    app.pay(&request).await;
    let examiner = app.token(Role::Examiner, "ex-v");
    let queued = app.queued("?procedure=RENEWAL", &examiner, &request).await;
    assert_eq!(queued["case_type"], "CHANGE_REQUEST");
    assert_eq!(queued["procedure"], "RENEWAL");
    let others: Value = app
        .get_json("/v1/queue?procedure=CHANGE_NAME&all=true", &examiner)
        .await;
    assert!(others["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|i| i["case_id"] != request.as_str()));
    app.claim_and_approve(&format!("/v1/change-requests/{request}"), "ex-v", "sr-v")
        .await;
    app.settle().await;
    let done: Value = app
        .get_json(&format!("/v1/change-requests/{request}"), &examiner)
        .await;
    assert_eq!(done["outcome"], "APPLIED");

    // Renewed after it had expired: valid for the period from the approval
    // date; the same certificate VALID again; the feed carries both dates.
    let renewed_on = today(&app).await;
    let renewed = app.registration_of("keiko", &reg).await;
    assert_eq!(renewed["status"], "REGISTERED");
    assert_eq!(
        renewed["valid_until"],
        json!(valid_for_period_from(renewed_on))
    );
    assert_eq!(app.published_status(idx).await, Some(Status::Valid));
    assert_eq!(verify(&app, &token).await["result"], "VALID");
    let items = app.feed_of(&reg, "REGISTRATION_RENEWED").await;
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["data"]["change_request_id"], request.as_str());
    assert_eq!(items[0]["data"]["previous_valid_until"], json!(valid_until));
    assert_eq!(
        items[0]["data"]["valid_until"],
        json!(valid_for_period_from(renewed_on))
    );
    // The new date has its own reminders and expiry; the old one's are done.
    let (queued,): (i64,) = sqlx::query_as(
        "SELECT count(*) FROM jobs WHERE kind LIKE 'renewal.%' AND state = 'queued'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(queued, 4);
    exactly_reminders(&app, &smtp, to, 3).await;
    let _ = std::fs::remove_dir_all(data_dir);
}
