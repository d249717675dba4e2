//! The qualification catalogue: which qualifications exist, their fees and
//! service standards per procedure. It is data: a versioned document
//! (`catalogue/catalogue.json`, or one an administrator publishes), recorded
//! as an event and never hard-coded.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::calendar::japan_date;
use crate::money::Fee;
use crate::registration::number::{NumberFormat, NumberSeries};
use crate::registration::Channel;
use crate::DomainError;

pub mod document;
mod in_force;
pub mod publication;
#[cfg(test)]
mod tests;

pub use document::{CatalogueDocument, DocumentProblem, Ministry};
pub use in_force::InForce;

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

/// One entry of a procedure's fee schedule: in force from its date until
/// the next entry's. A part left `None` is not known yet, and then the whole
/// fee is unknown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeeRule {
    /// The Japanese date from which this fee applies to new applications.
    pub effective_from: NaiveDate,
    /// Registration licence tax in yen; `None`: unknown.
    pub licence_tax: Option<i64>,
    /// Handling fee in yen; `None`: unknown.
    pub handling_fee: Option<i64>,
    /// Where the amounts come from.
    #[serde(default)]
    pub source: Option<String>,
}

impl FeeRule {
    /// The fee, when both parts are known.
    pub fn fee(&self) -> Option<Fee> {
        Some(Fee {
            licence_tax: self.licence_tax?,
            handling_fee: self.handling_fee?,
        })
    }
}

/// The fee schedule, online availability and service standard of one
/// procedure for one qualification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProcedureTerms {
    /// The procedure.
    pub procedure: Procedure,
    /// What it costs, by effective date, oldest first. Empty: unknown.
    pub fees: Vec<FeeRule>,
    /// Days within which the office aims to decide.
    pub service_standard_days: i32,
    /// The Japanese date from which applicants may file it online; `None`:
    /// on paper only.
    pub online_from: Option<NaiveDate>,
    /// What is known of its online schedule, for people.
    #[serde(default)]
    pub online_note: Option<String>,
}

impl ProcedureTerms {
    /// Terms with one known fee, in force and online from `from`.
    pub fn since(procedure: Procedure, from: NaiveDate, fee: Fee, days: i32) -> Self {
        Self {
            procedure,
            fees: vec![FeeRule {
                effective_from: from,
                licence_tax: Some(fee.licence_tax),
                handling_fee: Some(fee.handling_fee),
                source: None,
            }],
            service_standard_days: days,
            online_from: Some(from),
            online_note: None,
        }
    }

    /// The schedule entry in force on `date`, if the schedule has begun.
    pub fn rule_on(&self, date: NaiveDate) -> Option<&FeeRule> {
        self.fees.iter().rev().find(|r| r.effective_from <= date)
    }

    /// The fee in force on `date`, if it is known.
    pub fn fee_on(&self, date: NaiveDate) -> Option<Fee> {
        self.rule_on(date)?.fee()
    }

    /// Whether applicants may file it online on `date`.
    pub fn online_on(&self, date: NaiveDate) -> bool {
        self.online_from.is_some_and(|from| from <= date)
    }

    /// The fee of a case submitted at `at` through `channel`: the fee in
    /// force on the Japanese submission date. Refused online before the
    /// procedure's online date, and in any channel while the fee is unknown
    /// (nothing could be assessed).
    pub fn assess(&self, channel: Channel, at: DateTime<Utc>) -> Result<Fee, DomainError> {
        let date = japan_date(at);
        if channel == Channel::Online && !self.online_on(date) {
            return Err(DomainError::ProcedureNotYetOnline);
        }
        self.fee_on(date).ok_or(DomainError::FeeUnknown)
    }
}

/// An endorsement a registration may carry (e.g. completed training).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Endorsement {
    /// Stable code.
    pub code: String,
    /// Name in Japanese.
    pub name_ja: String,
    /// Name in English.
    pub name_en: String,
}

