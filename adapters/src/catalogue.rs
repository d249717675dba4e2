//! The qualification catalogue. The version in force is the newest
//! `CataloguePublished` event of the catalogue stream; the file
//! `catalogue/catalogue.json` is published at start when it is newer. The
//! `qualifications`, `qualification_ministries` and `ministries` tables are
//! derived from that event (they stay for the foreign keys and the views'
//! joins), so they can always be rebuilt from it. Every process follows the
//! announcements of new versions and puts them in force (see [`follow`]).

use std::collections::HashMap;

use chrono::Utc;
use domain::catalogue::publication::{
    CatalogueVersions, PublicationError, Publish, CATALOGUE_STREAM,
};
use domain::catalogue::{Catalogue, CatalogueDocument, InForce};
use eventstore::store::{CommandBus, CommandError};
use eventstore::ProjectionError;
use sqlx::PgPool;

/// The catalogue file of the repository, built into every binary so that a
/// process always knows the version it ships with.
pub const FILE: &str = include_str!("../../catalogue/catalogue.json");

/// The channel a published version is announced on.
pub const CATALOGUE_CHANNEL: &str = "shikaku_catalogue";

/// Who publishes the file's version at start.
const FILE_PUBLISHER: &str = "catalogue-file";

/// The file's document.
pub fn file_document() -> Result<CatalogueDocument, ProjectionError> {
    CatalogueDocument::parse(FILE.as_bytes()).map_err(|problems| {
        let listed: Vec<String> = problems
            .iter()
            .map(|p| format!("{} {}: {}", p.pointer, p.code, p.detail))
            .collect();
        ProjectionError::Catalogue(format!("catalogue.json: {}", listed.join("; ")))
    })
}

/// Publishes the file when it is newer than the version in force, derives
/// the tables and returns the catalogue in force.
pub async fn load(pool: &PgPool) -> Result<Catalogue, ProjectionError> {
    let file = file_document()?;
    let bus = CommandBus::<CatalogueVersions>::new(pool.clone(), ());
    let in_force = published(&bus).await?.map(|d| d.version);
    if in_force.is_none_or(|v| file.version > v) {
        let publish = Publish {
            document: Box::new(file),
            by: FILE_PUBLISHER.into(),
            at: Utc::now(),
        };
        match bus
            .execute(CATALOGUE_STREAM, publish, None, HashMap::new())
            .await
        {
            // Another process starting at the same time published it first.
            Ok(_) | Err(CommandError::Domain(PublicationError::VersionNotNewer { .. })) => {}
            Err(e) => return Err(ProjectionError::Catalogue(e.to_string())),
        }
    }
    rebuild(pool).await
}

/// Derives the catalogue tables from the version in force and returns its
/// catalogue.
pub async fn rebuild(pool: &PgPool) -> Result<Catalogue, ProjectionError> {
    let bus = CommandBus::<CatalogueVersions>::new(pool.clone(), ());
    let document = published(&bus)
        .await?
        .ok_or_else(|| ProjectionError::Catalogue("no catalogue version is published".into()))?;
    project(pool, &document).await?;
    Ok(document.catalogue())
}

/// The newest published document, if any.
async fn published(
    bus: &CommandBus<CatalogueVersions>,
) -> Result<Option<Box<CatalogueDocument>>, ProjectionError> {
    let (versions, _) = bus
        .load(CATALOGUE_STREAM)
        .await
        .map_err(|e| ProjectionError::Catalogue(e.to_string()))?;
    Ok(versions.current)
}

