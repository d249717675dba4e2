//! The examiner queue over every kind of case, ordered by due date.

use std::collections::HashMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::change_request::ChangeRequestEvent;
use domain::examination::ExaminationEvent;
use domain::registration::{RegistrationEvent, LINK_DISPUTED};
use domain::{CaseEvent, CaseKind};
use serde_json::json;
use sqlx::PgConnection;
use uuid::Uuid;

mod insert;
mod listing;

use insert::insert_cases;
pub use listing::{list, QueueFilter, QueueRow};

use crate::batch::PerRow;
use crate::inquiry::{flag_update, FlagUpdate};
use domain::examination::INQUIRY_PENDING;
use eventstore::subscription::{Projection, StoredEvent};
use eventstore::ProjectionError;

/// Builds `examiner_queue`.
pub struct QueueProjection;

/// A case entering the queue.
struct NewCase {
    case_type: &'static str,
    qualification_code: String,
    procedure: &'static str,
    submitted_at: DateTime<Utc>,
    due_at: DateTime<Utc>,
    /// The registration the case is about (itself for an application).
    registration_id: Option<Uuid>,
    /// The name applied with (a change request's holder is on the register).
    name: Option<(String, String)>,
}

/// The registration a case opened by `e` concerns, and the name it was
/// applied with. Other kinds of case name their holder through the register
/// once they say which registration they concern.
fn party(case_id: Uuid, e: &CaseEvent) -> (Option<Uuid>, Option<(String, String)>) {
    match e {
        CaseEvent::Registration(RegistrationEvent::ApplicationSubmitted { applicant, .. }) => (
            Some(case_id),
            Some((applicant.family_name.clone(), applicant.given_name.clone())),
        ),
        CaseEvent::ChangeRequest(ChangeRequestEvent::ChangeRequested {
            registration_id, ..
        }) => (Some(*registration_id), None),
        _ => (None, None),
    }
}

/// What one event does to the queue.
struct QueueChange<'a> {
    case_id: Uuid,
    /// A new case.
    opened: Option<NewCase>,
    status: Option<&'static str>,
    assignee: Option<&'a str>,
    flags: Option<FlagUpdate>,
}

fn assignee(e: &ExaminationEvent) -> Option<&str> {
    match e {
        ExaminationEvent::ExaminerAssigned { examiner, .. } => Some(examiner.as_str()),
        // A returned proposal goes back to whoever proposed it.
        ExaminationEvent::ProposalReturned { proposed_by, .. } => Some(proposed_by.as_str()),
        _ => None,
    }
}

/// What an event of any case does to the queue.
fn change(case_id: Uuid, e: &CaseEvent) -> QueueChange<'_> {
    QueueChange {
        case_id,
        opened: e.opening().map(|o| {
            let (registration_id, name) = party(case_id, e);
            NewCase {
                case_type: e.kind().wire(),
                qualification_code: o.qualification_code.to_owned(),
                procedure: o.procedure.as_str(),
                submitted_at: o.submitted_at,
                due_at: o.due_at,
                registration_id,
                name,
            }
        }),
        status: e.status_after().map(|s| s.as_str()),
        assignee: e.examination().and_then(assignee),
        flags: e.examination().and_then(flag_update),
    }
}

#[async_trait]
impl Projection for QueueProjection {
    fn name(&self) -> &'static str {
        "examiner_queue"
    }

    /// The batch's new cases in one statement, each with the batch's later
    /// changes to it already applied (a submit's fee is assessed in the same
    /// transaction: written once, not inserted and then updated); then the
    /// changes to older cases, folded per case, in a second.
    async fn apply_batch(
        &self,
        conn: &mut PgConnection,
        events: &[StoredEvent],
    ) -> Result<(), ProjectionError> {
        write(conn, events, false).await
    }

    /// As [`Projection::apply_batch`], its new cases inserted without the
    /// replay check: a rebuild opens each case once, in an emptied queue.
    async fn apply_rebuild_batch(
        &self,
        conn: &mut PgConnection,
        events: &[StoredEvent],
    ) -> Result<(), ProjectionError> {
        write(conn, events, true).await
    }

    /// Its batches look cases up by case id only (the primary key).
    fn rebuild_tables(&self) -> &'static [&'static str] {
        &["examiner_queue"]
    }

    async fn reset(&self, conn: &mut PgConnection) -> Result<(), ProjectionError> {
        sqlx::query!("TRUNCATE examiner_queue")
            .execute(conn)
            .await?;
        Ok(())
    }
}

