//! Attachment storage: bytes in an object store (the local filesystem under
//! the data directory by default), metadata and ownership in Postgres.

use std::sync::Arc;

use bytes::Bytes;
use domain::attachment::AttachmentRef;
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};
use sha2::{Digest, Sha256};
use sqlx::{PgConnection, PgPool, Row};
use uuid::Uuid;

use eventstore::ProjectionError;

/// Stores and finds attachments.
#[derive(Clone)]
pub struct Attachments {
    pool: PgPool,
    objects: Arc<dyn ObjectStore>,
}

fn object_path(id: Uuid) -> Path {
    Path::from(format!("attachments/{id}"))
}

fn store_error(e: object_store::Error) -> ProjectionError {
    ProjectionError::Command(format!("object store: {e}"))
}

impl Attachments {
    /// Attachments in a directory on the local filesystem.
    pub fn local(pool: PgPool, dir: &std::path::Path) -> Result<Self, ProjectionError> {
        std::fs::create_dir_all(dir).map_err(|e| ProjectionError::Command(e.to_string()))?;
        let objects = LocalFileSystem::new_with_prefix(dir).map_err(store_error)?;
        Ok(Self::new(pool, Arc::new(objects)))
    }

    /// Attachments in an S3-compatible bucket, configured by the builder
    /// (from the environment in production: AWS_ENDPOINT, AWS_REGION, keys).
    pub fn s3(
        pool: PgPool,
        builder: object_store::aws::AmazonS3Builder,
    ) -> Result<Self, ProjectionError> {
        let objects = builder.build().map_err(store_error)?;
        Ok(Self::new(pool, Arc::new(objects)))
    }

    /// Attachments in any object store.
    pub fn new(pool: PgPool, objects: Arc<dyn ObjectStore>) -> Self {
        Self { pool, objects }
    }

    /// Stores a document whose type was already recognised.
    pub async fn put(
        &self,
        uploaded_by: &str,
        content_type: &str,
        bytes: Bytes,
    ) -> Result<AttachmentRef, ProjectionError> {
        let id = Uuid::new_v4();
        let sha256 = hex_digest(&bytes);
        let size = bytes.len() as i64;
        // Bytes first: a row never points at nothing; an orphaned object is
        // only wasted space.
        self.objects
            .put(&object_path(id), PutPayload::from_bytes(bytes))
            .await
            .map_err(store_error)?;
        sqlx::query(
            "INSERT INTO attachments (id, uploaded_by, content_type, size, sha256) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(id)
        .bind(uploaded_by)
        .bind(content_type)
        .bind(size)
        .bind(&sha256)
        .execute(&self.pool)
        .await?;
        Ok(AttachmentRef {
            id,
            sha256,
            content_type: content_type.to_owned(),
            size,
        })
    }

    /// The attachment if `reader` may read it: its uploader, or any examiner.
    pub async fn find(
        &self,
        id: Uuid,
        reader: &str,
        examiner: bool,
    ) -> Result<Option<AttachmentRef>, ProjectionError> {
        let row = sqlx::query(
            "SELECT id, content_type, size, sha256 FROM attachments WHERE id = $1 AND (uploaded_by = $2 OR $3)",
        )
        .bind(id)
        .bind(reader)
        .bind(examiner)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|r| AttachmentRef {
            id: r.get("id"),
            content_type: r.get("content_type"),
            size: r.get("size"),
            sha256: r.get("sha256"),
        }))
    }

    /// Resolves the ids a caller references; None when any is not theirs.
    /// Marks them referenced first, so the clean-up never takes one a case uses.
    pub async fn reference(
        &self,
        ids: &[Uuid],
        owner: &str,
    ) -> Result<Option<Vec<AttachmentRef>>, ProjectionError> {
        let mut found = Vec::with_capacity(ids.len());
        for id in ids {
            match self.find(*id, owner, false).await? {
                Some(a) => found.push(a),
                None => return Ok(None),
            }
        }
        sqlx::query("UPDATE attachments SET referenced_at = coalesce(referenced_at, now()) WHERE id = ANY($1)")
            .bind(ids)
            .execute(&self.pool)
            .await?;
        Ok(Some(found))
    }

    /// Marks the ids a caller references inside the command's transaction and
    /// resolves them in the same statement; None when any is not theirs (or
    /// was cleaned up meanwhile). The row locks keep the clean-up off them
    /// until the command commits, and a rolled-back command marks nothing.
    pub async fn reference_in(
        conn: &mut PgConnection,
        ids: &[Uuid],
        owner: &str,
    ) -> Result<Option<Vec<AttachmentRef>>, ProjectionError> {
        if ids.is_empty() {
            return Ok(Some(Vec::new()));
        }
        let rows = sqlx::query(
            "UPDATE attachments SET referenced_at = coalesce(referenced_at, now())
             WHERE id = ANY($1) AND uploaded_by = $2
             RETURNING id, content_type, size, sha256",
        )
        .bind(ids)
        .bind(owner)
        .fetch_all(conn)
        .await?;
        let mut found = Vec::with_capacity(ids.len());
        for id in ids {
            let Some(r) = rows.iter().find(|r| r.get::<Uuid, _>("id") == *id) else {
                return Ok(None);
            };
            found.push(AttachmentRef {
                id: *id,
                content_type: r.get("content_type"),
                size: r.get("size"),
                sha256: r.get("sha256"),
            });
        }
        Ok(Some(found))
    }

    /// The bytes of an attachment.
    pub async fn bytes(&self, id: Uuid) -> Result<Bytes, ProjectionError> {
        let got = self
            .objects
            .get(&object_path(id))
            .await
            .map_err(store_error)?;
        got.bytes().await.map_err(store_error)
    }

    /// Deletes uploads no case referenced within `older_than`; returns how many.
    pub async fn clean_up(
        &self,
        older_than: std::time::Duration,
    ) -> Result<usize, ProjectionError> {
        let ids: Vec<Uuid> = sqlx::query_scalar(
            "DELETE FROM attachments WHERE referenced_at IS NULL AND created_at < now() - make_interval(secs => $1)
             RETURNING id",
        )
        .bind(older_than.as_secs_f64())
        .fetch_all(&self.pool)
        .await?;
        for id in &ids {
            match self.objects.delete(&object_path(*id)).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
                Err(e) => tracing::warn!(error = %e, "cannot delete attachment object"),
            }
        }
        Ok(ids.len())
    }
}

fn hex_digest(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
