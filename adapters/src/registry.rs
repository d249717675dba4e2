//! The simulated registers: answers driven by a fixture file, keyed by vault
//! lookup tokens (the numbers themselves are dropped after start-up).

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};

use async_trait::async_trait;
use domain::my_number::MyNumber;
use domain::registry::{
    InquiryAnswer, InquiryOutcome, RegistryInquiry, RegistryUnavailable, Statement,
};

use crate::vault::Vault;
use eventstore::ProjectionError;

const HEADER: &str = "my_number,family_name,given_name,address,registered_domicile,domicile_status";

/// What the registers hold about one person.
#[derive(Debug, Clone)]
struct Record {
    family_name: String,
    given_name: String,
    address: String,
    registered_domicile: String,
    domicile_resolved: bool,
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
        match lines.next() {
            Some(Ok(h)) if h.iter().eq(HEADER.split(',')) => {}
            _ => return Err(fail(format!(": the first line must be `{HEADER}`"))),
        }
        let mut records = HashMap::new();
        for line in lines {
            let f = line.map_err(|e| fail(format!(": not valid CSV: {e}")))?;
            if f.iter().all(str::is_empty) {
                continue;
            }
            let n = f.position().map_or(0, |p| p.line());
            let bad = |why: &str| fail(format!(" line {n}: {why}"));
            if f.len() != 6 {
                return Err(bad("expected 6 fields"));
            }
            let number = MyNumber::parse(&f[0]).map_err(|_| bad("invalid My Number"))?;
            let domicile_resolved = match &f[5] {
                "RESOLVED" => true,
                "UNRESOLVED" => false,
                _ => return Err(bad("domicile_status must be RESOLVED or UNRESOLVED")),
            };
            records.insert(
                vault.lookup_token(&number),
                Record {
                    family_name: f[1].to_owned(),
                    given_name: f[2].to_owned(),
                    address: f[3].to_owned(),
                    registered_domicile: f[4].to_owned(),
                    domicile_resolved,
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
        if !r.domicile_resolved {
            return Ok(InquiryAnswer {
                outcome: InquiryOutcome::DomicileUnresolved,
                differences: vec![],
            });
        }
        let differences: Vec<String> = [
            ("family_name", &r.family_name, &s.family_name),
            ("given_name", &r.given_name, &s.given_name),
            ("address", &r.address, &s.address),
            (
                "registered_domicile",
                &r.registered_domicile,
                &s.registered_domicile,
            ),
        ]
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
}
