//! A whole procedure mailed in the applicant's language, and the refund of a
//! paid application withdrawn.

use super::*;

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
        mails[4]["body"]
            .as_str()
            .unwrap()
            .contains(&format!("/portal/registrations/{id}#certificate")),
        "the certificate's page on the portal, where the holder saves it"
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
    assert!(action.contains("書類の不足") && !action.contains("DOCUMENT_MISSING"));
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
        .post_as(
            Role::Applicant,
            "john",
            &format!("/v1/registrations/{en}/withdrawal"),
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
        .post_as(
            Role::Applicant,
            "taro",
            &format!("/v1/registrations/{id}/withdrawal"),
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
