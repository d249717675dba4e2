//! One read of the stream handed to several subscriptions in memory.

use eventstore::subscription::FanOut;

use super::*;

/// All event positions, in order.
async fn all_events(pool: &PgPool) -> Vec<i64> {
    sqlx::query_scalar("SELECT global_position FROM events ORDER BY 1")
        .fetch_all(pool)
        .await
        .unwrap()
}

/// Runs `sub` until it has applied `expected` events (a transaction of
/// another test open meanwhile holds the guard back a while), reading
/// the stream into `fan_out` when a batch finds nothing, as its task does;
/// returns what it applied.
async fn drain(sub: &Subscription, fan_out: &FanOut, expected: usize) -> usize {
    let mut total = 0;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while total < expected && std::time::Instant::now() < deadline {
        match sub.run_once().await.unwrap() {
            BatchOutcome::Applied(0) => {
                fan_out.read_once().await.unwrap();
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            }
            BatchOutcome::Applied(n) => total += n,
            BatchOutcome::Locked => panic!("nobody else runs {}", sub.name()),
        }
    }
    total
}

/// Reads until the fan-out has read `expected` events; returns how many
/// (more when a drain had read some of the earlier ones late).
async fn read(fan_out: &FanOut, expected: usize) -> usize {
    let mut total = 0;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while total < expected && std::time::Instant::now() < deadline {
        match fan_out.read_once().await.unwrap() {
            0 => tokio::time::sleep(std::time::Duration::from_millis(20)).await,
            n => total += n,
        }
    }
    total
}

#[tokio::test]
async fn two_subscriptions_fed_by_one_read_reach_the_head_and_a_slow_one_loses_nothing() {
    let pool = database().await;
    let mut conn = pool.acquire().await.unwrap();
    for i in 0..30 {
        append(&mut conn, &format!("before{i}")).await;
    }
    // Starts at the newest event: both subscriptions are behind it and
    // catch up on their own first.
    let fan_out = FanOut::with_capacity(pool.clone(), 40).await.unwrap();
    let fast = Subscription::new(pool.clone(), Arc::new(Recorder::new("fast")))
        .with_fan_out(fan_out.clone());
    let slow = Subscription::new(pool.clone(), Arc::new(Recorder::new("slow")))
        .with_batch_size(7)
        .with_fan_out(fan_out.clone());
    fast.ensure_checkpoint().await.unwrap();
    slow.ensure_checkpoint().await.unwrap();
    assert_eq!(drain(&fast, &fan_out, 30).await, 30);

    // New events: one read, both fed from memory.
    for i in 0..20 {
        append(&mut conn, &format!("after{i}")).await;
    }
    assert!(read(&fan_out, 20).await >= 20);
    let served = fan_out.served();
    assert_eq!(drain(&fast, &fan_out, 20).await, 20);
    assert_eq!(
        fan_out.served() - served,
        20,
        "the fast one took the new events from memory"
    );
    let served = fan_out.served();
    // The slow one reads its backlog itself in batches of 7, then joins.
    assert_eq!(drain(&slow, &fan_out, 50).await, 50);
    assert!(fan_out.served() > served, "the slow one joined the window");

    // More events than the window holds while the slow one stands still:
    // it falls out of the window and reads on its own, losing nothing.
    for i in 0..100 {
        append(&mut conn, &format!("burst{i}")).await;
    }
    assert!(read(&fan_out, 100).await >= 100);
    assert_eq!(drain(&fast, &fan_out, 100).await, 100);
    assert_eq!(drain(&slow, &fan_out, 100).await, 100);
    let all = all_events(&pool).await;
    assert_eq!(seen(&pool, "fast").await, all, "none skipped, none twice");
    assert_eq!(seen(&pool, "slow").await, all, "none skipped, none twice");
}

#[tokio::test]
async fn a_crash_before_a_fed_subscriptions_checkpoint_reapplies_only_its_batch() {
    let pool = database().await;
    let fan_out = FanOut::start(pool.clone()).await.unwrap();
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
    let crashing = Recorder {
        fail_at: Some(fifth),
        ..Recorder::new("crashing")
    };
    let crashing = Subscription::new(pool.clone(), Arc::new(crashing))
        .with_batch_size(3)
        .with_fan_out(fan_out.clone());
    let steady = Subscription::new(pool.clone(), Arc::new(Recorder::new("steady")))
        .with_fan_out(fan_out.clone());
    crashing.ensure_checkpoint().await.unwrap();
    steady.ensure_checkpoint().await.unwrap();
    assert_eq!(read(&fan_out, 10).await, 10);

    assert_eq!(crashing.run_once().await.unwrap(), BatchOutcome::Applied(3));
    assert!(
        crashing.run_once().await.is_err(),
        "the second batch (events 4 to 6) fails at the fifth"
    );
    assert_eq!(
        seen(&pool, "crashing").await.len(),
        3,
        "only the failed batch was rolled back"
    );
    assert_eq!(
        drain(&steady, &fan_out, 10).await,
        10,
        "the other subscription goes on"
    );
    assert_eq!(
        drain(&crashing, &fan_out, 7).await,
        7,
        "the failed batch again, then the rest"
    );
    let all = all_events(&pool).await;
    assert_eq!(seen(&pool, "crashing").await, all);
    assert_eq!(seen(&pool, "steady").await, all);
    assert_eq!(
        fan_out.served(),
        3 + 3 + 10 + 7,
        "every batch came from memory"
    );
}

#[tokio::test]
async fn a_fed_subscription_does_not_read_past_a_transaction_still_open() {
    let pool = database().await;
    let fan_out = FanOut::start(pool.clone()).await.unwrap();
    let sub = Subscription::new(pool.clone(), Arc::new(Recorder::new("guarded")))
        .with_fan_out(fan_out.clone());
    sub.ensure_checkpoint().await.unwrap();

    let mut early = pool.begin().await.unwrap();
    append(&mut early, "early").await;
    let mut conn = pool.acquire().await.unwrap();
    append(&mut conn, "late").await;
    assert_eq!(fan_out.read_once().await.unwrap(), 0, "the late one waits");
    assert_eq!(sub.run_once().await.unwrap(), BatchOutcome::Applied(0));
    early.commit().await.unwrap();
    assert_eq!(read(&fan_out, 2).await, 2);
    assert_eq!(sub.run_once().await.unwrap(), BatchOutcome::Applied(2));
    assert_eq!(seen(&pool, "guarded").await, all_events(&pool).await);
}
