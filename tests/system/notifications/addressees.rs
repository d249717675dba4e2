//! Who is told what: the notifier of a death, never the deceased; a
//! rejection and a change of address without personal details.

use super::*;

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
    app.claim_and_approve(&format!("/v1/change-requests/{death}"), "ex-cr", "sr-cr")
        .await;
    let mails = smtp.wait_for("grandchild@example.jp", 2).await;
    app.settle().await;
    let s = subjects(&mails);
    assert!(
        s[0].contains("Received: deletion of the registration"),
        "{s:?}"
    );
    assert!(s[1].contains("is complete"), "{s:?}");
    // The deletion revoked the certificate; that change is told from the
    // status changes, but not to the deceased: wait until it is handled.
    for _ in 0..600 {
        let (changes, untold): (i64, i64) = sqlx::query_as(
            "SELECT count(*), count(*) FILTER (WHERE told_at IS NULL) FROM status_changes",
        )
        .fetch_one(&app.pool)
        .await
        .unwrap();
        if changes > 0 && untold == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let revoked: i64 =
        sqlx::query_scalar("SELECT count(*) FROM notifications WHERE kind = 'credential_revoked'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(
        revoked, 0,
        "no one is told the deceased's certificate was revoked"
    );
    let body = mails[1]["body"].as_str().unwrap();
    assert!(body.starts_with("Dear notifier,"), "{body}");
    assert!(body.contains("notification (of a death"), "{body}");
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
        action.contains("本籍地を確認できませんでした")
            && action.contains("戸籍謄本")
            && !action.contains("DOMICILE_UNRESOLVED"),
        "the reason in words, not its code: {action}"
    );
    assert!(action.contains("/portal/registrations/"), "{action}");
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
        .post_as(
            Role::SeniorExaminer,
            "sr-1",
            &format!("/v1/registrations/{rejected}/decision-approvals"),
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
        last.contains("the requirements for registration are not met")
            && !last.contains("NOT_ELIGIBLE"),
        "the reason in words, not its code: {last}"
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
        .post_as(
            Role::Applicant,
            "mari",
            &format!("/v1/registrations/{reg}/change-requests"),
            &json!({"kind": "CHANGE_ADDRESS", "changes": {"address": "大阪府大阪市北区梅田1-1"}}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let change = ok(r).await["id"].as_str().unwrap().to_owned();
    app.claim_and_approve(&format!("/v1/change-requests/{change}"), "ex-cr", "sr-cr")
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
