//! `shikaku import-register FILE`: brings the paper-era register in, all or
//! nothing. Every row is checked first (a bad one is reported with its line
//! number); then the events of all rows are appended in one transaction.

use std::collections::HashSet;
use std::sync::Arc;

use chrono::{NaiveDate, Utc};
use cqrs_es::event_sink::EventSink;
use cqrs_es::{Aggregate, DomainEvent};
use domain::catalogue::Catalogue;
use domain::registration::{
    Applicant, QualificationRegistration, RegistrationCommand, RegistrationServices,
};
use projections::numbers::PgRegistrationNumbers;
use sqlx::PgPool;
use uuid::Uuid;

const HEADER: &str = "qualification_code,registration_number,registered_on,family_name,given_name,family_name_kana,given_name_kana,date_of_birth,address,registered_domicile";

/// Why an import was refused; nothing was imported.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("line {line}: {reason}")]
    Row { line: usize, reason: String },
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("{0}")]
    Other(String),
}

struct Row {
    qualification_code: String,
    registration_number: String,
    registered_on: NaiveDate,
    holder: Applicant,
}

fn parse_row(line: &str, catalogue: &Catalogue) -> Result<Row, String> {
    let f: Vec<&str> = line.split(',').map(str::trim).collect();
    if f.len() != 10 {
        return Err(format!("expected 10 fields, found {}", f.len()));
    }
    if catalogue.qualification(f[0]).is_none() {
        return Err(format!("unknown qualification code {}", f[0]));
    }
    if f[1].is_empty() || f[1].len() > 10 || !f[1].bytes().all(|b| b.is_ascii_digit()) {
        return Err("registration_number must be 1 to 10 digits".into());
    }
    let date = |s: &str, what: &str| {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| format!("{what} must be YYYY-MM-DD"))
    };
    let registered_on = date(f[2], "registered_on")?;
    let date_of_birth = date(f[7], "date_of_birth")?;
    let today = Utc::now().date_naive();
    if registered_on > today || date_of_birth > today {
        return Err("dates must not be in the future".into());
    }
    for (i, name, max) in [
        (3, "family_name", 50),
        (4, "given_name", 50),
        (5, "family_name_kana", 100),
        (6, "given_name_kana", 100),
        (8, "address", 200),
        (9, "registered_domicile", 200),
    ] {
        if f[i].is_empty() || f[i].chars().count() > max {
            return Err(format!("{name} must be 1 to {max} characters"));
        }
    }
    Ok(Row {
        qualification_code: f[0].to_owned(),
        registration_number: f[1].to_owned(),
        registered_on,
        holder: Applicant {
            family_name: f[3].to_owned(),
            given_name: f[4].to_owned(),
            family_name_kana: f[5].to_owned(),
            given_name_kana: f[6].to_owned(),
            date_of_birth,
            address: f[8].to_owned(),
            registered_domicile: f[9].to_owned(),
            email: String::new(),
            exam_pass_number: String::new(),
            preferred_language: Default::default(),
        },
    })
}

/// Imports the register in `text`; returns how many registrations came in.
pub async fn import_register(pool: &PgPool, text: &str) -> Result<usize, ImportError> {
    let catalogue = Arc::new(
        projections::catalogue::load(pool)
            .await
            .map_err(|e| ImportError::Other(e.to_string()))?,
    );
    let mut lines = text.lines().enumerate();
    match lines.next() {
        Some((_, h)) if h.trim() == HEADER => {}
        _ => {
            return Err(ImportError::Row {
                line: 1,
                reason: format!("the header must be `{HEADER}`"),
            })
        }
    }
    let mut rows = Vec::new();
    let mut seen = HashSet::new();
    for (n, line) in lines {
        let line_no = n + 1;
        if line.trim().is_empty() {
            continue;
        }
        let bad = |reason: String| ImportError::Row {
            line: line_no,
            reason,
        };
        let row = parse_row(line, &catalogue).map_err(bad)?;
        let key = (
            row.qualification_code.clone(),
            row.registration_number.clone(),
        );
        if !seen.insert(key) {
            return Err(bad(
                "the registration number appears twice in the file".into()
            ));
        }
        let exists =
            projections::register::find(pool, &row.qualification_code, &row.registration_number)
                .await
                .map_err(|e| ImportError::Other(e.to_string()))?;
        if exists.is_some() {
            return Err(bad(
                "this registration number is already on the register".into()
            ));
        }
        rows.push(row);
    }
    // The aggregate makes the events, so they are exactly what a command
    // would have appended; one transaction appends them all.
    let services = RegistrationServices {
        catalogue: catalogue.clone(),
        numbers: Arc::new(PgRegistrationNumbers::new(pool.clone())),
    };
    let mut tx = pool.begin().await?;
    let now = Utc::now();
    for row in &rows {
        let mut registration = QualificationRegistration::default();
        let sink = EventSink::default();
        let command = RegistrationCommand::Import {
            qualification_code: row.qualification_code.clone(),
            registration_number: row.registration_number.clone(),
            registered_on: row.registered_on,
            holder: Box::new(row.holder.clone()),
            at: now,
        };
        registration
            .handle(command, &services, &sink)
            .await
            .map_err(|e| ImportError::Other(e.to_string()))?;
        let id = Uuid::new_v4().to_string();
        for (i, event) in sink.collect().await.into_iter().enumerate() {
            sqlx::query(
                "INSERT INTO events (aggregate_type, aggregate_id, sequence, event_type, event_version, payload, metadata)
                 VALUES ($1, $2, $3, $4, $5, $6::json, $7::json)",
            )
            .bind(QualificationRegistration::TYPE)
            .bind(&id)
            .bind(i as i64 + 1)
            .bind(event.event_type())
            .bind(event.event_version())
            .bind(sqlx::types::Json(&event))
            .bind(sqlx::types::Json(serde_json::json!({"actor": "import-register"})))
            .execute(&mut *tx)
            .await?;
        }
        // New registrations must never be given an imported number.
        let number: i64 = row.registration_number.parse().unwrap_or(0);
        sqlx::query(
            "INSERT INTO registration_number_counters AS c (qualification_code, last_number) VALUES ($1, $2)
             ON CONFLICT (qualification_code) DO UPDATE SET last_number = GREATEST(c.last_number, $2)",
        )
        .bind(&row.qualification_code)
        .bind(number)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(rows.len())
}
