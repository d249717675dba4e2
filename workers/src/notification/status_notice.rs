//! Telling holders that a certificate or wallet credential of theirs was
//! revoked or suspended. Not derived from events one by one: a status-list
//! entry changes inside the batch of whichever subscription (or use case)
//! revokes or suspends it, and a trigger records each change in
//! `status_changes` in that same transaction. This pass reads the untold
//! changes, writes one notice per registration and change (a re-issue that
//! revokes a certificate and two wallet credentials is one notice) with its
//! mail job, and marks the changes told, all in one transaction:
//! - a crash before the commit leaves the changes untold (told next pass),
//!   after it leaves them told: never lost, never doubled;
//! - the Message-ID is the first change's id, so the mail job's unique key
//!   and the delivery record hold even if a pass were repeated;
//! - a change a sanction or a death explains is told by that case alone;
//! - a replay (a rebuild) sets entries to the state they are already in,
//!   which changes nothing and records nothing: no one is told twice.
//!
//! The trigger NOTIFYs `shikaku_status_changes`; the pass runs when woken,
//! and also now and then in case a notification was missed.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use domain::CaseKind;
use eventstore::ProjectionError;
use sqlx::postgres::PgListener;
use sqlx::{PgPool, Row};
use tokio::sync::watch;
use uuid::Uuid;

use super::inbox::{write, NewNotice};
use super::recipient::Book;
use super::templates::NoticeValues;
use super::{NoticeKind, NotificationProducer};

/// Changes read per pass.
const PASS: i64 = 500;
/// A change whose registration has no recipient on record after this long
/// (a registration the notification view never saw) is given up, not retried
/// for ever; a younger one waits for the view to catch up or be rebuilt.
const NO_RECIPIENT_GRACE: chrono::Duration = chrono::Duration::hours(1);
/// How long a change waiting for its recipient is put off, so that it does
/// not hold the changes behind it.
const RETRY_AFTER_SECONDS: f64 = 2.0;
/// Told changes are kept this long (for inquiries), then removed.
const KEEP_TOLD: &str = "7 days";
/// How often told changes are pruned.
const PRUNE_EVERY: Duration = Duration::from_secs(3600);
/// The channel the `status_changes` trigger notifies.
const CHANNEL: &str = "shikaku_status_changes";

/// One untold change of a status-list entry.
struct Change {
    id: i64,
    registration_id: Option<Uuid>,
    wallet: bool,
    to_status: i16,
    changed_at: DateTime<Utc>,
}

/// The changes one transaction made to one registration's entries, told together.
type GroupKey = (Uuid, i16, DateTime<Utc>);

