//! `shikaku import-register FILE`: brings the paper-era register in, all or
//! nothing. Every row is checked first (a bad one is reported with its line
//! number); then, in one transaction, each number is checked against the
//! events and the events of all rows are appended. The file is CSV (quoted
//! fields, CRLF, a byte-order mark are all fine).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use adapters::numbers::PgRegistrationNumbers;
use chrono::{NaiveDate, Utc};
use cqrs_es::event_sink::EventSink;
use cqrs_es::Aggregate;
use domain::catalogue::Catalogue;
use domain::registration::{
    Applicant, QualificationRegistration, RegistrationCommand, RegistrationServices,
};
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

impl From<api::application::Error> for ImportError {
    fn from(e: api::application::Error) -> Self {
        match e {
            api::application::Error::Database(e) => ImportError::Database(e),
            other => ImportError::Other(other.to_string()),
        }
    }
}

struct Row {
    qualification_code: String,
    registration_number: String,
    registered_on: NaiveDate,
    holder: Applicant,
}

fn parse_row(f: &csv::StringRecord, catalogue: &Catalogue) -> Result<Row, String> {
    if f.len() != 10 {
        return Err(format!("expected 10 fields, found {}", f.len()));
    }
    let Some(qualification) = catalogue.qualification(&f[0]) else {
        return Err(format!("unknown qualification code {}", &f[0]));
    };
    if !qualification.accepts_number(&f[1]) {
        return Err(format!(
            "registration_number must match the registration_number_format of {}: {}",
            qualification.code,
            qualification.registration_number_format.as_str()
        ));
    }
    let date = |s: &str, what: &str| {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| format!("{what} must be YYYY-MM-DD"))
    };
    let registered_on = date(&f[2], "registered_on")?;
    let date_of_birth = date(&f[7], "date_of_birth")?;
    let today = domain::calendar::japan_today();
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
            nationality: None,
        },
    })
}

/// The records of a CSV text (RFC 4180: quoted fields, CRLF or LF, an
/// optional UTF-8 byte-order mark), each with its line number; blank lines
/// are skipped, fields are trimmed.
fn records(
    text: &str,
) -> impl Iterator<Item = Result<(usize, csv::StringRecord), ImportError>> + '_ {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes())
        .into_records()
        .map(|r| {
            let line = |e: &csv::Error| e.position().map_or(0, |p| p.line() as usize);
            match r {
                Ok(record) => Ok((record.position().map_or(0, |p| p.line() as usize), record)),
                Err(e) => Err(ImportError::Row {
                    line: line(&e),
                    reason: format!("not valid CSV: {e}"),
                }),
            }
        })
        .filter(|r| !matches!(r, Ok((_, rec)) if rec.iter().all(str::is_empty)))
}

/// Imports the register in `text`; returns how many registrations came in.
pub async fn import_register(pool: &PgPool, text: &str) -> Result<usize, ImportError> {
    let catalogue = domain::catalogue::InForce::new(
        adapters::catalogue::load(pool)
            .await
            .map_err(|e| ImportError::Other(e.to_string()))?,
    );
    let mut records = records(text);
    match records.next().transpose()? {
        Some((_, h)) if h.iter().eq(HEADER.split(',')) => {}
        _ => {
            return Err(ImportError::Row {
                line: 1,
                reason: format!("the header must be `{HEADER}`"),
            })
        }
    }
    let mut rows = Vec::new();
    let mut seen = HashSet::new();
    for record in records {
        let (line_no, record) = record?;
        let bad = |reason: String| ImportError::Row {
            line: line_no,
            reason,
        };
        let row = parse_row(&record, &catalogue).map_err(bad)?;
        let key = (
            row.qualification_code.clone(),
            row.registration_number.clone(),
        );
        if !seen.insert(key) {
            return Err(bad(
                "the registration number appears twice in the file".into()
            ));
        }
        rows.push((line_no, row));
    }
    // The aggregate makes the events, so they are exactly what a command
    // would have appended; one transaction appends them all.
    let services = RegistrationServices {
        catalogue: catalogue.clone(),
        numbers: Arc::new(PgRegistrationNumbers::new(pool.clone())),
    };
    let mut tx = eventstore::Appending::begin(pool).await?;
    // One import at a time: two imports of the same number cannot both pass
    // the check below.
    sqlx::query("SELECT pg_advisory_xact_lock(7103, 0)")
        .execute(&mut *tx)
        .await?;
    let now = Utc::now();
    for (line, row) in &rows {
        // Checked against the events, in the transaction that appends the
        // rows: the register view may not have caught up yet.
        if on_register(&mut tx, &row.qualification_code, &row.registration_number).await? {
            return Err(ImportError::Row {
                line: *line,
                reason: "this registration number is already on the register".into(),
            });
        }
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
        let metadata = HashMap::from([("actor".to_owned(), "import-register".to_owned())]);
        tx.append_new::<QualificationRegistration>(&id, &sink.collect().await, &metadata)
            .await?;
        // New registrations must never be given an imported number: the
        // counter of its series (the qualification, or its prefecture) passes it.
        let (counter, number) = catalogue
            .qualification(&row.qualification_code)
            .and_then(|q| q.counted_as(&row.registration_number))
            .unwrap_or_else(|| (row.qualification_code.clone(), 0));
        sqlx::query(
            "INSERT INTO registration_number_counters AS c (qualification_code, last_number) VALUES ($1, $2)
             ON CONFLICT (qualification_code) DO UPDATE SET last_number = GREATEST(c.last_number, $2)",
        )
        .bind(&counter)
        .bind(number)
        .execute(&mut *tx)
        .await?;
    }
    // Subscriptions in this process (the certificate benchmark runs the
    // application beside the import) read the register at once.
    tx.commit().await?;
    Ok(rows.len())
}

/// Whether a registration with this number is in the events (registered
/// online or imported before), whatever the register view has read so far.
async fn on_register(
    tx: &mut sqlx::PgConnection,
    qualification_code: &str,
    registration_number: &str,
) -> Result<bool, ImportError> {
    Ok(sqlx::query_scalar(
        "SELECT EXISTS (
           SELECT 1 FROM events
           WHERE aggregate_type = $1 AND event_type IN ('Registered', 'RegistrationImported')
             AND payload -> event_type ->> 'qualification_code' = $2
             AND payload -> event_type ->> 'registration_number' = $3)",
    )
    .bind(QualificationRegistration::TYPE)
    .bind(qualification_code)
    .bind(registration_number)
    .fetch_one(&mut *tx)
    .await?)
}