/// Writes `document` into the catalogue tables. Rows of qualifications are
/// upserted, never deleted: registrations refer to them (and a version may
/// not drop a code anyway).
pub async fn project(pool: &PgPool, document: &CatalogueDocument) -> Result<(), sqlx::Error> {
    let catalogue = document.catalogue();
    let mut tx = pool.begin().await?;
    // Processes starting together derive the same rows: one at a time, so
    // the replacement of a qualification's ministries never interleaves.
    sqlx::query("SELECT pg_advisory_xact_lock(hashtext('catalogue tables'))")
        .execute(&mut *tx)
        .await?;
    let column = |f: fn(&domain::catalogue::Ministry) -> &str| -> Vec<String> {
        document
            .ministries
            .iter()
            .map(|m| f(m).to_owned())
            .collect()
    };
    sqlx::query(
        "INSERT INTO ministries (code, name_ja, name_en)
         SELECT * FROM UNNEST($1::text[], $2::text[], $3::text[])
         ON CONFLICT (code) DO UPDATE SET name_ja = EXCLUDED.name_ja, name_en = EXCLUDED.name_en",
    )
    .bind(column(|m| &m.code))
    .bind(column(|m| &m.name_ja))
    .bind(column(|m| &m.name_en))
    .execute(&mut *tx)
    .await?;
    let qs = &catalogue.qualifications;
    let text = |f: fn(&domain::catalogue::Qualification) -> &str| -> Vec<String> {
        qs.iter().map(|q| f(q).to_owned()).collect()
    };
    let series: Vec<&str> = qs
        .iter()
        .map(|q| q.registration_number_series.as_str())
        .collect();
    sqlx::query(
        "INSERT INTO qualifications (code, name_ja, name_en, ministry, registers_domicile,
                                     registration_number_format, registration_number_series)
         SELECT * FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::bool[],
                              $6::text[], $7::text[])
         ON CONFLICT (code) DO UPDATE SET
             name_ja = EXCLUDED.name_ja, name_en = EXCLUDED.name_en,
             ministry = EXCLUDED.ministry, registers_domicile = EXCLUDED.registers_domicile,
             registration_number_format = EXCLUDED.registration_number_format,
             registration_number_series = EXCLUDED.registration_number_series",
    )
    .bind(text(|q| &q.code))
    .bind(text(|q| &q.name_ja))
    .bind(text(|q| &q.name_en))
    .bind(text(|q| &q.ministry))
    .bind(qs.iter().map(|q| q.registers_domicile).collect::<Vec<_>>())
    .bind(text(|q| q.registration_number_format.as_str()))
    .bind(series)
    .execute(&mut *tx)
    .await?;
    let (codes, ministries): (Vec<String>, Vec<String>) = qs
        .iter()
        .flat_map(|q| q.ministry_codes.iter().map(|m| (q.code.clone(), m.clone())))
        .unzip();
    sqlx::query("DELETE FROM qualification_ministries WHERE qualification_code = ANY($1)")
        .bind(text(|q| &q.code))
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO qualification_ministries (qualification_code, ministry_code)
         SELECT * FROM UNNEST($1::text[], $2::text[]) ON CONFLICT DO NOTHING",
    )
    .bind(codes)
    .bind(ministries)
    .execute(&mut *tx)
    .await?;
    // Every process puts the version in force once its tables are there.
    sqlx::query("SELECT pg_notify($1, '')")
        .bind(CATALOGUE_CHANNEL)
        .execute(&mut *tx)
        .await?;
    tx.commit().await
}

/// Keeps `in_force` at the newest published version: every process re-reads
/// the catalogue stream when a version is announced on [`CATALOGUE_CHANNEL`],
/// so a publication takes effect everywhere without a restart.
pub async fn follow(pool: &PgPool, in_force: &InForce) -> Result<(), sqlx::Error> {
    eventstore::wake::follow(
        pool,
        CATALOGUE_CHANNEL,
        in_force.clone(),
        InForce::shared,
        reread,
    )
    .await
}

async fn reread(pool: PgPool, in_force: InForce) {
    let bus = CommandBus::<CatalogueVersions>::new(pool, ());
    match published(&bus).await {
        Ok(Some(document)) => {
            if in_force.replace(document.catalogue()) {
                tracing::info!(version = document.version, "catalogue version in force");
            }
        }
        Ok(None) => {}
        Err(e) => tracing::warn!(error = %e, "cannot read the published catalogue"),
    }
}
