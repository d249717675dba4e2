//! Inserting the cases a batch opens. A rebuild copies those whose flags
//! the batch leaves as they start (see [`eventstore::copy`]); flags that
//! change need `queue_flags_after`, so those cases go through an `INSERT`.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

use super::{Folded, NewCase};
use eventstore::copy::CopyRows;
use eventstore::ProjectionError;

/// A case opened in the batch, with the batch's later changes to it.
type Opened<'a> = (Uuid, NewCase, Folded<'a>);

/// Inserts the cases opened, with their later changes (already queued
/// ones stay as they are: a replay finds them at least this far on;
/// `fresh`: there are none).
pub(super) async fn insert_cases(
    conn: &mut PgConnection,
    opened: &[Opened<'_>],
    fresh: bool,
) -> Result<(), ProjectionError> {
    if !fresh {
        return insert(conn, opened.iter().collect(), false).await;
    }
    let (plain, flagged): (Vec<&Opened<'_>>, Vec<&Opened<'_>>) = opened
        .iter()
        .partition(|(_, _, f)| f.flag_updates.is_empty());
    copy(conn, &plain).await?;
    insert(conn, flagged, true).await
}

/// Copies cases whose flags stay empty (the column's default).
async fn copy(conn: &mut PgConnection, opened: &[&Opened<'_>]) -> Result<(), ProjectionError> {
    if opened.is_empty() {
        return Ok(());
    }
    let mut copy = CopyRows::new();
    for (id, o, f) in opened {
        copy.row(11)
            .uuid(*id)
            .text(o.case_type)
            .text(&o.qualification_code)
            .text(o.procedure)
            .text(f.status.unwrap_or("SUBMITTED"))
            .timestamptz(o.submitted_at)
            .timestamptz(o.due_at)
            .opt_text(f.assignee)
            .opt_uuid(o.registration_id)
            .opt_text(o.name.as_ref().map(|n| n.0.as_str()))
            .opt_text(o.name.as_ref().map(|n| n.1.as_str()));
    }
    copy.copy_in(
        conn,
        "COPY examiner_queue
           (case_id, case_type, qualification_code, procedure, status, submitted_at, due_at,
            assigned_to, registration_id, family_name, given_name)
         FROM STDIN (FORMAT binary)",
    )
    .await?;
    Ok(())
}

/// Inserts `opened` with one statement (without the replay check when `fresh`).
async fn insert(
    conn: &mut PgConnection,
    opened: Vec<&Opened<'_>>,
    fresh: bool,
) -> Result<(), ProjectionError> {
    if opened.is_empty() {
        return Ok(());
    }
    let ids: Vec<Uuid> = opened.iter().map(|(id, _, _)| *id).collect();
    let case_types: Vec<&str> = opened.iter().map(|(_, o, _)| o.case_type).collect();
    let codes: Vec<&str> = opened
        .iter()
        .map(|(_, o, _)| o.qualification_code.as_str())
        .collect();
    let procedures: Vec<&str> = opened.iter().map(|(_, o, _)| o.procedure).collect();
    let submitted: Vec<DateTime<Utc>> = opened.iter().map(|(_, o, _)| o.submitted_at).collect();
    let due: Vec<DateTime<Utc>> = opened.iter().map(|(_, o, _)| o.due_at).collect();
    let statuses: Vec<Option<&str>> = opened.iter().map(|(_, _, f)| f.status).collect();
    let assignees: Vec<Option<&str>> = opened.iter().map(|(_, _, f)| f.assignee).collect();
    let updates: Vec<serde_json::Value> = opened.iter().map(|(_, _, f)| f.flags_json()).collect();
    let registrations: Vec<Option<Uuid>> =
        opened.iter().map(|(_, o, _)| o.registration_id).collect();
    let family: Vec<Option<&str>> = opened
        .iter()
        .map(|(_, o, _)| o.name.as_ref().map(|n| n.0.as_str()))
        .collect();
    let given: Vec<Option<&str>> = opened
        .iter()
        .map(|(_, o, _)| o.name.as_ref().map(|n| n.1.as_str()))
        .collect();
    // The `as` casts name the array types the macro cannot infer (borrowed
    // and NULL elements); each statement itself is checked.
    macro_rules! insert_rows {
        ($on_conflict:tt) => {
            sqlx::query!(
                "INSERT INTO examiner_queue
           (case_id, case_type, qualification_code, procedure, status, submitted_at, due_at,
            assigned_to, flags, registration_id, family_name, given_name)
         SELECT c.case_id, c.case_type, c.qualification_code, c.procedure,
                coalesce(c.status, 'SUBMITTED'), c.submitted_at, c.due_at, c.assignee,
                CASE WHEN jsonb_array_length(c.updates) = 0 THEN '[]'::jsonb
                     ELSE queue_flags_after('[]'::jsonb, c.procedure, c.updates) END,
                c.registration_id, c.family_name, c.given_name
         FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::timestamptz[],
                     $6::timestamptz[], $7::text[], $8::text[], $9::jsonb[], $10::uuid[],
                     $11::text[], $12::text[])
              AS c(case_id, case_type, qualification_code, procedure, submitted_at, due_at,
                   status, assignee, updates, registration_id, family_name, given_name) "
                    + $on_conflict,
                &ids,
                &case_types as &[&str],
                &codes as &[&str],
                &procedures as &[&str],
                &submitted,
                &due,
                &statuses as &[Option<&str>],
                &assignees as &[Option<&str>],
                &updates,
                &registrations as &[Option<Uuid>],
                &family as &[Option<&str>],
                &given as &[Option<&str>],
            )
            .execute(&mut *conn)
            .await?
        };
    }
    if fresh {
        insert_rows!("");
    } else {
        insert_rows!("ON CONFLICT (case_id) DO NOTHING");
    }
    Ok(())
}
