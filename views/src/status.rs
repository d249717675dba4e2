//! The applicant status view: one row per registration application, for lists
//! and look-ups. A single application is read from its aggregate, never stale.

use std::collections::HashMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::examination::ExaminationEvent;
use domain::registration::RegistrationEvent;
use sqlx::PgConnection;
use uuid::Uuid;

use crate::batch::PerRow;
use crate::vocab::{CaseStatus, Channel};
use eventstore::copy::CopyRows;
use eventstore::subscription::{Projection, StoredEvent};
use eventstore::ProjectionError;

/// Builds `registration_status`.
pub struct StatusProjection;

#[async_trait]
impl Projection for StatusProjection {
    fn name(&self) -> &'static str {
        "registration_status"
    }

    /// The batch's new rows are inserted with one statement, each with the
    /// batch's later changes to it already applied (an application's first
    /// event opens its row, so nothing earlier in the batch touches it; a
    /// submit's fee, assessed in the same transaction, is written once).
    /// Every other change is folded per application and written with
    /// another. Each change only sets fields (or leaves them), so the fold
    /// ends where applying the events one by one would.
    async fn apply_batch(
        &self,
        conn: &mut PgConnection,
        events: &[StoredEvent],
    ) -> Result<(), ProjectionError> {
        write(conn, events, false).await
    }

    /// As [`Projection::apply_batch`], its new rows inserted without the
    /// replay check: a rebuild opens each row once, in an emptied view.
    async fn apply_rebuild_batch(
        &self,
        conn: &mut PgConnection,
        events: &[StoredEvent],
    ) -> Result<(), ProjectionError> {
        write(conn, events, true).await
    }

    /// Its batches look rows up by id only (the primary key).
    fn rebuild_tables(&self) -> &'static [&'static str] {
        &["registration_status"]
    }

    async fn reset(&self, conn: &mut PgConnection) -> Result<(), ProjectionError> {
        sqlx::query!("TRUNCATE registration_status")
            .execute(conn)
            .await?;
        Ok(())
    }
}

/// Writes a batch; `fresh`: its new rows cannot be in the view yet (a
/// rebuild), so they need no replay check.
async fn write(
    conn: &mut PgConnection,
    events: &[StoredEvent],
    fresh: bool,
) -> Result<(), ProjectionError> {
    let mut rows: Vec<NewRow> = Vec::new();
    let mut opened: HashMap<Uuid, usize> = HashMap::new();
    let mut changes = PerRow::<Change>::new();
    for step in crate::batch::decode_each(events, step)?
        .into_iter()
        .flatten()
    {
        match step {
            Step::Insert(row) => {
                opened.insert(row.id, rows.len());
                rows.push(row);
            }
            Step::Change(id, change) => match opened.get(&id) {
                Some(&i) => rows[i].then(change),
                None => changes.entry(id).then(change),
            },
        }
    }
    // In key order: neighbouring rows land on the same pages of the
    // primary key's index (a rebuild's large batches gain the most).
    rows.sort_unstable_by_key(|r| r.id);
    let mut changes = changes.into_rows();
    changes.sort_unstable_by_key(|(id, _)| *id);
    insert(conn, &rows, fresh).await?;
    update(conn, &changes).await
}

/// What one event does to the view.
enum Step {
    /// Opens a row.
    Insert(NewRow),
    /// Changes an existing row.
    Change(Uuid, Change),
}

/// A row an application's first event opens.
struct NewRow {
    id: Uuid,
    owner: Option<String>,
    qualification_code: String,
    channel: Channel,
    status: CaseStatus,
    fee_total: i64,
    paid: bool,
    submitted_at: DateTime<Utc>,
    due_at: DateTime<Utc>,
    registration_number: Option<String>,
    version: i64,
    updated_at: DateTime<Utc>,
}

impl NewRow {
    /// The new row after a later event of the same batch.
    fn then(&mut self, c: Change) {
        if let Some(owner) = c.owner {
            self.owner = owner;
        }
        self.status = c.status.unwrap_or(self.status);
        self.fee_total = c.fee.unwrap_or(self.fee_total);
        self.paid = c.paid.unwrap_or(self.paid);
        self.registration_number = c.number.or(self.registration_number.take());
        self.version = c.version.unwrap_or(self.version);
        self.updated_at = c.updated_at.unwrap_or(self.updated_at);
    }
}

