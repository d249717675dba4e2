//! What `GET /v1/qualifications` answers: the catalogue in force.

use chrono::NaiveDate;
use domain::catalogue::{Catalogue, FeeRule, ProcedureTerms, Qualification};
use serde::Serialize;
use utoipa::ToSchema;

use super::Money;
use crate::case::Procedure;

/// The fee of a procedure, broken down.
#[derive(Debug, Serialize, ToSchema)]
pub struct FeeView {
    /// Registration licence tax.
    pub licence_tax: Money,
    /// Handling fee.
    pub handling_fee: Money,
    /// What the applicant pays.
    pub total: Money,
}

impl From<domain::money::Fee> for FeeView {
    fn from(f: domain::money::Fee) -> Self {
        Self {
            licence_tax: Money::yen(f.licence_tax),
            handling_fee: Money::yen(f.handling_fee),
            total: Money::yen(f.total()),
        }
    }
}

/// One entry of a fee schedule: in force for applications submitted from
/// `effective_from` (a Japanese date) until the next entry's date.
#[derive(Debug, Serialize, ToSchema)]
pub struct FeeScheduleEntry {
    pub effective_from: NaiveDate,
    /// Registration licence tax; null: not known yet.
    pub licence_tax: Option<Money>,
    /// Handling fee; null: not known yet.
    pub handling_fee: Option<Money>,
    /// What the applicant pays; null while a part is unknown (the procedure
    /// is then refused with FEE_UNKNOWN).
    pub total: Option<Money>,
    /// Where the amounts come from.
    pub source: Option<String>,
}

impl From<&FeeRule> for FeeScheduleEntry {
    fn from(r: &FeeRule) -> Self {
        Self {
            effective_from: r.effective_from,
            licence_tax: r.licence_tax.map(Money::yen),
            handling_fee: r.handling_fee.map(Money::yen),
            total: r.fee().map(|f| Money::yen(f.total())),
            source: r.source.clone(),
        }
    }
}

/// A procedure offered for a qualification.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProcedureView {
    #[schema(example = "NEW_REGISTRATION")]
    pub procedure: Procedure,
    /// The fee in force today (Japanese date); null while it is unknown.
    pub fee: Option<FeeView>,
    /// Every fee by its effective date, oldest first: an application pays
    /// the fee in force on its submission date.
    pub fee_schedule: Vec<FeeScheduleEntry>,
    /// The Japanese date from which it can be applied for online; null: on
    /// paper only (PROCEDURE_NOT_YET_ONLINE).
    pub online_from: Option<NaiveDate>,
    /// What is known of its online schedule.
    pub online_note: Option<String>,
    /// Days within which the office aims to decide.
    pub service_standard_days: i32,
}

impl ProcedureView {
    fn of(p: &ProcedureTerms, today: NaiveDate) -> Self {
        Self {
            procedure: p.procedure.into(),
            fee: p.fee_on(today).map(FeeView::from),
            fee_schedule: p.fees.iter().map(FeeScheduleEntry::from).collect(),
            online_from: p.online_from,
            online_note: p.online_note.clone(),
            service_standard_days: p.service_standard_days,
        }
    }
}

/// An endorsement a registration may carry.
#[derive(Debug, Serialize, ToSchema)]
pub struct EndorsementView {
    #[schema(example = "SUCTION_AND_TUBE_FEEDING")]
    pub code: String,
    pub name_ja: String,
    pub name_en: String,
    /// The document an application to add it must attach; null: none.
    pub evidence: Option<String>,
}

/// A sanction the qualification's Act allows.
#[derive(Debug, Serialize, ToSchema)]
pub struct SanctionRuleView {
    /// `REPRIMAND`, `SUSPENSION` or `REVOCATION`.
    #[schema(example = "SUSPENSION")]
    pub kind: String,
    /// The article it rests on; null where not recorded yet.
    pub legal_basis: Option<String>,
}

/// A qualification of the catalogue.
#[derive(Debug, Serialize, ToSchema)]
pub struct QualificationView {
    #[schema(example = "CARE_WORKER")]
    pub code: String,
    pub name_ja: String,
    pub name_en: String,
    /// The supervising ministries' names.
    pub ministry: String,
    /// The supervising ministries' codes.
    pub ministry_codes: Vec<String>,
    /// Who keeps the register.
    pub registering_body: String,
    /// Whether the registered domicile (honseki) is a registered matter.
    pub registers_domicile: bool,
    /// How its registration numbers are written: a regular expression over
    /// the whole number, e.g. `^[0-9]{1,10}$`, or for nursery teachers the
    /// registering prefecture and six digits (`東京都-012345`).
    #[schema(example = "^[0-9]{1,10}$")]
    pub registration_number_format: String,
    /// Years a registration stays valid; null: it does not expire.
    pub validity_years: Option<u32>,
    /// Years after a revocation before the holder may register again; null: no bar.
    pub revocation_bar_years: Option<u32>,
    pub endorsements: Vec<EndorsementView>,
    /// The code of the qualification a holder must already hold.
    pub prerequisite: Option<String>,
    /// Whether the public register look-up answers for it.
    pub public_lookup: bool,
    pub sanctions: Vec<SanctionRuleView>,
    pub procedures: Vec<ProcedureView>,
}

impl QualificationView {
    fn of(q: &Qualification, today: NaiveDate) -> Self {
        Self {
            code: q.code.clone(),
            name_ja: q.name_ja.clone(),
            name_en: q.name_en.clone(),
            ministry: q.ministry.clone(),
            ministry_codes: q.ministry_codes.clone(),
            registering_body: q.registering_body.clone(),
            registers_domicile: q.registers_domicile,
            registration_number_format: q.registration_number_format.as_str().to_owned(),
            validity_years: q.validity_years,
            revocation_bar_years: q.revocation_bar_years,
            endorsements: q
                .endorsements
                .iter()
                .map(|e| EndorsementView {
                    code: e.code.clone(),
                    name_ja: e.name_ja.clone(),
                    name_en: e.name_en.clone(),
                    evidence: e.evidence.clone(),
                })
                .collect(),
            prerequisite: q.prerequisite.clone(),
            public_lookup: q.public_lookup,
            sanctions: q
                .sanctions
                .iter()
                .map(|s| SanctionRuleView {
                    kind: s.kind.as_str().to_owned(),
                    legal_basis: s.legal_basis.clone(),
                })
                .collect(),
            procedures: q
                .procedures
                .iter()
                .map(|p| ProcedureView::of(p, today))
                .collect(),
        }
    }
}

/// The catalogue.
#[derive(Debug, Serialize, ToSchema)]
pub struct QualificationList {
    /// The version of the catalogue in force.
    pub version: u32,
    pub items: Vec<QualificationView>,
}

impl QualificationList {
    /// The catalogue as seen on `today` (which fee is in force).
    pub fn of(catalogue: &Catalogue, today: NaiveDate) -> Self {
        Self {
            version: catalogue.version,
            items: catalogue
                .qualifications
                .iter()
                .map(|q| QualificationView::of(q, today))
                .collect(),
        }
    }
}
