//! Status list positions and states, shared by certificates and wallet
//! credentials: `allocate_status_entry` draws a random unused position (a new
//! list opens when the current one is 80 % full; a position is never handed
//! out twice), `set_status` changes what the list publishes for it, and
//! `list_by_path` / `status_at` read the lists back.

use certificate::{Status, StatusList};
use rand::Rng;
use sqlx::{Acquire, PgConnection, PgPool, Row};
use uuid::Uuid;

use eventstore::ProjectionError;

/// Entries per list: the draft's privacy advice is a list large enough that
/// a position says nothing about its holder; 2^17 entries of 2 bits is 32 KiB
/// before compression.
pub const LIST_SIZE: i32 = 131_072;
/// A new list opens once this share of the current one is taken (drawing
/// at random stays cheap: at most one try in five collides).
const FULL_PERCENT: i64 = 80;

/// Where one certificate's or credential's status lives: the `status_list`
/// claim (`idx`, `uri`) it carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusRef {
    pub list_id: i32,
    /// The list's URI: the public URL and the list's path.
    pub uri: String,
    pub idx: u64,
}

/// The URI of the list at `path` under `public_url`.
fn uri(public_url: &str, path: &str) -> String {
    format!("{}{path}", public_url.trim_end_matches('/'))
}

/// The path new lists are published at.
pub fn list_path(id: i32) -> String {
    format!("/v1/status-lists/{id}")
}

/// The status entry of `owner` (a certificate or credential of registration
/// `registration_id`), allocated on first use at a random free position of
/// the newest list that is less than 80 % full. Safe to repeat and to run
/// concurrently: the same owner always gets the same entry. Runs in its own
/// (nested) transaction on `conn`.
pub async fn allocate_status_entry(
    conn: &mut PgConnection,
    public_url: &str,
    owner: Uuid,
    registration_id: Uuid,
) -> Result<StatusRef, ProjectionError> {
    let mut tx = conn.begin().await?;
    if let Some(found) = entry_of(&mut tx, public_url, owner).await? {
        return Ok(found);
    }
    // The newest list, locked: allocations take turns, so the fill count and
    // the decision to open a new list are never raced.
    let row = sqlx::query(
        "SELECT id, path, size, allocated FROM status_lists ORDER BY id DESC LIMIT 1 FOR UPDATE",
    )
    .fetch_one(&mut *tx)
    .await?;
    let (mut id, mut path, mut size): (i32, String, i32) =
        (row.get("id"), row.get("path"), row.get("size"));
    let allocated: i32 = row.get("allocated");
    if i64::from(allocated) * 100 >= i64::from(size) * FULL_PERCENT {
        id += 1;
        path = list_path(id);
        size = LIST_SIZE;
        sqlx::query("INSERT INTO status_lists (id, path, size) VALUES ($1, $2, $3)")
            .bind(id)
            .bind(&path)
            .bind(size)
            .execute(&mut *tx)
            .await?;
    }
    loop {
        let idx: i32 = rand::rng().random_range(0..size);
        let inserted = sqlx::query(
            "INSERT INTO status_list_entries (list_id, idx, owner_id, registration_id)
             VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
        )
        .bind(id)
        .bind(idx)
        .bind(owner)
        .bind(registration_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if inserted == 1 {
            sqlx::query("UPDATE status_lists SET allocated = allocated + 1 WHERE id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            return Ok(StatusRef {
                list_id: id,
                uri: uri(public_url, &path),
                idx: idx as u64,
            });
        }
        // A taken position (draw again), or the owner allocated meanwhile
        // by a concurrent call that committed before our lock.
        if let Some(found) = entry_of(&mut tx, public_url, owner).await? {
            return Ok(found);
        }
    }
}

/// The entry already allocated to `owner`, if any.
pub async fn entry_of(
    conn: &mut PgConnection,
    public_url: &str,
    owner: Uuid,
) -> Result<Option<StatusRef>, ProjectionError> {
    let row = sqlx::query(
        "SELECT e.list_id, e.idx, l.path FROM status_list_entries e
         JOIN status_lists l ON l.id = e.list_id WHERE e.owner_id = $1",
    )
    .bind(owner)
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|r| StatusRef {
        list_id: r.get("list_id"),
        uri: uri(public_url, r.get("path")),
        idx: r.get::<i32, _>("idx") as u64,
    }))
}

