//! The cascade phase: a burst of submits, then the time until every case is
//! settled (every subscription has read every event, no job is due or
//! running, and each new case has its payment link and its mails written).
//! The applicant waits for the payment link and the mail, not for the 201.

use std::time::{Duration, Instant};

use workers::payment::sandbox::SandboxSigner;

use super::load::load;
use super::BoxError;

/// What the cascade left behind at one moment, read in one statement (one
/// snapshot): a job that has finished has its events visible to the same
/// read, so "caught up and nothing due" cannot miss work still to come.
struct Settlement {
    behind: i64,
    due_jobs: i64,
    checkouts: i64,
    mails: i64,
}

async fn settlement(pool: &sqlx::PgPool) -> Result<Settlement, BoxError> {
    let (behind, due_jobs, checkouts, mails): (i64, i64, i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM subscription_checkpoints c
                 WHERE EXISTS (SELECT 1 FROM events e WHERE (e.transaction_id, e.global_position) >
                       (c.last_transaction_id, c.last_global_position))),
                (SELECT count(*) FROM job_queue WHERE NOT dead AND due_at <= now()),
                (SELECT count(*) FROM events WHERE event_type = 'CheckoutOpened'),
                (SELECT count(*) FROM notification_deliveries)",
    )
    .fetch_one(pool)
    .await?;
    Ok(Settlement {
        behind,
        due_jobs,
        checkouts,
        mails,
    })
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
    /// settled per second of the whole run and its ratio to pgbench.
    pub async fn run(&self, pool: &sqlx::PgPool) -> Result<(), BoxError> {
        let what = if self.pay { "submit-and-pay" } else { "submit" };
        println!(
            "== cascade: {what} burst, {} clients, {} s, until every case has its payment link and its mails",
            self.clients, self.seconds
        );
        let before = settlement(pool).await?;
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
            let now = settlement(pool).await?;
            let checkouts = now.checkouts - before.checkouts;
            let mails = now.mails - before.mails;
            // Paid at once, a case may never need its link: then only the
            // mails and the jobs say it is settled.
            let links_done = self.pay || checkouts >= cases;
            if now.behind == 0 && now.due_jobs == 0 && links_done {
                let secs = started.elapsed().as_secs_f64();
                let rate = cases as f64 / secs;
                println!(
                    "{cases} cases submitted in {burst_secs:.1} s ({:.1}/s, errors {}); settled {secs:.1} s after the burst began: {checkouts} payment links, {mails} mails",
                    cases as f64 / burst_secs,
                    burst.errors,
                );
                println!(
                    "cascade ({what}): {rate:.1} cases settled/s = ratio {:.3} of pgbench tps (target >= 0.3, goal 0.5)",
                    rate / self.pgbench_tps
                );
                return Ok(());
            }
            if last_report.elapsed() > Duration::from_secs(10) {
                last_report = Instant::now();
                println!(
                    "  {:.0} s: {} subscriptions behind, {} jobs due, {checkouts} links, {mails} mails",
                    started.elapsed().as_secs_f64(),
                    now.behind,
                    now.due_jobs
                );
            }
            if started.elapsed() > Duration::from_secs(900) {
                return Err("the cascade did not settle within 15 minutes".into());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}
