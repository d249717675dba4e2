//! The catalogue's sanction rules: a kind the qualification's Act does not
//! provide is refused, and the article the catalogue records is the legal
//! basis when the examiner names none.

use super::*;

#[tokio::test]
async fn a_sanction_the_act_does_not_provide_is_refused_and_the_catalogue_names_the_article() {
    let app = spawn_app().await;
    // The care manager's Act provides revocation only (介護保険法第69条の39).
    let manager = app
        .registered_as("hanako", "72345678901", "CARE_MANAGER", None)
        .await;
    let r = open(&app, &manager, &suspension(30)).await;
    let refused = problem(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(refused["code"], "VALIDATION_FAILED");
    assert_eq!(refused["errors"][0]["pointer"], "/kind");
    assert_eq!(refused["errors"][0]["code"], "SANCTION_NOT_PROVIDED");

    // No article written: the catalogue's for the qualification and kind.
    let revocation = json!({"kind": "REVOCATION", "reason": "不正の手段による登録",
                            "starts_on": japan_day(0)});
    let opened = answer(open(&app, &manager, &revocation).await, StatusCode::CREATED).await;
    assert_eq!(opened["legal_basis"], "介護保険法第69条の39");

    // An article written is recorded as written.
    let worker = registered(&app, "jiro", "73345678901").await;
    let mut named = suspension(30);
    named["legal_basis"] = json!("社会福祉士及び介護福祉士法第42条第2項");
    let opened = answer(open(&app, &worker, &named).await, StatusCode::CREATED).await;
    assert_eq!(
        opened["legal_basis"],
        "社会福祉士及び介護福祉士法第42条第2項"
    );
}