/// What `event` does to the view, if anything.
fn step(event: &StoredEvent) -> Result<Option<Step>, ProjectionError> {
    let Some((id, e)) = event.registration_event()? else {
        return Ok(None);
    };
    if let RegistrationEvent::ApplicationSubmitted {
        qualification_code,
        channel,
        owner,
        submitted_at,
        due_at,
        ..
    } = &e
    {
        return Ok(Some(Step::Insert(NewRow {
            id,
            owner: owner.clone(),
            qualification_code: qualification_code.clone(),
            channel: (*channel).into(),
            status: CaseStatus::Submitted,
            fee_total: 0,
            paid: false,
            submitted_at: *submitted_at,
            due_at: *due_at,
            registration_number: None,
            version: event.sequence,
            updated_at: event.recorded_at,
        })));
    }
    if let RegistrationEvent::RegistrationImported {
        qualification_code,
        registration_number,
        at,
        ..
    } = &e
    {
        return Ok(Some(Step::Insert(NewRow {
            id,
            owner: None,
            qualification_code: qualification_code.clone(),
            channel: Channel::Paper,
            status: CaseStatus::Registered,
            fee_total: 0,
            paid: false,
            submitted_at: *at,
            due_at: *at,
            registration_number: Some(registration_number.clone()),
            version: event.sequence,
            updated_at: event.recorded_at,
        })));
    }
    // A link sets the owner; a dispute resolved by undoing it clears it, so
    // the old linker no longer lists the registration.
    let linked = match &e {
        RegistrationEvent::HolderLinked { owner, .. } => Some(Some(owner.clone())),
        RegistrationEvent::LinkDisputeResolved { unlinked: true, .. } => Some(None),
        _ => None,
    };
    if let Some(owner) = linked {
        return Ok(Some(Step::Change(
            id,
            Change {
                owner: Some(owner),
                version: Some(event.sequence),
                ..Change::default()
            },
        )));
    }
    let status = e.status_after().map(CaseStatus::from);
    let (fee, paid, number) = match &e {
        RegistrationEvent::Examination(ExaminationEvent::FeeAssessed { fee }) => {
            (Some(fee.total()), None, None)
        }
        RegistrationEvent::Examination(ExaminationEvent::PaymentSettled { .. }) => {
            (None, Some(true), None)
        }
        RegistrationEvent::Registered {
            registration_number,
            ..
        } => (None, None, Some(registration_number.clone())),
        _ => (None, None, None),
    };
    Ok(Some(Step::Change(
        id,
        Change {
            owner: None,
            status,
            fee,
            paid,
            number,
            version: Some(event.sequence),
            updated_at: Some(event.recorded_at),
        },
    )))
}

/// What events do to an existing row: each field set, or left as it is.
#[derive(Debug, Default)]
struct Change {
    /// Set (to an owner, or to none when a link is undone), or left.
    owner: Option<Option<String>>,
    status: Option<CaseStatus>,
    fee: Option<i64>,
    paid: Option<bool>,
    number: Option<String>,
    version: Option<i64>,
    updated_at: Option<DateTime<Utc>>,
}

impl Change {
    /// This change followed by `next`.
    fn then(&mut self, next: Change) {
        self.owner = next.owner.or(self.owner.take());
        self.status = next.status.or(self.status);
        self.fee = next.fee.or(self.fee);
        self.paid = next.paid.or(self.paid);
        self.number = next.number.or(self.number.take());
        self.version = next.version.or(self.version);
        self.updated_at = next.updated_at.or(self.updated_at);
    }
}

