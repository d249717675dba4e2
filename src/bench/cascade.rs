//! The cascade phase: a burst of submits, then the time until every case is
//! settled (every subscription has read every event, no job is due or
//! running, and each new case has its payment link and its mails written).
//! The applicant waits for the payment link and the mail, not for the 201.

use std::time::{Duration, Instant};

use workers::payment::sandbox::SandboxSigner;

use super::load::load;
use super::BoxError;

/// Whether the cascade has stopped, read in one statement (one snapshot): a
/// job that has finished has its events visible to the same read, so
/// "caught up and nothing due" cannot miss work still to come. Each part is
/// an EXISTS on an index, so polling it costs the cascade next to nothing
/// (counting the stream's events every 100 ms took a fifth of the
/// database's time and slowed the very thing measured).
async fn quiet(pool: &sqlx::PgPool) -> Result<bool, BoxError> {
    Ok(sqlx::query_scalar(
        "SELECT NOT EXISTS (SELECT 1 FROM subscription_checkpoints c
                            WHERE EXISTS (SELECT 1 FROM events e
                                          WHERE (e.transaction_id, e.global_position) >
                                                (c.last_transaction_id, c.last_global_position)))
            AND NOT EXISTS (SELECT 1 FROM job_queue WHERE NOT dead AND due_at <= now())",
    )
    .fetch_one(pool)
    .await?)
}

/// What the burst has produced so far: payment links opened and mails
/// written since `since` (both tables are written once per item).
async fn produced(
    pool: &sqlx::PgPool,
    since: chrono::DateTime<chrono::Utc>,
) -> Result<(i64, i64), BoxError> {
    Ok(sqlx::query_as(
        "SELECT (SELECT count(*) FROM open_checkouts WHERE opened_at >= $1),
                (SELECT count(*) FROM notification_deliveries WHERE sent_at >= $1)",
    )
    .bind(since)
    .fetch_one(pool)
    .await?)
}

/// Subscriptions behind and jobs due, for the progress lines.
async fn backlog(pool: &sqlx::PgPool) -> Result<(i64, i64), BoxError> {
    let behind: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM subscription_checkpoints c
         WHERE EXISTS (SELECT 1 FROM events e WHERE (e.transaction_id, e.global_position) >
               (c.last_transaction_id, c.last_global_position))",
    )
    .fetch_one(pool)
    .await?;
    Ok((behind, workers::jobs::backlog(pool).await?.0))
}

/// Options of one cascade run.
pub struct Cascade<'a> {
    pub base: &'a str,
    pub token: &'a str,
    pub signer: &'a SandboxSigner,
    pub clients: usize,
    pub seconds: u64,
    pub pay: bool,
    pub pgbench_tps: f64,
}

impl Cascade<'_> {
    /// Runs the burst and waits for it to settle; prints the rate of cases
    /// settled per second of the whole run and its ratio to pgbench, and
    /// returns the rate.
    pub async fn run(&self, pool: &sqlx::PgPool) -> Result<f64, BoxError> {
        let what = if self.pay { "submit-and-pay" } else { "submit" };
        println!(
            "== cascade: {what} burst, {} clients, {} s, until every case has its payment link and its mails",
            self.clients, self.seconds
        );
        // The database's clock: the rows' times are its own.
        let since: chrono::DateTime<chrono::Utc> =
            sqlx::query_scalar("SELECT now()").fetch_one(pool).await?;
        let started = Instant::now();
        let burst = load(
            self.base,
            self.token,
            self.signer,
            self.clients,
            self.seconds,
            None,
            self.pay,
        )
        .await?;
        let burst_secs = started.elapsed().as_secs_f64();
        let cases = burst.submits as i64;
        let mut last_report = Instant::now();
        loop {
            if quiet(pool).await? {
                let secs = started.elapsed().as_secs_f64();
                let (checkouts, mails) = produced(pool, since).await?;
                // Paid at once, a case may never need its link: then only
                // the mails and the jobs say it is settled.
                if self.pay || checkouts >= cases {
                    let rate = cases as f64 / secs;
                    println!(
                        "{cases} cases submitted in {burst_secs:.1} s ({:.1}/s, errors {}); settled {secs:.1} s after the burst began: {checkouts} payment links, {mails} mails",
                        cases as f64 / burst_secs,
                        burst.errors,
                    );
                    for f in &burst.failures {
                        println!("    failed: {f}");
                    }
                    println!(
                        "cascade ({what}): {rate:.1} cases settled/s = ratio {:.3} of pgbench tps (target >= 0.3, goal 0.5)",
                        rate / self.pgbench_tps
                    );
                    return Ok(rate);
                }
            }
            if last_report.elapsed() > Duration::from_secs(10) {
                last_report = Instant::now();
                let (behind, due) = backlog(pool).await?;
                let (checkouts, mails) = produced(pool, since).await?;
                println!(
                    "  {:.0} s: {behind} subscriptions behind, {due} jobs due, {checkouts} links, {mails} mails",
                    started.elapsed().as_secs_f64(),
                );
            }
            if started.elapsed() > Duration::from_secs(900) {
                return Err("the cascade did not settle within 15 minutes".into());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}
