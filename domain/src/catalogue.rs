//! The qualification catalogue: which qualifications exist, their fees and
//! service standards per procedure. Loaded from the database, never hard-coded.

use serde::{Deserialize, Serialize};

use crate::registration::number::{NumberFormat, NumberSeries};

use crate::money::Fee;

/// A procedure the office offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Procedure {
    NewRegistration,
    ChangeName,
    ChangeAddress,
    ChangeDomicile,
    ReissueCertificate,
    DeleteRegistration,
    /// An office-initiated suspension (a sanction case).
    Suspension,
    /// An office-initiated revocation (a sanction case).
    Revocation,
}

impl Procedure {
    /// The stable name stored in the database and shown in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Procedure::NewRegistration => "NEW_REGISTRATION",
            Procedure::ChangeName => "CHANGE_NAME",
            Procedure::ChangeAddress => "CHANGE_ADDRESS",
            Procedure::ChangeDomicile => "CHANGE_DOMICILE",
            Procedure::ReissueCertificate => "REISSUE_CERTIFICATE",
            Procedure::DeleteRegistration => "DELETE_REGISTRATION",
            Procedure::Suspension => "SUSPENSION",
            Procedure::Revocation => "REVOCATION",
        }
    }

    /// Whether the national registers are asked to confirm the matters of a
    /// case of this procedure (a re-issue or a deletion changes none of them).
    pub fn asks_registers(self) -> bool {
        matches!(
            self,
            Procedure::NewRegistration
                | Procedure::ChangeName
                | Procedure::ChangeAddress
                | Procedure::ChangeDomicile
        )
    }

    /// Parses the stable name.
    pub fn parse(s: &str) -> Option<Procedure> {
        [
            Procedure::NewRegistration,
            Procedure::ChangeName,
            Procedure::ChangeAddress,
            Procedure::ChangeDomicile,
            Procedure::ReissueCertificate,
            Procedure::DeleteRegistration,
            Procedure::Suspension,
            Procedure::Revocation,
        ]
        .into_iter()
        .find(|p| p.as_str() == s)
    }
}

/// The fee and service standard of one procedure for one qualification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProcedureTerms {
    /// The procedure.
    pub procedure: Procedure,
    /// What it costs.
    pub fee: Fee,
    /// Days within which the office aims to decide.
    pub service_standard_days: i32,
}

/// One national qualification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Qualification {
    /// Stable code, e.g. `CARE_WORKER`.
    pub code: String,
    /// Name in Japanese.
    pub name_ja: String,
    /// Name in English.
    pub name_en: String,
    /// Supervising ministry, by name.
    pub ministry: String,
    /// Codes of the supervising ministries (`MHLW`, `MEXT`, `CFA`); a
    /// ministry caller sees only the qualifications listed here for it.
    pub ministry_codes: Vec<String>,
    /// Whether the registered domicile (honseki) is a registered matter.
    pub registers_domicile: bool,
    /// Fee and service standard per procedure.
    pub procedures: Vec<ProcedureTerms>,
    /// How its registration numbers are written (a regular expression).
    pub registration_number_format: NumberFormat,
    /// How new numbers are counted (nationally, or per prefecture).
    pub registration_number_series: NumberSeries,
    /// Years after a revocation during which the same person may not be
    /// registered again (the Act's disqualification clause); `None`: no bar.
    pub revocation_bar_years: Option<u32>,
}

/// All qualifications the office keeps a register of.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Catalogue {
    /// The qualifications, ordered by code.
    pub qualifications: Vec<Qualification>,
}

impl Catalogue {
    /// Looks a qualification up by code.
    pub fn qualification(&self, code: &str) -> Option<&Qualification> {
        self.qualifications.iter().find(|q| q.code == code)
    }

    /// The codes of the qualifications `ministry` supervises.
    pub fn supervised_by<'a>(&'a self, ministry: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.qualifications
            .iter()
            .filter(move |q| q.ministry_codes.iter().any(|m| m == ministry))
            .map(|q| q.code.as_str())
    }

    /// The terms of a procedure for a qualification.
    pub fn terms(&self, code: &str, procedure: Procedure) -> Option<&ProcedureTerms> {
        self.qualification(code)?
            .procedures
            .iter()
            .find(|t| t.procedure == procedure)
    }
}
