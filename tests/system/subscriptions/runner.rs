//! The runner: commit order, batches in flight, crashes and leadership.

use super::*;

#[tokio::test]
async fn a_transaction_committing_after_a_later_one_is_not_skipped() {
    let pool = database().await;
    let sub = Subscription::new(pool.clone(), Arc::new(Recorder::new("order")));
    sub.ensure_checkpoint().await.unwrap();

    let mut early = pool.begin().await.unwrap();
    append(&mut early, "early").await; // lower global_position, still open
    let mut late = pool.begin().await.unwrap();
    append(&mut late, "late").await;
    late.commit().await.unwrap();

    // The late event is committed, but reading it now would move the
    // checkpoint past the early one: the runner waits instead.
    assert_eq!(sub.run_once().await.unwrap(), BatchOutcome::Applied(0));
    early.commit().await.unwrap();
    assert_eq!(sub.catch_up().await.unwrap(), 2);
    assert_eq!(seen(&pool, "order").await.len(), 2);
}

#[tokio::test]
async fn a_batch_in_flight_holds_back_no_other_subscription() {
    let pool = database().await;
    let mut conn = pool.acquire().await.unwrap();
    append(&mut conn, "first").await;
    let held = Arc::new(Held {
        inside: tokio::sync::Notify::new(),
        release: tokio::sync::Notify::new(),
    });
    let slow = Subscription::new(pool.clone(), held.clone());
    slow.ensure_checkpoint().await.unwrap();
    let running = tokio::spawn(async move { slow.run_once().await });
    held.inside.notified().await;

    // Appended after the slow batch took its transaction id.
    append(&mut conn, "second").await;
    let quick = Subscription::new(pool.clone(), Arc::new(Recorder::new("quick")));
    quick.ensure_checkpoint().await.unwrap();
    // Another test's transaction (a migration, a writer) open meanwhile may
    // hold the guard back a moment; the open batch never does.
    let mut applied = 0;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while applied < 2 && std::time::Instant::now() < deadline {
        match quick.run_once().await.unwrap() {
            BatchOutcome::Applied(n) => applied += n,
            BatchOutcome::Locked => panic!("nobody else runs quick"),
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(
        applied, 2,
        "the open batch does not append events, so nothing waits for it"
    );

    held.release.notify_one();
    assert_eq!(running.await.unwrap().unwrap(), BatchOutcome::Applied(1));
    assert_eq!(seen(&pool, "held").await.len(), 1);
}

#[tokio::test]
async fn a_crash_before_the_checkpoint_reapplies_the_batch_without_duplicates() {
    let pool = database().await;
    let mut conn = pool.acquire().await.unwrap();
    for i in 0..10 {
        append(&mut conn, &format!("a{i}")).await;
    }
    let fifth: i64 = sqlx::query_scalar(
        "SELECT global_position FROM events ORDER BY global_position OFFSET 4 LIMIT 1",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    let recorder = Recorder {
        fail_at: Some(fifth),
        ..Recorder::new("crash")
    };
    let sub = Subscription::new(pool.clone(), Arc::new(recorder));
    sub.ensure_checkpoint().await.unwrap();
    // Otherwise the first batch may end before the fifth event.
    all_readable(&pool).await;
    assert!(
        sub.run_once().await.is_err(),
        "the batch fails after writing four rows"
    );
    assert!(
        seen(&pool, "crash").await.is_empty(),
        "the rows were rolled back with the checkpoint"
    );
    assert_eq!(sub.run_once().await.unwrap(), BatchOutcome::Applied(10));
    assert_eq!(seen(&pool, "crash").await.len(), 10);
}

#[tokio::test]
async fn two_runners_never_process_the_same_batch() {
    let pool = database().await;
    let mut conn = pool.acquire().await.unwrap();
    for i in 0..1000 {
        append(&mut conn, &format!("b{i}")).await;
    }
    let recorder: Arc<dyn Projection> = Arc::new(Recorder::new("pair"));
    let one = Subscription::new(pool.clone(), recorder.clone()).with_batch_size(7);
    let two = Subscription::new(pool.clone(), recorder).with_batch_size(7);
    one.ensure_checkpoint().await.unwrap();

    // While one runner holds the checkpoint, the other is told so.
    let mut held = pool.begin().await.unwrap();
    sqlx::query("SELECT 1 FROM subscription_checkpoints WHERE name = 'pair' FOR UPDATE")
        .execute(&mut *held)
        .await
        .unwrap();
    assert_eq!(two.run_once().await.unwrap(), BatchOutcome::Locked);
    held.rollback().await.unwrap();

    let (a, b) = tokio::join!(one.catch_up(), two.catch_up());
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a + b, 1000, "each event applied by exactly one runner");
    assert_eq!(seen(&pool, "pair").await.len(), 1000);
}

#[tokio::test]
async fn a_catch_up_reading_ahead_applies_every_event_once_while_writers_append() {
    let pool = database().await;
    let mut conn = pool.acquire().await.unwrap();
    for i in 0..200 {
        append(&mut conn, &format!("c{i}")).await;
    }
    // Writers go on appending while the catch-up reads each next batch ahead
    // of the transaction that applies it.
    let writer = {
        let pool = pool.clone();
        tokio::spawn(async move {
            let mut conn = pool.acquire().await.unwrap();
            for i in 0..200 {
                append(&mut conn, &format!("d{i}")).await;
            }
        })
    };
    let sub = Subscription::new(pool.clone(), Arc::new(Recorder::new("ahead"))).with_batch_size(7);
    let first = sub.catch_up().await.unwrap();
    writer.await.unwrap();
    let rest = sub.catch_up().await.unwrap();
    assert_eq!(
        first + rest,
        400,
        "each event applied once (a second time fails the key)"
    );
    let all: Vec<i64> = sqlx::query_scalar("SELECT global_position FROM events ORDER BY 1")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert_eq!(seen(&pool, "ahead").await, all, "none skipped");
}

#[tokio::test]
async fn a_rebuild_stopped_half_way_builds_its_indexes_again_at_the_next_start() {
    let pool = database().await;
    let mut conn = pool.acquire().await.unwrap();
    for i in 0..10 {
        append(&mut conn, &format!("r{i}")).await;
    }
    let fifth: i64 = sqlx::query_scalar(
        "SELECT global_position FROM events ORDER BY global_position OFFSET 4 LIMIT 1",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    let indexes = indexes_of(&pool, "seen_events").await;
    assert_eq!(indexes.len(), 2);
    let recorder = Recorder {
        fail_at: Some(fifth),
        ..Recorder::new("rebuilt")
    };
    let sub = Subscription::new(pool.clone(), Arc::new(recorder));
    all_readable(&pool).await;
    assert!(
        sub.rebuild().await.is_err(),
        "the rebuild stops at the fifth event"
    );
    assert_eq!(
        indexes_of(&pool, "seen_events").await.len(),
        1,
        "only the key is left while the rebuild runs"
    );
    // What `run` does first.
    sub.restore_indexes().await.unwrap();
    assert_eq!(indexes_of(&pool, "seen_events").await, indexes);
    assert_eq!(sub.rebuild().await.unwrap(), 10);
    assert_eq!(seen(&pool, "rebuilt").await.len(), 10);
    assert_eq!(indexes_of(&pool, "seen_events").await, indexes);
}
