//! The simulated registers: answers driven by a fixture file, keyed by vault
//! lookup tokens (the numbers themselves are dropped after start-up).
//!
//! The fixture's columns are [`HEADER`], optionally followed by
//! `date_of_birth` (YYYY-MM-DD, or empty): only a record with a date of birth
//! can confirm whom a number belongs to, so fixtures written before the
//! column existed keep working and confirm no identity.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};

use async_trait::async_trait;
use chrono::NaiveDate;
use domain::my_number::MyNumber;
use domain::registry::{
    IdentityAnswer, IdentityClaim, InquiryAnswer, InquiryOutcome, RegistryInquiry,
    RegistryUnavailable, Statement,
};

use crate::vault::Vault;
use eventstore::ProjectionError;

/// The fixture's first six columns, in this order.
pub const HEADER: &str =
    "my_number,family_name,given_name,address,registered_domicile,domicile_status";
/// The optional seventh column.
const BIRTH_COLUMN: &str = "date_of_birth";

/// What the registers hold about one person.
#[derive(Debug, Clone)]
struct Record {
    family_name: String,
    given_name: String,
    address: String,
    registered_domicile: String,
    domicile_resolved: bool,
    /// None in fixtures without the column (or an empty field).
    date_of_birth: Option<NaiveDate>,
}

/// A registry whose answers come from fixture data.
#[derive(Default)]
pub struct SimulatedRegistry {
    records: HashMap<Vec<u8>, Record>,
    unavailable: AtomicBool,
}

impl SimulatedRegistry {
    /// Reads the fixture CSV (header as documented; quoted fields, CRLF and
    /// a byte-order mark are fine). A bad line is reported with its number.
    pub fn from_csv(text: &str, vault: &Vault) -> Result<Self, ProjectionError> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut lines = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .trim(csv::Trim::All)
            .from_reader(text.as_bytes())
            .into_records();
        let fail = |what: String| ProjectionError::Command(format!("registry fixtures{what}"));
        let columns = match lines.next() {
            Some(Ok(h)) if h.iter().eq(HEADER.split(',')) => 6,
            Some(Ok(h)) if h.iter().eq(HEADER.split(',').chain([BIRTH_COLUMN])) => 7,
            _ => {
                return Err(fail(format!(
                    ": the first line must be `{HEADER}` or `{HEADER},{BIRTH_COLUMN}`"
                )))
            }
        };
        let mut records = HashMap::new();
        for line in lines {
            let f = line.map_err(|e| fail(format!(": not valid CSV: {e}")))?;
            if f.iter().all(str::is_empty) {
                continue;
            }
            let n = f.position().map_or(0, |p| p.line());
            let bad = |why: &str| fail(format!(" line {n}: {why}"));
            if f.len() != columns {
                return Err(bad(&format!("expected {columns} fields, as the header")));
            }
            let number = MyNumber::parse(&f[0]).map_err(|_| bad("invalid My Number"))?;
            let domicile_resolved = match &f[5] {
                "RESOLVED" => true,
                "UNRESOLVED" => false,
                _ => return Err(bad("domicile_status must be RESOLVED or UNRESOLVED")),
            };
            let date_of_birth = match f.get(6).filter(|d| !d.is_empty()) {
                None => None,
                Some(d) => Some(
                    NaiveDate::parse_from_str(d, "%Y-%m-%d")
                        .map_err(|_| bad("date_of_birth must be a date as YYYY-MM-DD, or empty"))?,
                ),
            };
            records.insert(
                vault.lookup_token(&number),
                Record {
                    family_name: f[1].to_owned(),
                    given_name: f[2].to_owned(),
                    address: f[3].to_owned(),
                    registered_domicile: f[4].to_owned(),
                    domicile_resolved,
                    date_of_birth,
                },
            );
        }
        Ok(Self {
            records,
            unavailable: AtomicBool::new(false),
        })
    }

    /// Makes the registers stop (or resume) answering, to exercise retries.
    pub fn set_unavailable(&self, unavailable: bool) {
        self.unavailable.store(unavailable, Ordering::SeqCst);
    }
}