/// Writes a batch; `fresh`: its new cases cannot be in the queue yet (a
/// rebuild), so they need no replay check.
async fn write(
    conn: &mut PgConnection,
    events: &[StoredEvent],
    fresh: bool,
) -> Result<(), ProjectionError> {
    let decoded: Vec<(Uuid, CaseEvent)> = crate::batch::decode_each(events, |e| e.case_event())?
        .into_iter()
        .flatten()
        .collect();
    let mut opened: Vec<(Uuid, NewCase, Folded<'_>)> = Vec::new();
    let mut opened_at: HashMap<Uuid, usize> = HashMap::new();
    let mut older = Vec::new();
    for change in decoded.iter().map(|(id, e)| change(*id, e)) {
        if let Some(case) = change.opened {
            opened_at.insert(change.case_id, opened.len());
            opened.push((change.case_id, case, Folded::default()));
        } else if let Some(&i) = opened_at.get(&change.case_id) {
            opened[i].2.then(change);
        } else {
            older.push(change);
        }
    }
    opened.sort_unstable_by_key(|(id, _, _)| *id);
    insert_cases(conn, &opened, fresh).await?;
    update_cases(conn, older).await?;
    flag_disputes(conn, &decoded).await
}

/// Puts registrations whose online link was disputed before the office,
/// flagged LINK_DISPUTED: a paper-era registration was never examined here
/// and gets its row now (REGISTERED, due in 14 days); one already queued
/// gets the flag. A resolution takes the flag off again; its row stays, as
/// the history of what the office looked into. One statement for each.
async fn flag_disputes(
    conn: &mut PgConnection,
    decoded: &[(Uuid, CaseEvent)],
) -> Result<(), ProjectionError> {
    let mut disputes: HashMap<Uuid, (&str, DateTime<Utc>)> = HashMap::new();
    // Whether each case's last dispute event in the batch is a resolution:
    // the flag ends where applying the events one by one would leave it.
    let mut resolved: HashMap<Uuid, bool> = HashMap::new();
    for (id, e) in decoded {
        match e {
            CaseEvent::Registration(RegistrationEvent::HolderLinkDisputed {
                qualification_code,
                at,
                ..
            }) => {
                disputes.entry(*id).or_insert((qualification_code, *at));
                resolved.insert(*id, false);
            }
            CaseEvent::Registration(RegistrationEvent::LinkDisputeResolved { .. }) => {
                resolved.insert(*id, true);
            }
            _ => {}
        }
    }
    if !disputes.is_empty() {
        let ids: Vec<Uuid> = disputes.keys().copied().collect();
        let codes: Vec<&str> = ids.iter().map(|id| disputes[id].0).collect();
        let at: Vec<DateTime<Utc>> = ids.iter().map(|id| disputes[id].1).collect();
        sqlx::query!(
            "INSERT INTO examiner_queue AS q
               (case_id, case_type, qualification_code, procedure, status, submitted_at, due_at,
                flags, registration_id)
             SELECT d.case_id, $4, d.qualification_code, 'NEW_REGISTRATION', 'REGISTERED', d.at,
                    d.at + interval '14 days', jsonb_build_array($5::text), d.case_id
             FROM unnest($1::uuid[], $2::text[], $3::timestamptz[])
                  AS d(case_id, qualification_code, at)
             ON CONFLICT (case_id) DO UPDATE
               SET flags = queue_flags_after(q.flags, q.procedure,
                                             jsonb_build_array(jsonb_build_object('op', 'add', 'flag', $5::text)))",
            &ids,
            &codes as &[&str],
            &at,
            CaseKind::Registration.wire(),
            LINK_DISPUTED,
        )
        .execute(&mut *conn)
        .await?;
    }
    let ended: Vec<Uuid> = resolved
        .into_iter()
        .filter_map(|(id, resolved)| resolved.then_some(id))
        .collect();
    if !ended.is_empty() {
        sqlx::query!(
            "UPDATE examiner_queue q
             SET flags = queue_flags_after(q.flags, q.procedure,
                                           jsonb_build_array(jsonb_build_object('op', 'remove', 'flag', $2::text)))
             WHERE q.case_id = ANY($1::uuid[])",
            &ended,
            LINK_DISPUTED,
        )
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// The batch's changes to one case already in the queue, folded in order.
#[derive(Default)]
struct Folded<'a> {
    /// Flag updates in order (see migration `..._queue_flags_after`).
    flag_updates: Vec<serde_json::Value>,
    status: Option<&'static str>,
    assignee: Option<&'a str>,
}

impl<'a> Folded<'a> {
    fn then(&mut self, change: QueueChange<'a>) {
        if let Some(update) = change.flags {
            self.flag_updates.push(match update {
                FlagUpdate::Pending => json!({"op": "pending", "flag": INQUIRY_PENDING}),
                FlagUpdate::Add(flag) => json!({"op": "add", "flag": flag}),
                FlagUpdate::Remove(flag) => json!({"op": "remove", "flag": flag}),
                FlagUpdate::Answered(flags) => json!({"op": "answered", "flags": flags}),
            });
        }
        self.status = change.status.or(self.status);
        self.assignee = change.assignee.or(self.assignee);
    }

    /// The flag updates as the JSON array `queue_flags_after` takes.
    fn flags_json(&self) -> serde_json::Value {
        serde_json::Value::Array(self.flag_updates.clone())
    }
}

/// Applies the changes to cases already in the queue: one statement for the
/// batch. Flags are replayed in order by `queue_flags_after`; status and
/// assignee only ever take a value, so the last one wins. The counting
/// trigger sees each case's status change once, from first to last.
async fn update_cases(
    conn: &mut PgConnection,
    changes: Vec<QueueChange<'_>>,
) -> Result<(), ProjectionError> {
    let mut per_case = PerRow::<Folded<'_>>::new();
    for change in changes {
        if change.flags.is_some() || change.status.is_some() || change.assignee.is_some() {
            per_case.entry(change.case_id).then(change);
        }
    }
    let folded = per_case.into_rows();
    if folded.is_empty() {
        return Ok(());
    }
    let ids: Vec<Uuid> = folded.iter().map(|(id, _)| *id).collect();
    let updates: Vec<serde_json::Value> = folded.iter().map(|(_, f)| f.flags_json()).collect();
    let statuses: Vec<Option<&str>> = folded.iter().map(|(_, f)| f.status).collect();
    let assignees: Vec<Option<&str>> = folded.iter().map(|(_, f)| f.assignee).collect();
    sqlx::query!(
        "UPDATE examiner_queue q
         SET flags = CASE WHEN jsonb_array_length(c.updates) = 0 THEN q.flags
                          ELSE queue_flags_after(q.flags, q.procedure, c.updates) END,
             status = coalesce(c.status, q.status),
             assigned_to = coalesce(c.assignee, q.assigned_to)
         FROM unnest($1::uuid[], $2::jsonb[], $3::text[], $4::text[])
              AS c(case_id, updates, status, assignee)
         WHERE q.case_id = c.case_id",
        &ids,
        &updates,
        &statuses as &[Option<&str>],
        &assignees as &[Option<&str>],
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}
