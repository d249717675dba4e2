//! Waking subscriptions when events were appended, without a NOTIFY inside
//! the command's transaction (which would serialise every commit, see the
//! migration `..071`): a command that committed events bumps a counter in its
//! own process, and one relay tells other processes with a coalesced NOTIFY.

use std::sync::OnceLock;
use std::time::Duration;

use sqlx::postgres::PgListener;
use sqlx::PgPool;
use tokio::sync::watch;

use crate::ProjectionError;

/// The Postgres channel other processes are told on.
pub const EVENTS_CHANNEL: &str = "shikaku_events";

/// The most often this process notifies other processes.
const RELAY_EVERY: Duration = Duration::from_millis(20);

/// Tags this process's notifications, so it does not wake itself twice.
fn tag() -> &'static str {
    static TAG: OnceLock<String> = OnceLock::new();
    TAG.get_or_init(|| uuid::Uuid::new_v4().simple().to_string())
}

fn local() -> &'static watch::Sender<u64> {
    static LOCAL: OnceLock<watch::Sender<u64>> = OnceLock::new();
    LOCAL.get_or_init(|| watch::channel(0).0)
}

/// Says that a transaction that appended events has committed.
pub(crate) fn appended() {
    local().send_modify(|n| *n = n.wrapping_add(1));
}

/// A counter that moves when events were appended, here or (through NOTIFY)
/// in another process; subscriptions wait on it. Also starts the relay that
/// notifies other processes of this one's appends.
pub async fn listen(pool: &PgPool) -> Result<watch::Receiver<u64>, ProjectionError> {
    let mut listener = listener(pool).await?;
    listener.listen(EVENTS_CHANNEL).await?;
    let (tx, rx) = watch::channel(0u64);
    let mut mine = local().subscribe();
    let relay_pool = pool.clone();
    tokio::spawn(async move {
        loop {
            tokio::select! {
                changed = mine.changed() => {
                    if changed.is_err() {
                        return;
                    }
                    tx.send_modify(|n| *n = n.wrapping_add(1));
                    notify_others(&relay_pool).await;
                    // Appends meanwhile are told with the next notification.
                    tokio::time::sleep(RELAY_EVERY).await;
                }
                received = listener.recv() => match received {
                    Ok(n) if n.payload() == tag() => {}
                    Ok(_) => tx.send_modify(|n| *n = n.wrapping_add(1)),
                    Err(e) => {
                        tracing::warn!(error = %e, "event listener lost its connection; retrying");
                        tokio::time::sleep(Duration::from_secs(1)).await;
                    }
                },
            }
            if tx.is_closed() {
                return;
            }
        }
    });
    Ok(rx)
}

/// A LISTEN connection of its own, outside `pool`: a listener made from the
/// pool itself holds one of its connections for as long as it lives, which
/// leaves requests one connection fewer per listener (and none at all in a
/// pool of one). It reconnects through its own one-connection pool.
pub async fn listener(pool: &PgPool) -> Result<PgListener, sqlx::Error> {
    let own = sqlx::postgres::PgPoolOptions::new()
        .max_connections(1)
        .max_lifetime(None)
        .idle_timeout(None)
        .connect_lazy_with((*pool.connect_options()).clone());
    PgListener::connect_with(&own).await
}

/// Keeps `kept` in step with what is announced on `channel`: a task calls
/// `reread` after every notification, and after a lost connection (which
/// may have missed one), for as long as `alive(&kept)` says that the
/// application still holds it and `pool` is open.
pub async fn follow<T, F>(
    pool: &PgPool,
    channel: &'static str,
    kept: T,
    alive: fn(&T) -> bool,
    reread: fn(PgPool, T) -> F,
) -> Result<(), sqlx::Error>
where
    T: Clone + Send + 'static,
    F: std::future::Future<Output = ()> + Send + 'static,
{
    let mut listener = listener(pool).await?;
    listener.listen(channel).await?;
    let pool = pool.clone();
    tokio::spawn(async move {
        while alive(&kept) && !pool.is_closed() {
            // A timeout lets the task notice that its application stopped.
            match tokio::time::timeout(Duration::from_secs(5), listener.try_recv()).await {
                Err(_) => continue,
                Ok(Ok(_)) => {} // a notification, or reconnected after missing some
                Ok(Err(e)) => {
                    tracing::warn!(error = %e, channel, "listener lost its connection; retrying");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    continue;
                }
            }
            reread(pool.clone(), kept.clone()).await;
        }
    });
    Ok(())
}

async fn notify_others(pool: &PgPool) {
    if let Err(e) = sqlx::query!("SELECT pg_notify($1, $2)", EVENTS_CHANNEL, tag())
        .fetch_one(pool)
        .await
    {
        tracing::debug!(error = %e, "cannot notify other processes; they poll");
    }
}