#[async_trait]
impl RegistryInquiry for SimulatedRegistry {
    async fn inquire(
        &self,
        token: &[u8],
        s: &Statement,
    ) -> Result<InquiryAnswer, RegistryUnavailable> {
        if self.unavailable.load(Ordering::SeqCst) {
            return Err(RegistryUnavailable("simulated outage".into()));
        }
        let Some(r) = self.records.get(token) else {
            // Unknown to the fixtures: the registers confirm what was written.
            return Ok(InquiryAnswer {
                outcome: InquiryOutcome::Confirmed,
                differences: vec![],
            });
        };
        // The family register is asked only about a holder who is in one.
        let domicile = s.registered_domicile.as_ref();
        if domicile.is_some() && !r.domicile_resolved {
            return Ok(InquiryAnswer {
                outcome: InquiryOutcome::DomicileUnresolved,
                differences: vec![],
            });
        }
        let mut compared = vec![
            ("family_name", &r.family_name, &s.family_name),
            ("given_name", &r.given_name, &s.given_name),
            ("address", &r.address, &s.address),
        ];
        if let Some(domicile) = domicile {
            compared.push(("registered_domicile", &r.registered_domicile, domicile));
        }
        let differences: Vec<String> = compared
            .into_iter()
            .filter(|(_, a, b)| a != b)
            .map(|(f, _, _)| f.to_owned())
            .collect();
        Ok(InquiryAnswer {
            outcome: if differences.is_empty() {
                InquiryOutcome::Confirmed
            } else {
                InquiryOutcome::Mismatch
            },
            differences,
        })
    }

    async fn confirm_identity(
        &self,
        token: &[u8],
        claim: &IdentityClaim,
    ) -> Result<IdentityAnswer, RegistryUnavailable> {
        if self.unavailable.load(Ordering::SeqCst) {
            return Err(RegistryUnavailable("simulated outage".into()));
        }
        // Unlike `inquire`, a number the fixtures do not know confirms
        // nothing: being a valid number is not being this person's.
        let belongs = self.records.get(token).is_some_and(|r| {
            r.family_name == claim.family_name.trim()
                && r.given_name == claim.given_name.trim()
                && r.date_of_birth == Some(claim.date_of_birth)
        });
        Ok(if belongs {
            IdentityAnswer::Belongs
        } else {
            IdentityAnswer::DoesNotBelong
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::my_number::with_check_digit;

    fn vault() -> Vault {
        let pool = sqlx::PgPool::connect_lazy("postgres://unused@127.0.0.1/none").unwrap();
        Vault::new(pool, [7; 32])
    }

    fn claim(family: &str, born: &str) -> IdentityClaim {
        IdentityClaim {
            family_name: family.into(),
            given_name: "一郎".into(),
            date_of_birth: born.parse().unwrap(),
        }
    }

    #[tokio::test]
    async fn identity_is_confirmed_only_for_a_known_number_of_that_person() {
        let vault = vault();
        let (known, old, unknown) = (
            with_check_digit("13579135791"),
            with_check_digit("24680246802"),
            with_check_digit("11122233344"),
        );
        let text = format!(
            "{HEADER},date_of_birth\n{known},田中,一郎,横浜市,神奈川県,RESOLVED,1970-01-02\n\
             {old},田中,一郎,横浜市,神奈川県,RESOLVED,\n"
        );
        let registry = SimulatedRegistry::from_csv(&text, &vault).unwrap();
        let token = |n: &str| vault.lookup_token(&MyNumber::parse(n).unwrap());
        let ask = |n: &str, c: IdentityClaim| {
            let t = token(n);
            let r = &registry;
            async move { r.confirm_identity(&t, &c).await.unwrap() }
        };
        assert_eq!(
            ask(&known, claim("田中", "1970-01-02")).await,
            IdentityAnswer::Belongs
        );
        assert_eq!(
            ask(&known, claim("田中", "1971-01-02")).await,
            IdentityAnswer::DoesNotBelong,
            "another date of birth"
        );
        assert_eq!(
            ask(&known, claim("佐藤", "1970-01-02")).await,
            IdentityAnswer::DoesNotBelong
        );
        assert_eq!(
            ask(&old, claim("田中", "1970-01-02")).await,
            IdentityAnswer::DoesNotBelong,
            "a record without a date of birth confirms nobody"
        );
        assert_eq!(
            ask(&unknown, claim("田中", "1970-01-02")).await,
            IdentityAnswer::DoesNotBelong,
            "a number the registers do not know is nobody's"
        );
    }

    #[tokio::test]
    async fn fixtures_without_the_birth_column_still_load_and_bad_dates_are_named() {
        let vault = vault();
        let n = with_check_digit("13579135791");
        let old = format!("{HEADER}\n{n},田中,一郎,横浜市,神奈川県,RESOLVED\n");
        assert!(SimulatedRegistry::from_csv(&old, &vault).is_ok());
        let bad =
            format!("{HEADER},date_of_birth\n{n},田中,一郎,横浜市,神奈川県,RESOLVED,1970/01/02\n");
        let e = SimulatedRegistry::from_csv(&bad, &vault)
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("line 2") && e.contains("date_of_birth"), "{e}");
        let short = format!("{HEADER},date_of_birth\n{n},田中,一郎,横浜市,神奈川県,RESOLVED\n");
        let e = SimulatedRegistry::from_csv(&short, &vault)
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("expected 7 fields"), "{e}");
    }
}