impl NotificationProducer {
    /// Tells the holders of the untold status changes; returns how many
    /// changes were handled (0: nothing to do).
    pub async fn tell_status_changes(&self, pool: &PgPool) -> Result<usize, ProjectionError> {
        let mut tx = pool.begin().await?;
        let rows = sqlx::query(
            "SELECT c.id, c.to_status, c.changed_at, e.registration_id,
                    EXISTS (SELECT 1 FROM wallet_credentials w WHERE w.id = c.owner_id) AS wallet
             FROM status_changes c
             LEFT JOIN status_list_entries e ON e.owner_id = c.owner_id
             WHERE c.told_at IS NULL AND (c.retry_at IS NULL OR c.retry_at <= now())
             ORDER BY c.id LIMIT $1
             FOR UPDATE OF c SKIP LOCKED",
        )
        .bind(PASS)
        .fetch_all(&mut *tx)
        .await?;
        let full = rows.len() as i64 == PASS;
        let changes: Vec<Change> = rows
            .into_iter()
            .map(|r| Change {
                id: r.get("id"),
                registration_id: r.get("registration_id"),
                wallet: r.get("wallet"),
                to_status: r.get("to_status"),
                changed_at: r.get("changed_at"),
            })
            .collect();
        let mut groups: BTreeMap<GroupKey, Vec<&Change>> = BTreeMap::new();
        let mut done: Vec<i64> = Vec::new();
        let mut later: Vec<i64> = Vec::new();
        for c in &changes {
            match c.registration_id {
                // VALID again (a suspension lifted) is told by the case that
                // lifted it; an entry of no registration (a test's, the
                // bench's) has no one to tell.
                Some(reg) if c.to_status != 0 => groups
                    .entry((reg, c.to_status, c.changed_at))
                    .or_default()
                    .push(c),
                _ => done.push(c.id),
            }
        }
        // A full pass may have cut the newest transaction's changes in two:
        // those wait for the next pass, so one change is one notice; unless
        // the pass holds nothing else (one transaction of more changes than a
        // pass), which would otherwise wait for ever.
        let newest = changes.last().map(|c| c.changed_at);
        if full && changes.first().map(|c| c.changed_at) != newest {
            groups.retain(|k, _| Some(k.2) != newest);
        }
        let ids: Vec<Uuid> = groups.keys().map(|k| k.0).collect();
        let book = Book::load(&mut tx, &ids).await?;
        // Registrations deleted on a death or a declaration of disappearance (the revocation is committed after
        // that event, so it is always found here), and those a sanction
        // suspended or revoked: its case's notice already told the holder.
        let explained: Vec<(String, String)> = sqlx::query_as(
            "SELECT aggregate_id, event_type FROM events
             WHERE aggregate_type = $1 AND aggregate_id = ANY($2)
               AND (event_type IN ('RegistrationSuspended', 'RegistrationRevoked',
                                   'RegistrationExpired')
                    OR event_type = 'RegistrationDeleted'
                       AND payload->'RegistrationDeleted'->>'reason' IN ('DEATH', 'DISAPPEARANCE'))",
        )
        .bind(CaseKind::Registration.aggregate_type())
        .bind(ids.iter().map(Uuid::to_string).collect::<Vec<_>>())
        .fetch_all(&mut *tx)
        .await?;
        let told_by = |reg: &Uuid, event: &str| {
            explained
                .iter()
                .any(|(id, e)| e == event && *id == reg.to_string())
        };
        let mut notices = Vec::new();
        for ((reg, to_status, changed_at), group) in &groups {
            let Some(recipient) = book.get(*reg) else {
                if Utc::now() - *changed_at > NO_RECIPIENT_GRACE {
                    done.extend(group.iter().map(|c| c.id));
                } else {
                    later.extend(group.iter().map(|c| c.id));
                }
                continue;
            };
            done.extend(group.iter().map(|c| c.id));
            // Nobody is mailed that a deceased holder's certificates
            // stopped being valid: the notifier was answered by the case.
            if recipient.death || told_by(reg, "RegistrationDeleted") {
                continue;
            }
            // An expiry's notice tells of the suspended certificates too.
            let explaining: &[&str] = match to_status {
                2 => &["RegistrationSuspended", "RegistrationExpired"],
                _ => &["RegistrationRevoked"],
            };
            if explaining.iter().any(|e| told_by(reg, e)) {
                continue;
            }
            let kind = if *to_status == 2 {
                NoticeKind::CredentialSuspended
            } else {
                NoticeKind::CredentialRevoked
            };
            let wallet = group.iter().filter(|c| c.wallet).count();
            let mut v = NoticeValues {
                certificates: group.len() - wallet,
                wallet_credentials: wallet,
                ..NoticeValues::default()
            };
            self.fill(&mut v, *reg, CaseKind::Registration, kind, recipient);
            let rendered = self
                .templates
                .render(kind, recipient.language, &v)
                .map_err(|e| ProjectionError::Handler(Box::new(e)))?;
            let first = group.iter().map(|c| c.id).min().unwrap_or_default();
            notices.push(NewNotice {
                message_id: format!("<status-change-{first}@{}>", self.host()),
                case_type: CaseKind::Registration,
                case_id: *reg,
                // Not an event's notice: no event sequence.
                sequence: -1,
                kind: kind.as_str(),
                owner: recipient.owner.clone(),
                email: recipient.email.clone(),
                language: recipient.language.as_str(),
                subject: rendered.subject,
                body: rendered.body,
                created_at: *changed_at,
            });
        }
        write(&mut tx, notices).await?;
        sqlx::query("UPDATE status_changes SET told_at = now() WHERE id = ANY($1)")
            .bind(&done)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "UPDATE status_changes SET retry_at = now() + make_interval(secs => $2)
             WHERE id = ANY($1)",
        )
        .bind(&later)
        .bind(RETRY_AFTER_SECONDS)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(done.len() + later.len())
    }

    /// Removes changes told long ago; returns how many.
    pub async fn prune_told_status_changes(pool: &PgPool) -> Result<u64, sqlx::Error> {
        let pruned =
            sqlx::query("DELETE FROM status_changes WHERE told_at < now() - $1::text::interval")
                .bind(KEEP_TOLD)
                .execute(pool)
                .await?;
        Ok(pruned.rows_affected())
    }

    /// Tells status changes until `shutdown`: at once while there are
    /// more, when the trigger notifies, and at the latest every `every`;
    /// prunes told changes now and then.
    pub async fn tell_status_changes_until(
        self: std::sync::Arc<Self>,
        pool: PgPool,
        every: Duration,
        mut shutdown: watch::Receiver<bool>,
    ) {
        let mut listener = listen(&pool).await;
        let mut pruned_at = tokio::time::Instant::now();
        loop {
            let pause = match self.tell_status_changes(&pool).await {
                Ok(0) => every,
                Ok(_) => Duration::ZERO,
                Err(e) => {
                    tracing::warn!(error = %e, "status change notices failed; retrying");
                    Duration::from_secs(2)
                }
            };
            if pruned_at.elapsed() >= PRUNE_EVERY {
                pruned_at = tokio::time::Instant::now();
                if let Err(e) = Self::prune_told_status_changes(&pool).await {
                    tracing::warn!(error = %e, "pruning told status changes failed");
                }
            }
            if *shutdown.borrow() {
                return;
            }
            if pause.is_zero() {
                continue;
            }
            if listener.is_none() {
                listener = listen(&pool).await;
            }
            tokio::select! {
                _ = tokio::time::sleep(pause) => {}
                _ = wake(&mut listener) => {}
                _ = shutdown.changed() => return,
            }
        }
    }
}

/// A listener on the trigger's channel; `None` when it cannot connect (the
/// pass then runs every `every` only).
async fn listen(pool: &PgPool) -> Option<PgListener> {
    let mut listener = eventstore::wake::listener(pool).await.ok()?;
    listener.listen(CHANNEL).await.ok()?;
    Some(listener)
}

/// Waits for a notification. A lost connection wakes too (a notification
/// may have been missed; the next wait reconnects); a failed one drops the
/// listener, to be made again after the next pause.
async fn wake(listener: &mut Option<PgListener>) {
    match listener {
        Some(l) => {
            if l.try_recv().await.is_err() {
                *listener = None;
            }
        }
        None => std::future::pending().await,
    }
}