/// Sets what the list publishes for `owner`'s entry. INVALID is for good:
/// a revoked entry never becomes VALID or SUSPENDED again. Returns whether
/// the entry changed.
pub async fn set_status(
    conn: &mut PgConnection,
    owner: Uuid,
    status: Status,
) -> Result<bool, ProjectionError> {
    let changed = sqlx::query(
        "UPDATE status_list_entries SET status = $2
         WHERE owner_id = $1 AND status <> $2 AND status <> 1",
    )
    .bind(owner)
    .bind(i16::from(status.value()))
    .execute(conn)
    .await?
    .rows_affected();
    Ok(changed > 0)
}

/// Sets every entry of registration `registration_id` (its certificates
/// and wallet credentials) that is not INVALID to `status`, as a suspension
/// (SUSPENDED) or its end (VALID) calls for; returns how many changed.
pub async fn set_registration_status(
    conn: &mut PgConnection,
    registration_id: Uuid,
    status: Status,
) -> Result<u64, ProjectionError> {
    Ok(sqlx::query(
        "UPDATE status_list_entries SET status = $2
         WHERE registration_id = $1 AND status <> $2 AND status <> 1",
    )
    .bind(registration_id)
    .bind(i16::from(status.value()))
    .execute(conn)
    .await?
    .rows_affected())
}

/// The statuses of the entries of `owners`, by owner (owners without an
/// entry are left out).
pub async fn statuses_of(
    pool: &PgPool,
    owners: &[Uuid],
) -> Result<std::collections::HashMap<Uuid, Status>, ProjectionError> {
    let rows =
        sqlx::query("SELECT owner_id, status FROM status_list_entries WHERE owner_id = ANY($1)")
            .bind(owners)
            .fetch_all(pool)
            .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            (
                r.get("owner_id"),
                Status::from_value(r.get::<i16, _>("status") as u8),
            )
        })
        .collect())
}

/// The status of `owner`'s entry; None when it has none.
pub async fn status_of(pool: &PgPool, owner: Uuid) -> Result<Option<Status>, ProjectionError> {
    let value: Option<i16> =
        sqlx::query_scalar("SELECT status FROM status_list_entries WHERE owner_id = $1")
            .bind(owner)
            .fetch_optional(pool)
            .await?;
    Ok(value.map(|v| Status::from_value(v as u8)))
}

/// The id of the list published at `path` and the newest status change of
/// any entry (`status_changes.id`, 0 before the first): a served list built
/// at the same change is current. None when no list is published there.
pub async fn list_version(
    pool: &PgPool,
    path: &str,
) -> Result<Option<(i32, i64)>, ProjectionError> {
    let row = sqlx::query(
        "SELECT l.id, (SELECT coalesce(max(c.id), 0) FROM status_changes c) AS version
         FROM status_lists l WHERE l.path = $1",
    )
    .bind(path)
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|r| (r.get("id"), r.get("version"))))
}

/// The list published at `path` (its id and its entries); None when no list
/// is published there.
pub async fn list_by_path(
    pool: &PgPool,
    path: &str,
) -> Result<Option<(i32, StatusList)>, ProjectionError> {
    let Some(row) = sqlx::query("SELECT id, size FROM status_lists WHERE path = $1")
        .bind(path)
        .fetch_optional(pool)
        .await?
    else {
        return Ok(None);
    };
    let (id, size): (i32, i32) = (row.get("id"), row.get("size"));
    let mut list = StatusList::new(size as u64);
    let rows = sqlx::query(
        "SELECT idx, status FROM status_list_entries WHERE list_id = $1 AND status <> 0",
    )
    .bind(id)
    .fetch_all(pool)
    .await?;
    for r in rows {
        let status = Status::from_value(r.get::<i16, _>("status") as u8);
        list.set(r.get::<i32, _>("idx") as u64, status);
    }
    Ok(Some((id, list)))
}

/// What the list whose URI is `list_uri` says about `idx`: None when no list
/// of this office has that path or no entry was ever allocated there. Only
/// the path counts: the URI comes from a token this office signed, and its
/// certificates stay checkable when the public URL moves.
pub async fn status_at(
    pool: &PgPool,
    list_uri: &str,
    idx: u64,
) -> Result<Option<Status>, ProjectionError> {
    let after_scheme = list_uri
        .split_once("://")
        .map_or(list_uri, |(_, rest)| rest);
    let Some(at) = after_scheme.find('/') else {
        return Ok(None);
    };
    let path = &after_scheme[at..];
    let Ok(idx) = i32::try_from(idx) else {
        return Ok(None);
    };
    let value: Option<i16> = sqlx::query_scalar(
        "SELECT e.status FROM status_list_entries e JOIN status_lists l ON l.id = e.list_id
         WHERE l.path = $1 AND e.idx = $2",
    )
    .bind(path)
    .bind(idx)
    .fetch_optional(pool)
    .await?;
    Ok(value.map(|v| Status::from_value(v as u8)))
}