/// A kind of sanction a qualification's Act allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SanctionMeasure {
    /// A reprimand (戒告).
    Reprimand,
    /// Suspension of the title or practice for a fixed period.
    Suspension,
    /// Revocation of the registration.
    Revocation,
}

impl SanctionMeasure {
    /// The stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            SanctionMeasure::Reprimand => "REPRIMAND",
            SanctionMeasure::Suspension => "SUSPENSION",
            SanctionMeasure::Revocation => "REVOCATION",
        }
    }
}

/// A sanction the catalogue allows for a qualification, with its legal basis.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AllowedSanction {
    /// The kind of sanction.
    pub kind: SanctionMeasure,
    /// The article of the qualification's Act; `None`: not recorded yet.
    pub legal_basis: Option<String>,
}

/// One national qualification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Qualification {
    /// Stable code, e.g. `CARE_WORKER`.
    pub code: String,
    /// Name in Japanese.
    pub name_ja: String,
    /// Name in English.
    pub name_en: String,
    /// Supervising ministry, by name (derived from `ministry_codes`).
    #[serde(skip)]
    pub ministry: String,
    /// Codes of the supervising ministries (`MHLW`, `MEXT`, `CFA`); a
    /// ministry caller sees only the qualifications listed here for it.
    #[serde(rename = "ministries")]
    pub ministry_codes: Vec<String>,
    /// Who keeps the register.
    pub registering_body: String,
    /// Whether the registered domicile (honseki) is a registered matter.
    pub registers_domicile: bool,
    /// How its registration numbers are written (a regular expression).
    pub registration_number_format: NumberFormat,
    /// How new numbers are counted (nationally, or per prefecture).
    pub registration_number_series: NumberSeries,
    /// Years a registration stays valid; `None`: it does not expire.
    pub validity_years: Option<u32>,
    /// Years after a revocation before the holder may register again.
    pub revocation_bar_years: Option<u32>,
    /// Endorsements a registration may carry.
    pub endorsements: Vec<Endorsement>,
    /// The qualification a holder must already hold, by code.
    pub prerequisite: Option<String>,
    /// Whether the public register look-up answers for it.
    pub public_lookup: bool,
    /// The sanctions its Act allows.
    pub sanctions: Vec<AllowedSanction>,
    /// Fee schedule and service standard per procedure.
    pub procedures: Vec<ProcedureTerms>,
}

impl Qualification {
    /// A qualification with its code and numbering and nothing else: no
    /// names, ministries, procedures, endorsements or sanctions.
    pub fn bare(code: &str, format: NumberFormat, series: NumberSeries) -> Self {
        Self {
            code: code.into(),
            name_ja: String::new(),
            name_en: String::new(),
            ministry: String::new(),
            ministry_codes: vec![],
            registering_body: String::new(),
            registers_domicile: true,
            registration_number_format: format,
            registration_number_series: series,
            validity_years: None,
            revocation_bar_years: None,
            endorsements: vec![],
            prerequisite: None,
            public_lookup: false,
            sanctions: vec![],
            procedures: vec![],
        }
    }
}

/// All qualifications the office keeps a register of.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Catalogue {
    /// The version of the published document it comes from.
    pub version: u32,
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

    /// The qualifications that take `procedure` through `channel` on the
    /// Japanese `date` (what an application form offers).
    pub fn accepting(
        &self,
        procedure: Procedure,
        channel: Channel,
        date: NaiveDate,
    ) -> impl Iterator<Item = &Qualification> {
        self.qualifications.iter().filter(move |q| {
            q.procedures.iter().any(|t| {
                t.procedure == procedure
                    && t.fee_on(date).is_some()
                    && (channel == Channel::Paper || t.online_on(date))
            })
        })
    }

    /// The terms of a procedure for a qualification.
    pub fn terms(&self, code: &str, procedure: Procedure) -> Option<&ProcedureTerms> {
        self.qualification(code)?
            .procedures
            .iter()
            .find(|t| t.procedure == procedure)
    }
}
