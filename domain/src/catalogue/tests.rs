use chrono::{NaiveDate, TimeZone, Utc};

use super::publication::{CatalogueVersions, PublicationError, Publish};
use super::*;

/// The catalogue file the office starts from.
const FILE: &str = include_str!("../../../catalogue/catalogue.json");

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn file() -> CatalogueDocument {
    CatalogueDocument::parse(FILE.as_bytes()).expect("the catalogue file parses")
}

fn rule(from: NaiveDate, licence_tax: Option<i64>, handling_fee: Option<i64>) -> FeeRule {
    FeeRule {
        effective_from: from,
        licence_tax,
        handling_fee,
        source: None,
    }
}

/// 12,320 yen from 2024-08-06, 13,000 from 2027-04-01.
fn raised() -> ProcedureTerms {
    let mut terms = ProcedureTerms::since(
        Procedure::NewRegistration,
        date(2024, 8, 6),
        Fee {
            licence_tax: 9000,
            handling_fee: 3320,
        },
        30,
    );
    terms
        .fees
        .push(rule(date(2027, 4, 1), Some(9000), Some(4000)));
    terms
}

#[test]
fn the_fee_in_force_is_that_of_the_japanese_submission_date() {
    let terms = raised();
    // 2027-03-31 15:00 UTC is already 1 April in Japan.
    let before = Utc.with_ymd_and_hms(2027, 3, 31, 14, 59, 59).unwrap();
    let after = Utc.with_ymd_and_hms(2027, 3, 31, 15, 0, 0).unwrap();
    let fee = |at| terms.assess(Channel::Online, at).unwrap().total();
    assert_eq!(fee(before), 12_320);
    assert_eq!(fee(after), 13_000);
    assert_eq!(
        terms.fee_on(date(2024, 8, 5)),
        None,
        "before the schedule starts"
    );
}

#[test]
fn an_unknown_fee_is_refused_in_any_channel() {
    let mut terms = raised();
    terms.fees.push(rule(date(2028, 1, 1), Some(9000), None));
    let at = Utc.with_ymd_and_hms(2028, 1, 2, 0, 0, 0).unwrap();
    for channel in [Channel::Online, Channel::Paper] {
        assert_eq!(terms.assess(channel, at), Err(DomainError::FeeUnknown));
    }
    terms.fees.clear();
    assert_eq!(
        terms.assess(Channel::Paper, at),
        Err(DomainError::FeeUnknown)
    );
}

#[test]
fn before_its_online_date_a_procedure_is_only_taken_on_paper() {
    let mut terms = raised();
    terms.online_from = Some(date(2026, 10, 1));
    let at = Utc.with_ymd_and_hms(2026, 9, 30, 0, 0, 0).unwrap();
    assert_eq!(
        terms.assess(Channel::Online, at),
        Err(DomainError::ProcedureNotYetOnline)
    );
    assert!(terms.assess(Channel::Paper, at).is_ok());
    terms.online_from = None;
    let later = Utc.with_ymd_and_hms(2030, 1, 1, 0, 0, 0).unwrap();
    assert_eq!(
        terms.assess(Channel::Online, later),
        Err(DomainError::ProcedureNotYetOnline)
    );
}

#[test]
fn the_file_ships_at_least_thirty_qualifications_with_the_seed_pages_ones() {
    let catalogue = file().catalogue();
    assert!(catalogue.qualifications.len() >= 30);
    for code in [
        "CARE_WORKER",
        "SOCIAL_WORKER",
        "PSYCHIATRIC_SOCIAL_WORKER",
        "CERTIFIED_PSYCHOLOGIST",
        "NURSERY_TEACHER",
        "CARE_MANAGER",
        "SOCIAL_INSURANCE_LABOUR_CONSULTANT",
        "HEALTH_INSURANCE_DOCTOR",
        "HEALTH_INSURANCE_PHARMACIST",
    ] {
        assert!(catalogue.qualification(code).is_some(), "{code} missing");
    }
    let doctor = catalogue.qualification("HEALTH_INSURANCE_DOCTOR").unwrap();
    assert_eq!(doctor.revocation_bar_years, Some(5));
    assert_eq!(doctor.prerequisite.as_deref(), Some("DOCTOR"));
    assert_eq!(
        catalogue
            .qualification("CARE_MANAGER")
            .unwrap()
            .validity_years,
        Some(5)
    );
    let psychologist = catalogue.qualification("CERTIFIED_PSYCHOLOGIST").unwrap();
    assert_eq!(
        psychologist.ministry,
        "Ministry of Education, Culture, Sports, Science and Technology; \
         Ministry of Health, Labour and Welfare"
    );
    // A licence tax alone is not a fee: the doctor's stays unknown.
    let terms = catalogue
        .terms("DOCTOR", Procedure::NewRegistration)
        .unwrap();
    assert_eq!(terms.fees[0].licence_tax, Some(60_000));
    assert_eq!(terms.fee_on(date(2026, 12, 6)), None);
}

