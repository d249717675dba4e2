//! A batch of commands on several cases appends all their events with one
//! statement: each case's events in order, a case named twice after its
//! first command's events, and nothing at all when the batch is not committed.

use super::*;

/// The case's event types, in sequence order, with their sequences.
async fn events_of(pool: &PgPool, id: &str) -> Vec<(i64, String)> {
    sqlx::query_as(
        "SELECT sequence, event_type FROM events
         WHERE aggregate_type = 'QualificationRegistration' AND aggregate_id = $1
         ORDER BY sequence",
    )
    .bind(id)
    .fetch_all(pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn a_batch_appends_every_case_in_order_and_a_case_named_twice_after_its_first_command() {
    let app = common::spawn_app().await;
    let pool = app.pool.clone();
    let bus = bus(&pool).await;
    let (a, b) = (Uuid::new_v4().to_string(), Uuid::new_v4().to_string());
    let meta = HashMap::from([("actor".to_owned(), "batch".to_owned())]);

    // Rolled back: a batch not committed leaves nothing.
    let tx = eventstore::Appending::begin(&pool).await.unwrap();
    let tx = bus
        .execute_many_in(tx, vec![(a.clone(), submit(1, "batch-1"))], &meta)
        .await
        .unwrap();
    drop(tx);
    assert!(events_of(&pool, &a).await.is_empty());

    let tx = eventstore::Appending::begin(&pool).await.unwrap();
    let tx = bus
        .execute_many_in(
            tx,
            vec![
                (a.clone(), submit(1, "batch-1")),
                (b.clone(), submit(2, "batch-2")),
                (a.clone(), pay(&a)),
            ],
            &meta,
        )
        .await
        .unwrap();
    tx.commit().await.unwrap();

    let a_events = events_of(&pool, &a).await;
    let b_events = events_of(&pool, &b).await;
    let sequences = |events: &[(i64, String)]| events.iter().map(|(s, _)| *s).collect::<Vec<_>>();
    assert_eq!(
        sequences(&a_events),
        (1..=a_events.len() as i64).collect::<Vec<_>>()
    );
    assert_eq!(
        sequences(&b_events),
        (1..=b_events.len() as i64).collect::<Vec<_>>()
    );
    assert_eq!(a_events[0].1, "ApplicationSubmitted");
    assert_eq!(b_events[0].1, "ApplicationSubmitted");
    assert_eq!(
        a_events.last().map(|(_, t)| t.as_str()),
        Some("PaymentSettled"),
        "the second command on a saw its first command's events: {a_events:?}"
    );
    assert!(!b_events.iter().any(|(_, t)| t == "PaymentSettled"));
    // One transaction, in the order given: a's submit, b's, then a's payment.
    let order: Vec<(String, String)> = sqlx::query_as(
        "SELECT aggregate_id, event_type FROM events WHERE aggregate_id IN ($1, $2)
         ORDER BY global_position",
    )
    .bind(&a)
    .bind(&b)
    .fetch_all(&pool)
    .await
    .unwrap();
    let first_b = order.iter().position(|(id, _)| *id == b).unwrap();
    let last_a = order.iter().rposition(|(id, _)| *id == a).unwrap();
    assert!(order[..first_b].iter().all(|(id, _)| *id == a));
    assert!(
        last_a > first_b && order[last_a].1 == "PaymentSettled",
        "{order:?}"
    );
    let transactions: i64 = sqlx::query_scalar(
        "SELECT count(DISTINCT transaction_id) FROM events WHERE aggregate_id IN ($1, $2)",
    )
    .bind(&a)
    .bind(&b)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(transactions, 1);

    // A command one case refuses fails the whole batch: the other case's
    // events are not appended either.
    let c = Uuid::new_v4().to_string();
    let tx = eventstore::Appending::begin(&pool).await.unwrap();
    let refused = bus
        .execute_many_in(
            tx,
            vec![
                (c.clone(), submit(3, "batch-3")),
                (a.clone(), submit(4, "batch-4")),
            ],
            &meta,
        )
        .await;
    assert!(refused.is_err(), "a second submit of a is refused");
    drop(refused);
    assert!(events_of(&pool, &c).await.is_empty());
    assert_eq!(events_of(&pool, &a).await, a_events);
}