/// Inserts the new rows (rows already there stay as they are: a replay;
/// `fresh`: there are none).
async fn insert(
    conn: &mut PgConnection,
    rows: &[NewRow],
    fresh: bool,
) -> Result<(), ProjectionError> {
    if rows.is_empty() {
        return Ok(());
    }
    if fresh {
        return copy_rows(conn, rows).await;
    }
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let owners: Vec<Option<&str>> = rows.iter().map(|r| r.owner.as_deref()).collect();
    let codes: Vec<&str> = rows.iter().map(|r| r.qualification_code.as_str()).collect();
    let channels: Vec<&str> = rows.iter().map(|r| r.channel.as_str()).collect();
    let statuses: Vec<&str> = rows.iter().map(|r| r.status.as_str()).collect();
    let submitted: Vec<DateTime<Utc>> = rows.iter().map(|r| r.submitted_at).collect();
    let due: Vec<DateTime<Utc>> = rows.iter().map(|r| r.due_at).collect();
    let numbers: Vec<Option<&str>> = rows
        .iter()
        .map(|r| r.registration_number.as_deref())
        .collect();
    let versions: Vec<i64> = rows.iter().map(|r| r.version).collect();
    let updated: Vec<DateTime<Utc>> = rows.iter().map(|r| r.updated_at).collect();
    let fees: Vec<i64> = rows.iter().map(|r| r.fee_total).collect();
    let paid: Vec<bool> = rows.iter().map(|r| r.paid).collect();
    // The `as` casts name the array types the macro cannot infer (borrowed
    // and NULL elements); each statement itself is checked.
    sqlx::query!(
        "INSERT INTO registration_status
                   (id, owner, qualification_code, channel, status, submitted_at, due_at,
                    registration_number, version, updated_at, fee_total, paid)
                 SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[],
                                      $5::text[], $6::timestamptz[], $7::timestamptz[],
                                      $8::text[], $9::bigint[], $10::timestamptz[],
                                      $11::bigint[], $12::bool[]) ON CONFLICT (id) DO NOTHING",
        &ids,
        &owners as &[Option<&str>],
        &codes as &[&str],
        &channels as &[&str],
        &statuses as &[&str],
        &submitted,
        &due,
        &numbers as &[Option<&str>],
        &versions,
        &updated,
        &fees,
        &paid,
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Inserts a rebuild's new rows (see [`eventstore::copy`]).
async fn copy_rows(conn: &mut PgConnection, rows: &[NewRow]) -> Result<(), ProjectionError> {
    let mut copy = CopyRows::new();
    for r in rows {
        copy.row(12)
            .uuid(r.id)
            .opt_text(r.owner.as_deref())
            .text(&r.qualification_code)
            .text(r.channel.as_str())
            .text(r.status.as_str())
            .timestamptz(r.submitted_at)
            .timestamptz(r.due_at)
            .opt_text(r.registration_number.as_deref())
            .int8(r.version)
            .timestamptz(r.updated_at)
            .int8(r.fee_total)
            .bool(r.paid);
    }
    copy.copy_in(
        conn,
        "COPY registration_status
           (id, owner, qualification_code, channel, status, submitted_at, due_at,
            registration_number, version, updated_at, fee_total, paid)
         FROM STDIN (FORMAT binary)",
    )
    .await?;
    Ok(())
}

/// Writes the folded changes, one statement for the batch.
async fn update(
    conn: &mut PgConnection,
    changes: &[(Uuid, Change)],
) -> Result<(), ProjectionError> {
    if changes.is_empty() {
        return Ok(());
    }
    let ids: Vec<Uuid> = changes.iter().map(|(id, _)| *id).collect();
    let owners: Vec<Option<&str>> = changes
        .iter()
        .map(|(_, c)| c.owner.as_ref().and_then(|o| o.as_deref()))
        .collect();
    let owner_set: Vec<bool> = changes.iter().map(|(_, c)| c.owner.is_some()).collect();
    let statuses: Vec<Option<&str>> = changes
        .iter()
        .map(|(_, c)| c.status.map(CaseStatus::as_str))
        .collect();
    let fees: Vec<Option<i64>> = changes.iter().map(|(_, c)| c.fee).collect();
    let paid: Vec<Option<bool>> = changes.iter().map(|(_, c)| c.paid).collect();
    let numbers: Vec<Option<&str>> = changes.iter().map(|(_, c)| c.number.as_deref()).collect();
    let versions: Vec<Option<i64>> = changes.iter().map(|(_, c)| c.version).collect();
    let updated: Vec<Option<DateTime<Utc>>> = changes.iter().map(|(_, c)| c.updated_at).collect();
    sqlx::query!(
        "UPDATE registration_status s
         SET owner = CASE WHEN c.owner_set THEN c.owner ELSE s.owner END,
             status = coalesce(c.status, s.status),
             fee_total = coalesce(c.fee, s.fee_total), paid = coalesce(c.paid, s.paid),
             registration_number = coalesce(c.number, s.registration_number),
             version = coalesce(c.version, s.version),
             updated_at = coalesce(c.updated_at, s.updated_at)
         FROM unnest($1::uuid[], $2::text[], $3::text[], $4::bigint[], $5::bool[], $6::text[],
                     $7::bigint[], $8::timestamptz[], $9::bool[])
              AS c(id, owner, status, fee, paid, number, version, updated_at, owner_set)
         WHERE s.id = c.id",
        &ids,
        &owners as &[Option<&str>],
        &statuses as &[Option<&str>],
        &fees as &[Option<i64>],
        &paid as &[Option<bool>],
        &numbers as &[Option<&str>],
        &versions as &[Option<i64>],
        &updated as &[Option<DateTime<Utc>>],
        &owner_set,
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

mod list;
pub use list::{list, StatusFilter, StatusRow};