#[test]
fn a_bad_document_is_refused_with_pointers() {
    let mut doc: serde_json::Value = serde_json::from_str(FILE).unwrap();
    doc["qualifications"][0]["ministries"] = serde_json::json!(["NOPE"]);
    doc["qualifications"][1]["prerequisite"] = serde_json::json!("MISSING");
    let problems = CatalogueDocument::parse(doc.to_string().as_bytes()).unwrap_err();
    let pointers: Vec<_> = problems.iter().map(|p| p.pointer.as_str()).collect();
    assert_eq!(
        pointers,
        [
            "/qualifications/0/ministries/0",
            "/qualifications/1/prerequisite"
        ]
    );
    doc["qualifications"][2]["procedures"][0]["fees"] =
        serde_json::json!([{"effective_from": "soon", "licence_tax": 0, "handling_fee": 0}]);
    let problems = CatalogueDocument::parse(doc.to_string().as_bytes()).unwrap_err();
    assert_eq!(
        problems[0].pointer,
        "/qualifications/2/procedures/0/fees/0/effective_from"
    );
}

fn publish(doc: CatalogueDocument) -> Publish {
    Publish {
        document: Box::new(doc),
        by: "admin".into(),
        at: Utc::now(),
    }
}

#[test]
fn only_a_newer_version_keeping_every_code_is_published() {
    let mut versions = CatalogueVersions::default();
    let first = file();
    let events = versions.decide(publish(first.clone())).unwrap();
    let publication::CatalogueEvent::CataloguePublished { content_hash, .. } = &events[0];
    assert_eq!(content_hash, &first.content_hash());
    versions.current = Some(Box::new(first.clone()));
    assert_eq!(
        versions.decide(publish(first.clone())).unwrap_err(),
        PublicationError::VersionNotNewer {
            current: first.version,
            offered: first.version
        }
    );
    let mut smaller = first.clone();
    smaller.version += 1;
    smaller.qualifications.retain(|q| q.code != "CARE_WORKER");
    let Err(PublicationError::Invalid(problems)) = versions.decide(publish(smaller)) else {
        panic!("a removed code must be refused");
    };
    assert_eq!(problems[0].code, "QUALIFICATION_REMOVED");
}

#[test]
fn forms_offer_only_what_is_accepted_through_their_channel() {
    let catalogue = file().catalogue();
    let today = date(2026, 12, 6);
    let codes = |channel| -> Vec<&str> {
        catalogue
            .accepting(Procedure::NewRegistration, channel, today)
            .map(|q| q.code.as_str())
            .collect()
    };
    let online = codes(Channel::Online);
    assert!(online.contains(&"CARE_WORKER"));
    // Online from 2024-08-06, but no fee is known.
    assert!(!online.contains(&"HEALTH_INSURANCE_DOCTOR"));
    // A fee is known, but it is taken on paper only.
    assert!(!online.contains(&"SOCIAL_INSURANCE_LABOUR_CONSULTANT"));
    assert!(codes(Channel::Paper).contains(&"SOCIAL_INSURANCE_LABOUR_CONSULTANT"));
}

#[test]
fn only_a_qualification_whose_registrations_expire_offers_renewal() {
    let doc = file();
    let renews = |code: &str| {
        doc.qualifications
            .iter()
            .find(|q| q.code == code)
            .unwrap()
            .procedures
            .iter()
            .any(|p| p.procedure == Procedure::Renewal)
    };
    assert!(renews("CARE_MANAGER"));
    assert!(!renews("CARE_WORKER"));
    let mut raw: serde_json::Value = serde_json::from_str(FILE).unwrap();
    let worker = raw["qualifications"]
        .as_array()
        .unwrap()
        .iter()
        .position(|q| q["code"] == "CARE_WORKER")
        .unwrap();
    raw["qualifications"][worker]["procedures"][0]["procedure"] = serde_json::json!("RENEWAL");
    let problems = CatalogueDocument::parse(raw.to_string().as_bytes()).unwrap_err();
    assert_eq!(
        problems[0].pointer,
        format!("/qualifications/{worker}/procedures/0/procedure")
    );
    assert_eq!(problems[0].code, "NOT_APPLICABLE");
}

#[test]
fn endorsements_are_offered_where_the_catalogue_defines_them_at_the_fee_it_sets() {
    let catalogue = file().catalogue();
    let at = "2026-12-06T03:00:00Z".parse().unwrap();
    let care = catalogue
        .terms("CARE_WORKER", Procedure::Endorsement)
        .unwrap();
    assert_eq!(care.assess(Channel::Online, at).unwrap().total(), 500);
    let source = care.fees[0].source.as_deref().unwrap();
    assert!(source.starts_with("unverified"), "{source}");
    // No source gives the labour and social security attorney's fee.
    let attorney = catalogue
        .terms("SOCIAL_INSURANCE_LABOUR_CONSULTANT", Procedure::Endorsement)
        .unwrap();
    assert_eq!(
        attorney.assess(Channel::Online, at),
        Err(DomainError::FeeUnknown)
    );
    // Only where there is something to endorse.
    let mut doc: serde_json::Value = serde_json::from_str(FILE).unwrap();
    assert!(doc["qualifications"][0]["endorsements"]
        .as_array()
        .unwrap()
        .is_empty());
    let procedures = doc["qualifications"][0]["procedures"]
        .as_array_mut()
        .unwrap();
    let mut endorsement = procedures[0].clone();
    endorsement["procedure"] = "ENDORSEMENT".into();
    procedures.push(endorsement);
    let last = procedures.len() - 1;
    let problems = CatalogueDocument::parse(doc.to_string().as_bytes()).unwrap_err();
    assert_eq!(
        problems[0].pointer,
        format!("/qualifications/0/procedures/{last}/procedure")
    );
    assert_eq!(problems[0].code, "NOT_APPLICABLE");
}
