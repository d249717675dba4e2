//! Loads the qualification catalogue from its tables.

use domain::catalogue::{Catalogue, Procedure, ProcedureTerms, Qualification};
use domain::money::Fee;
use domain::registration::number::{NumberFormat, NumberSeries};
use sqlx::{PgPool, Row};

use eventstore::ProjectionError;

/// Reads every qualification with its procedures.
pub async fn load(pool: &PgPool) -> Result<Catalogue, ProjectionError> {
    let mut qualifications = Vec::new();
    for r in sqlx::query(
        "SELECT code, name_ja, name_en, ministry, registers_domicile,
                registration_number_format, registration_number_series,
                revocation_bar_years
         FROM qualifications ORDER BY code",
    )
    .fetch_all(pool)
    .await?
    {
        let code: String = r.get("code");
        // A catalogue row that cannot be used stops the start, naming it.
        let bad =
            |what: String| ProjectionError::Catalogue(format!("qualification {code}: {what}"));
        let format: String = r.get("registration_number_format");
        let series: String = r.get("registration_number_series");
        qualifications.push(Qualification {
            registration_number_format: NumberFormat::parse(&format).map_err(bad)?,
            registration_number_series: NumberSeries::parse(&series)
                .ok_or_else(|| bad(format!("unknown series {series}")))?,
            code: code.clone(),
            name_ja: r.get("name_ja"),
            name_en: r.get("name_en"),
            ministry: r.get("ministry"),
            registers_domicile: r.get("registers_domicile"),
            revocation_bar_years: r
                .get::<Option<i32>, _>("revocation_bar_years")
                .map(|y| y.unsigned_abs()),
            ministry_codes: vec![],
            procedures: vec![],
        });
    }
    let rows = sqlx::query(
        "SELECT qualification_code, procedure, licence_tax, handling_fee, service_standard_days
         FROM qualification_procedures ORDER BY qualification_code, procedure",
    )
    .fetch_all(pool)
    .await?;
    for r in rows {
        let code: String = r.get("qualification_code");
        let procedure: String = r.get("procedure");
        let Some(procedure) = Procedure::parse(&procedure) else {
            continue;
        };
        if let Some(q) = qualifications.iter_mut().find(|q| q.code == code) {
            q.procedures.push(ProcedureTerms {
                procedure,
                fee: Fee {
                    licence_tax: r.get("licence_tax"),
                    handling_fee: r.get("handling_fee"),
                },
                service_standard_days: r.get("service_standard_days"),
            });
        }
    }
    let supervision = sqlx::query(
        "SELECT qualification_code, ministry_code FROM qualification_ministries
         ORDER BY qualification_code, ministry_code",
    )
    .fetch_all(pool)
    .await?;
    for r in supervision {
        let code: String = r.get("qualification_code");
        if let Some(q) = qualifications.iter_mut().find(|q| q.code == code) {
            q.ministry_codes.push(r.get("ministry_code"));
        }
    }
    Ok(Catalogue { qualifications })
}
