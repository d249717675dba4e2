//! Issue 20, finding 3: what is printed on a certificate (and shown by
//! `/verify`), with any My Number that has a valid check digit, took a
//! paper-era registration over. Now the register must confirm the number is
//! the holder's, and the caller must be the holder: verified by the identity
//! provider (production requires it) or, in development, holding the code
//! the office posted to the address on the register.

use super::*;
use crate::common::{captured_logs, problem};

#[tokio::test]
async fn certificate_facts_and_a_valid_check_digit_do_not_take_a_registration_over() {
    let (app, data_dir) = app_with_tanaka().await;

    // What the certificate and /verify show, and a made-up number with a
    // valid check digit: the register knows no such person.
    let made_up = my_number("98765432109");
    let r = app
        .post_as(
            Role::Applicant,
            "taker",
            "/v1/registration-links",
            &certificate_facts(&made_up),
        )
        .await;
    assert_eq!(
        problem(r, StatusCode::UNPROCESSABLE_ENTITY).await["code"],
        "LINK_NOT_MATCHED"
    );
    // Someone else's real number: the register says it is not Tanaka's.
    let r = app
        .post_as(
            Role::Applicant,
            "taker",
            "/v1/registration-links",
            &certificate_facts(&other_number()),
        )
        .await;
    assert_eq!(
        problem(r, StatusCode::UNPROCESSABLE_ENTITY).await["code"],
        "LINK_NOT_MATCHED"
    );

    // Even Tanaka's own number (leaked) only holds the link for the code the
    // office posts to Tanaka's address on the register.
    let pending = held(&app, "taker", &holder_number()).await;
    let (text, code) = letter(&data_dir, &pending);
    assert!(
        text.contains("横浜市") && text.contains("田中 一郎"),
        "{text}"
    );
    assert!(!text.contains(&holder_number()), "no My Number in a letter");
    let r = confirm(&app, "taker", &pending, "ABCD-EFGH-JKLM").await;
    assert_eq!(
        problem(r, StatusCode::UNPROCESSABLE_ENTITY).await["code"],
        "LINK_CODE_WRONG"
    );
    // The code is not someone else's to enter either.
    let r = confirm(&app, "other", &pending, &code).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    app.settle().await;
    assert!(linked_owners(&app).await.is_empty(), "nobody owns it yet");

    // Tanaka, who receives his post, links it; the taker's held link ends.
    let id = linked_by_letter(&app, &data_dir, "tanaka").await;
    let r = confirm(&app, "taker", &pending, &code).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    app.settle().await;
    assert_eq!(linked_owners(&app).await, vec!["tanaka".to_owned()]);
    let r = app
        .get_as(Role::Applicant, "taker", &format!("/v1/registrations/{id}"))
        .await;
    assert!(r.status().is_client_error());
    let logs = captured_logs();
    assert!(!logs.contains(&code), "codes are never logged");
}

#[tokio::test]
async fn production_refuses_a_link_without_verified_claims() {
    let app = spawn_app_with(|s| {
        s.registry_fixtures = registry_fixture();
        s.require_verified_identity = true;
    })
    .await;
    shikaku::import::import_register(&app.pool, &register_file(&[TANAKA]))
        .await
        .unwrap();
    app.settle().await;
    let r = app
        .post_as(
            Role::Applicant,
            "tanaka",
            "/v1/registration-links",
            &certificate_facts(&holder_number()),
        )
        .await;
    let p = problem(r, StatusCode::FORBIDDEN).await;
    assert_eq!(p["code"], "VERIFIED_IDENTITY_REQUIRED");
    assert!(linked_owners(&app).await.is_empty());
}

#[tokio::test]
async fn codes_expire_take_five_wrong_entries_and_letters_are_limited() {
    let (app, data_dir) = app_with_tanaka().await;
    let first = held(&app, "tanaka", &holder_number()).await;
    assert_eq!(
        held(&app, "tanaka", &holder_number()).await,
        first,
        "asking again answers the link already held, without a second letter"
    );
    let (_, code) = letter(&data_dir, &first);
    for _ in 0..4 {
        let r = confirm(&app, "tanaka", &first, "WRONG-CODE-0000").await;
        assert_eq!(
            problem(r, StatusCode::UNPROCESSABLE_ENTITY).await["code"],
            "LINK_CODE_WRONG"
        );
    }
    let r = confirm(&app, "tanaka", &first, "WRONG-CODE-0000").await;
    assert_eq!(problem(r, StatusCode::GONE).await["code"], "LINK_EXPIRED");
    let r = confirm(&app, "tanaka", &first, &code).await;
    assert_eq!(
        problem(r, StatusCode::GONE).await["code"],
        "LINK_EXPIRED",
        "void for good"
    );

    // A new letter; its code expires.
    let second = held(&app, "tanaka", &holder_number()).await;
    assert_ne!(second, first);
    let (_, code) = letter(&data_dir, &second);
    sqlx::query(
        "UPDATE pending_links SET expires_at = now() - interval '1 second' WHERE id = $1::uuid",
    )
    .bind(&second)
    .execute(&app.pool)
    .await
    .unwrap();
    let r = confirm(&app, "tanaka", &second, &code).await;
    assert_eq!(problem(r, StatusCode::GONE).await["code"], "LINK_EXPIRED");

    // Three letters a day to one registration; the fourth waits.
    let _third = held(&app, "tanaka", &holder_number()).await;
    let r = app
        .post_as(
            Role::Applicant,
            "someone",
            "/v1/registration-links",
            &certificate_facts(&holder_number()),
        )
        .await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(r.headers().contains_key("retry-after"));
    let stored: Vec<Vec<u8>> = sqlx::query_scalar("SELECT code_hash FROM pending_links")
        .fetch_all(&app.pool)
        .await
        .unwrap();
    assert!(
        stored.iter().all(|h| h.len() == 32),
        "only hashes are stored"
    );
    assert!(linked_owners(&app).await.is_empty());
}
