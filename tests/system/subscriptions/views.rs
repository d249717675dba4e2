//! The product's views: exactly once under concurrent writers, and rebuilds.

use super::*;

#[tokio::test]
async fn sixteen_writers_every_event_reaches_every_view_exactly_once() {
    let app = common::spawn_app().await;
    let pool = app.pool.clone();
    sqlx::query("CREATE TABLE seen_events (subscription text, global_position bigint, PRIMARY KEY (subscription, global_position))")
        .execute(&pool)
        .await
        .unwrap();
    let counter = Subscription::new(pool.clone(), Arc::new(Recorder::new("counter")));
    let wake = eventstore::subscription::listen(&pool).await.unwrap();
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let counting = tokio::spawn(counter.clone().run(wake, stopped));
    let bus = bus(&pool).await;

    let mut writers = Vec::new();
    for w in 0..16 {
        let bus = bus.clone();
        writers.push(tokio::spawn(async move {
            for c in 0..100 {
                let id = Uuid::new_v4().to_string();
                let writer = format!("writer-{w}");
                bus.execute(&id, submit(w * 1000 + c, &writer), None, HashMap::new())
                    .await
                    .unwrap();
                bus.execute(&id, pay(&id), None, HashMap::new())
                    .await
                    .unwrap();
            }
        }));
    }
    for w in writers {
        w.await.unwrap();
    }
    // The workers may open a case's checkout before its writer pays.
    let cases: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM events
         WHERE event_type IN ('ApplicationSubmitted', 'FeeAssessed', 'PaymentSettled')",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(cases, 16 * 100 * 3);
    // Every view also reads the catalogue's event, published at start.
    let total: i64 = sqlx::query_scalar("SELECT count(*) FROM events")
        .fetch_one(&pool)
        .await
        .unwrap();
    app.settle().await;
    for _ in 0..400 {
        if seen(&pool, "counter").await.len() as i64 == total {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    stop.send(true).unwrap();
    counting.await.unwrap();
    assert_eq!(seen(&pool, "counter").await.len() as i64, total);
    let processed: Vec<(String, i64)> =
        sqlx::query_as("SELECT name, events_processed FROM subscription_checkpoints ORDER BY name")
            .fetch_all(&pool)
            .await
            .unwrap();
    for (name, n) in processed {
        assert_eq!(n, total, "{name} processed every event once");
    }
    let rows: (i64, i64) = sqlx::query_as(
        "SELECT count(*), count(*) FILTER (WHERE status = 'UNDER_EXAMINATION' AND paid
                AND version = (SELECT count(*) FROM events e WHERE e.aggregate_id = s.id::text))
         FROM registration_status s",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(rows, (1600, 1600));
    let queued: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM examiner_queue WHERE status = 'UNDER_EXAMINATION'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(queued, 1600);
}

#[tokio::test]
async fn a_rebuild_produces_the_view_built_incrementally() {
    let app = common::spawn_app().await;
    for i in 0..6 {
        let id = app
            .claimed(
                &format!("person-{i}"),
                &common::my_number(&format!("1234567890{i}")),
                "ex",
            )
            .await;
        if i % 2 == 0 {
            app.approve(&format!("/v1/registrations/{id}"), "ex", "sr")
                .await;
        }
    }
    app.apply("late", &common::my_number("99999999999")).await;
    app.settle().await;
    let incremental = snapshot(&app.pool).await;
    assert!(incremental.len() >= 7 + 7 + 3);
    // Every view that sets indexes aside for its rebuild.
    let tables = [
        "registration_status",
        "examiner_queue",
        "change_request_status",
        "feed_events",
    ];
    let mut indexes = Vec::new();
    for table in tables {
        indexes.push(indexes_of(&app.pool, table).await);
    }
    assert_eq!(indexes[0].len(), 4, "the key and three secondary indexes");
    let core = core(&app).await;
    rebuild_views(&app, &core).await;
    app.settle().await;
    assert_eq!(snapshot(&app.pool).await, incremental);
    for (table, before) in tables.iter().zip(&indexes) {
        assert_eq!(
            &indexes_of(&app.pool, table).await,
            before,
            "the indexes of {table} dropped for the rebuild are built again, as they were"
        );
    }
    let left: i64 = sqlx::query_scalar("SELECT count(*) FROM rebuild_set_aside_indexes")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(left, 0, "no index is left set aside");
}

#[tokio::test]
async fn every_view_is_safe_to_replay_and_to_rebuild_twice() {
    let app = common::spawn_app().await;
    let id = app
        .claimed("replayed", &common::my_number("12345678909"), "ex")
        .await;
    app.approve(&format!("/v1/registrations/{id}"), "ex", "sr")
        .await;
    app.settle().await;
    app.post_as(
        Role::Applicant,
        "replayed",
        &format!("/v1/registrations/{id}/change-requests"),
        &serde_json::json!({"kind": "CHANGE_ADDRESS", "changes": {"address": "札幌市"}}),
    )
    .await;
    app.apply("pending", &common::my_number("12345678908"))
        .await;
    app.settle().await;
    let before = snapshot(&app.pool).await;
    let core = core(&app).await;
    // A batch delivered again (a crash after the view was written, an
    // operator rewinding a checkpoint) finds its rows and changes nothing.
    for projection in shikaku::startup::projections(&core) {
        let sub = Subscription::new(app.pool.clone(), projection);
        sqlx::query(
            "UPDATE subscription_checkpoints SET last_transaction_id = '0', last_global_position = 0
             WHERE name = $1",
        )
        .bind(sub.name())
        .execute(&app.pool)
        .await
        .unwrap();
        sub.catch_up()
            .await
            .unwrap_or_else(|e| panic!("{} replayed: {e}", sub.name()));
    }
    app.settle().await;
    assert_eq!(snapshot(&app.pool).await, before);
    // Two rebuilds in a row give the same views.
    for _ in 0..2 {
        rebuild_views(&app, &core).await;
    }
    app.settle().await;
    assert_eq!(snapshot(&app.pool).await, before);
}
