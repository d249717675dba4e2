//! Rebuilding a view: emptied, then caught up from the first event with
//! large batches. Secondary (non-unique) indexes of the view's tables are
//! dropped first and built once after the last batch: a sort of the whole
//! table instead of an index entry per row written (and per row version an
//! update leaves). Their definitions are kept in a table, in the reset's
//! transaction, so a rebuild that stops half-way loses none: the next
//! start of the subscription builds them again.

use sqlx::PgConnection;

use super::{Subscription, REBUILD_BATCH};
use crate::ProjectionError;

impl Subscription {
    /// Empties the view, sets its secondary indexes aside, catches up with
    /// rebuild-sized batches and builds the indexes again; returns the
    /// events applied. Used by `rebuild-projection`.
    pub async fn rebuild(&self) -> Result<usize, ProjectionError> {
        let mut sub = self.clone().with_batch_size(REBUILD_BATCH);
        sub.rebuilding = true;
        sub.reset_with(true).await?;
        let n = sub.catch_up().await?;
        self.restore_indexes().await?;
        Ok(n)
    }

    /// Builds again the indexes a rebuild set aside and has not built yet.
    pub async fn restore_indexes(&self) -> Result<(), ProjectionError> {
        let tables: Vec<String> = self
            .projection
            .rebuild_tables()
            .iter()
            .map(|t| t.to_string())
            .collect();
        if tables.is_empty() {
            return Ok(());
        }
        let set_aside: Vec<(String, String)> = sqlx::query_as(
            "SELECT index_name, definition FROM rebuild_set_aside_indexes
             WHERE table_name = ANY($1) ORDER BY index_name",
        )
        .bind(&tables)
        .fetch_all(&self.pool)
        .await?;
        // Built side by side, each on a connection of its own: builds share
        // the table's lock, and one build's sort leaves the other core idle.
        let mut builds = tokio::task::JoinSet::new();
        for (name, definition) in set_aside {
            builds.spawn(build_index(self.pool.clone(), name, definition));
        }
        while let Some(built) = builds.join_next().await {
            built.map_err(|e| ProjectionError::Handler(Box::new(e)))??;
        }
        Ok(())
    }
}

/// Builds a set-aside index and strikes it off in one transaction.
async fn build_index(
    pool: sqlx::PgPool,
    name: String,
    definition: String,
) -> Result<(), ProjectionError> {
    let mut tx = pool.begin().await?;
    sqlx::query(&definition).execute(&mut *tx).await?;
    sqlx::query("DELETE FROM rebuild_set_aside_indexes WHERE index_name = $1")
        .bind(&name)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Records and drops the non-unique indexes of `tables` (unique ones stay:
/// the writes' ON CONFLICT needs them), in the caller's transaction.
pub(super) async fn set_indexes_aside(
    conn: &mut PgConnection,
    tables: &[&str],
) -> Result<(), ProjectionError> {
    let tables: Vec<String> = tables.iter().map(|t| t.to_string()).collect();
    let names: Vec<String> = sqlx::query_scalar(
        "INSERT INTO rebuild_set_aside_indexes (index_name, table_name, definition)
         SELECT c.relname, t.relname, pg_get_indexdef(i.indexrelid)
         FROM pg_index i
         JOIN pg_class c ON c.oid = i.indexrelid
         JOIN pg_class t ON t.oid = i.indrelid
         WHERE t.relname = ANY($1) AND t.relnamespace = current_schema()::regnamespace
           AND NOT i.indisunique AND NOT i.indisprimary
         ON CONFLICT (index_name) DO NOTHING
         RETURNING index_name",
    )
    .bind(&tables)
    .fetch_all(&mut *conn)
    .await?;
    for name in names {
        sqlx::query(&format!("DROP INDEX \"{}\"", name.replace('"', "\"\"")))
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}
