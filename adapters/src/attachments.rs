//! Attachment storage: bytes in an object store (a private directory under
//! the data directory by default, or an S3-compatible bucket), metadata and
//! ownership in Postgres. Which case references a document is read from that
//! case's own events.

use std::path::PathBuf;
use std::sync::Arc;

use bytes::Bytes;
use domain::attachment::AttachmentRef;
use domain::CaseKind;
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};
use sha2::{Digest, Sha256};
use sqlx::{PgConnection, PgPool, Row};
use uuid::Uuid;

use crate::private_file;
use eventstore::ProjectionError;

/// Where the bytes live.
#[derive(Clone)]
enum Store {
    /// Files under a directory, owner-only (see [`private_file`]): written
    /// here rather than through object_store's local store, which creates
    /// them readable by everyone.
    Local(PathBuf),
    /// Any object store (an S3-compatible bucket in production).
    Objects(Arc<dyn ObjectStore>),
}

/// Stores and finds attachments.
#[derive(Clone)]
pub struct Attachments {
    pool: PgPool,
    store: Store,
}

fn object_path(id: Uuid) -> Path {
    Path::from(format!("attachments/{id}"))
}

fn store_error(e: object_store::Error) -> ProjectionError {
    ProjectionError::Command(format!("object store: {e}"))
}

fn file_error(e: std::io::Error) -> ProjectionError {
    ProjectionError::Command(format!("attachment file: {e}"))
}

/// Runs file work off the async threads.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> std::io::Result<T> + Send + 'static,
) -> Result<T, ProjectionError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| ProjectionError::Command(format!("attachment file task: {e}")))?
        .map_err(file_error)
}

impl Attachments {
    /// Attachments in a directory on the local filesystem (created 0700;
    /// each document 0600), laid out as object_store's local store did:
    /// `<dir>/attachments/<id>`.
    pub fn local(pool: PgPool, dir: &std::path::Path) -> Result<Self, ProjectionError> {
        private_file::dir(dir).map_err(file_error)?;
        private_file::dir(&dir.join("attachments")).map_err(file_error)?;
        Ok(Self {
            pool,
            store: Store::Local(dir.join("attachments")),
        })
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
        Self {
            pool,
            store: Store::Objects(objects),
        }
    }

    async fn put_bytes(&self, id: Uuid, bytes: Bytes) -> Result<(), ProjectionError> {
        match &self.store {
            Store::Local(dir) => {
                let path = dir.join(id.to_string());
                blocking(move || private_file::create(&path, &bytes).map(|_| ())).await
            }
            Store::Objects(objects) => objects
                .put(&object_path(id), PutPayload::from_bytes(bytes))
                .await
                .map(|_| ())
                .map_err(store_error),
        }
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
        self.put_bytes(id, bytes).await?;
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

    /// The attachment if `uploader` uploaded it (staff read documents only
    /// through a case: [`Attachments::of_case`]).
    pub async fn find(
        &self,
        id: Uuid,
        uploader: &str,
    ) -> Result<Option<AttachmentRef>, ProjectionError> {
        let row = sqlx::query(
            "SELECT id, content_type, size, sha256 FROM attachments WHERE id = $1 AND uploaded_by = $2",
        )
        .bind(id)
        .bind(uploader)
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
            match self.find(*id, owner).await? {
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
        match &self.store {
            Store::Local(dir) => {
                let path = dir.join(id.to_string());
                blocking(move || std::fs::read(path).map(Bytes::from)).await
            }
            Store::Objects(objects) => {
                let got = objects.get(&object_path(id)).await.map_err(store_error)?;
                got.bytes().await.map_err(store_error)
            }
        }
    }

    async fn delete_bytes(&self, id: Uuid) {
        let outcome = match &self.store {
            Store::Local(dir) => {
                let path = dir.join(id.to_string());
                blocking(move || match std::fs::remove_file(path) {
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
                    other => other,
                })
                .await
            }
            Store::Objects(objects) => match objects.delete(&object_path(id)).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
                Err(e) => Err(store_error(e)),
            },
        };
        if let Err(e) = outcome {
            tracing::warn!(error = %e, "cannot delete attachment object");
        }
    }

    /// The attachment `id` if the events of case `case_id` of `kind`
    /// reference it (a response, a filing, a postal record: any
    /// `attachments` list in them); None otherwise.
    pub async fn of_case(
        &self,
        kind: CaseKind,
        case_id: Uuid,
        id: Uuid,
    ) -> Result<Option<AttachmentRef>, ProjectionError> {
        let row = sqlx::query!(
            r#"SELECT a.id, a.content_type, a.size, a.sha256
               FROM attachments a
               WHERE a.id = $3
                 AND EXISTS (
                   SELECT 1 FROM events e
                   WHERE e.aggregate_type = $1 AND e.aggregate_id = $2
                     AND jsonb_path_exists(e.payload::jsonb,
                           'strict $.**.attachments[*] ? (@.id == $id)',
                           jsonb_build_object('id', $3::uuid::text)))"#,
            kind.aggregate_type(),
            case_id.to_string(),
            id,
        )
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|r| AttachmentRef {
            id: r.id,
            content_type: r.content_type,
            size: r.size,
            sha256: r.sha256,
        }))
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
            self.delete_bytes(*id).await;
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
