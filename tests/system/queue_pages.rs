//! Paging the examiners' queue: by status, the default page of open cases
//! and every case, each followed page by page through `next_cursor`, gives
//! the cases of its filter once each, in due order (each filter has a query
//! of its own, walking an index of its own: views/src/queue/listing.rs).

use serde_json::Value;

use crate::common::{my_number, spawn_app, TestApp};
use domain::Role;

/// The ids of every page of `/v1/queue?{query}`, two cases a page.
async fn paged(app: &TestApp, token: &str, query: &str) -> Vec<String> {
    let mut ids = Vec::new();
    let mut cursor = String::new();
    for _ in 0..20 {
        let page: Value = app
            .get_json(&format!("/v1/queue?{query}&limit=2{cursor}"), token)
            .await;
        let items = page["items"].as_array().unwrap();
        assert!(items.len() <= 2, "{page}");
        ids.extend(
            items
                .iter()
                .map(|c| c["case_id"].as_str().unwrap().to_owned()),
        );
        match page["next_cursor"].as_str() {
            Some(next) => cursor = format!("&cursor={next}"),
            None => return ids,
        }
    }
    panic!("the queue did not end after 20 pages: {ids:?}");
}

#[tokio::test]
async fn each_filter_pages_through_its_cases_once_each_in_due_order() {
    let app = spawn_app().await;
    let mut ids = Vec::new();
    for n in 1..=5 {
        let applicant = format!("pager-{n}");
        ids.push(
            app.apply(&applicant, &my_number(&format!("4100000000{n}")))
                .await,
        );
    }
    // Three paid (under examination), one of them then decided; two unpaid.
    for id in &ids[..3] {
        app.pay(id).await;
    }
    let decided = format!("/v1/registrations/{}", ids[0]);
    app.claim_and_approve(&decided, "pager-examiner", "pager-senior")
        .await;
    app.settle().await;

    let examiner = app.token(Role::Examiner, "pager-reader");
    let all: Value = app
        .get_json("/v1/queue?all=true&limit=100", &examiner)
        .await;
    let mut everything: Vec<(String, String, String)> = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["due_at"].as_str().unwrap().to_owned(),
                c["case_id"].as_str().unwrap().to_owned(),
                c["status"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(everything.len(), 5, "{all}");
    everything.sort();
    let expected = |keep: &dyn Fn(&str) -> bool| -> Vec<String> {
        everything
            .iter()
            .filter(|(_, _, status)| keep(status))
            .map(|(_, id, _)| id.clone())
            .collect()
    };
    let decided = |s: &str| matches!(s, "APPROVED" | "REGISTERED");

    let under = paged(&app, &examiner, "status=UNDER_EXAMINATION").await;
    assert_eq!(under, expected(&|s| s == "UNDER_EXAMINATION"));
    assert_eq!(under.len(), 2, "{under:?}");
    assert!(!under.contains(&ids[0]));

    let open = paged(&app, &examiner, "overdue=false").await;
    assert_eq!(open, expected(&|s| !decided(s)));
    assert_eq!(open.len(), 4, "{open:?}");

    assert_eq!(
        paged(&app, &examiner, "all=true").await,
        expected(&|_| true)
    );
}
