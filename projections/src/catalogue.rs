//! Loads the qualification catalogue from its tables.

use domain::catalogue::{Catalogue, Procedure, ProcedureTerms, Qualification};
use domain::money::Fee;
use sqlx::{PgPool, Row};

use crate::ProjectionError;

/// Reads every qualification with its procedures.
pub async fn load(pool: &PgPool) -> Result<Catalogue, ProjectionError> {
    let mut qualifications: Vec<Qualification> = sqlx::query(
        "SELECT code, name_ja, name_en, ministry, registers_domicile FROM qualifications ORDER BY code",
    )
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(|r| Qualification {
        code: r.get("code"),
        name_ja: r.get("name_ja"),
        name_en: r.get("name_en"),
        ministry: r.get("ministry"),
        registers_domicile: r.get("registers_domicile"),
        procedures: vec![],
    })
    .collect();
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
    Ok(Catalogue { qualifications })
}
