//! The catalogue as a document: what `catalogue/catalogue.json` holds and an
//! administrator publishes. Parsing names every problem by JSON pointer.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{Catalogue, Qualification};

/// A supervising ministry or agency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ministry {
    /// Stable code, e.g. `MHLW`.
    pub code: String,
    /// Name in Japanese.
    pub name_ja: String,
    /// Name in English.
    pub name_en: String,
}

/// One version of the catalogue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogueDocument {
    /// Grows with every published version.
    pub version: u32,
    /// What the document is and where its facts come from, for people.
    #[serde(default)]
    pub note: Option<String>,
    /// The ministries the qualifications name.
    pub ministries: Vec<Ministry>,
    /// The qualifications.
    pub qualifications: Vec<Qualification>,
}

/// Why a document cannot be published: where, a stable code, and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentProblem {
    /// JSON pointer into the document.
    pub pointer: String,
    /// Stable code.
    pub code: &'static str,
    /// What is wrong, for people.
    pub detail: String,
}

impl DocumentProblem {
    fn new(pointer: String, code: &'static str, detail: impl Into<String>) -> Self {
        Self {
            pointer,
            code,
            detail: detail.into(),
        }
    }
}

impl CatalogueDocument {
    /// Parses and checks a document.
    pub fn parse(json: &[u8]) -> Result<Self, Vec<DocumentProblem>> {
        let de = &mut serde_json::Deserializer::from_slice(json);
        let doc: Self = serde_path_to_error::deserialize(de).map_err(|e| {
            let pointer = pointer_of(e.path());
            vec![DocumentProblem::new(
                pointer,
                "INVALID",
                e.inner().to_string(),
            )]
        })?;
        let problems = doc.problems();
        if problems.is_empty() {
            Ok(doc)
        } else {
            Err(problems)
        }
    }

    /// Everything inconsistent in an otherwise well-formed document.
    pub fn problems(&self) -> Vec<DocumentProblem> {
        let mut out = Vec::new();
        let mut bad = |pointer: String, code, detail: String| {
            out.push(DocumentProblem::new(pointer, code, detail))
        };
        if self.version == 0 {
            bad("/version".into(), "INVALID", "versions start at 1".into());
        }
        let ministries: HashSet<&str> = self.ministries.iter().map(|m| m.code.as_str()).collect();
        if ministries.len() != self.ministries.len() {
            bad(
                "/ministries".into(),
                "DUPLICATE",
                "a ministry code appears twice".into(),
            );
        }
        let codes: HashSet<&str> = self
            .qualifications
            .iter()
            .map(|q| q.code.as_str())
            .collect();
        if codes.len() != self.qualifications.len() {
            bad(
                "/qualifications".into(),
                "DUPLICATE",
                "a qualification code appears twice".into(),
            );
        }
        for (i, q) in self.qualifications.iter().enumerate() {
            let at = |field: &str| format!("/qualifications/{i}/{field}");
            let code_ok = q.code.len() <= 64
                && q.code.starts_with(|c: char| c.is_ascii_uppercase())
                && q.code
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
            if !code_ok {
                bad(
                    at("code"),
                    "INVALID_FORMAT",
                    "capital letters, digits and _, at most 64".into(),
                );
            }
            for (field, text) in [("name_ja", &q.name_ja), ("name_en", &q.name_en)] {
                if text.trim().is_empty() {
                    bad(at(field), "REQUIRED", "must not be empty".into());
                }
            }
            if q.ministry_codes.is_empty() {
                bad(
                    at("ministries"),
                    "REQUIRED",
                    "name at least one ministry".into(),
                );
            }
            for (j, m) in q.ministry_codes.iter().enumerate() {
                if !ministries.contains(m.as_str()) {
                    let detail = format!("{m} is not in /ministries");
                    bad(
                        format!("/qualifications/{i}/ministries/{j}"),
                        "UNKNOWN_VALUE",
                        detail,
                    );
                }
            }
            if q.validity_years == Some(0) {
                bad(
                    at("validity_years"),
                    "INVALID",
                    "at least 1, or null when registrations do not expire".into(),
                );
            }
            match &q.prerequisite {
                Some(p) if p == &q.code || !codes.contains(p.as_str()) => bad(
                    at("prerequisite"),
                    "UNKNOWN_VALUE",
                    format!("{p} is not another qualification of the document"),
                ),
                _ => {}
            }
            let procedures: HashSet<_> = q.procedures.iter().map(|p| p.procedure).collect();
            if procedures.len() != q.procedures.len() {
                bad(
                    at("procedures"),
                    "DUPLICATE",
                    "a procedure appears twice".into(),
                );
            }
            let kinds: HashSet<_> = q.sanctions.iter().map(|s| s.kind).collect();
            if kinds.len() != q.sanctions.len() {
                bad(
                    at("sanctions"),
                    "DUPLICATE",
                    "a sanction kind appears twice".into(),
                );
            }
            for (j, p) in q.procedures.iter().enumerate() {
                let at = |field: &str| format!("/qualifications/{i}/procedures/{j}/{field}");
                // Only a registration that expires is renewed.
                if p.procedure == super::Procedure::Renewal && q.validity_years.is_none() {
                    bad(
                        at("procedure"),
                        "NOT_APPLICABLE",
                        "RENEWAL needs the qualification's validity_years".into(),
                    );
                }
                if p.procedure == super::Procedure::Endorsement && q.endorsements.is_empty() {
                    bad(
                        at("procedure"),
                        "NOT_APPLICABLE",
                        "ENDORSEMENT is offered only where the qualification defines endorsements"
                            .into(),
                    );
                }
                if p.service_standard_days <= 0 {
                    bad(
                        at("service_standard_days"),
                        "INVALID",
                        "must be at least 1".into(),
                    );
                }
                if p.fees
                    .windows(2)
                    .any(|w| w[0].effective_from >= w[1].effective_from)
                {
                    bad(
                        at("fees"),
                        "NOT_ASCENDING",
                        "effective_from must grow entry by entry".into(),
                    );
                }
                for (k, f) in p.fees.iter().enumerate() {
                    if f.licence_tax.is_some_and(|v| v < 0) || f.handling_fee.is_some_and(|v| v < 0)
                    {
                        let pointer = format!("/qualifications/{i}/procedures/{j}/fees/{k}");
                        bad(
                            pointer,
                            "INVALID",
                            "amounts are whole yen, not negative".into(),
                        );
                    }
                }
            }
        }
        out
    }

    /// The problems of publishing this document after `previous`: a code
    /// that registrations may refer to cannot disappear.
    pub fn problems_after(&self, previous: &CatalogueDocument) -> Vec<DocumentProblem> {
        previous
            .qualifications
            .iter()
            .filter(|old| !self.qualifications.iter().any(|q| q.code == old.code))
            .map(|old| {
                DocumentProblem::new(
                    "/qualifications".into(),
                    "QUALIFICATION_REMOVED",
                    format!(
                        "{} was in version {} and must stay",
                        old.code, previous.version
                    ),
                )
            })
            .collect()
    }

    /// The SHA-256 of the document's canonical JSON, in hex.
    pub fn content_hash(&self) -> String {
        let json = serde_json::to_vec(self).unwrap_or_default();
        Sha256::digest(json)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// The catalogue the rest of the system reads: ministries' names filled
    /// in, qualifications ordered by code.
    pub fn catalogue(&self) -> Catalogue {
        let mut qualifications = self.qualifications.clone();
        for q in &mut qualifications {
            q.ministry = q
                .ministry_codes
                .iter()
                .filter_map(|c| self.ministries.iter().find(|m| &m.code == c))
                .map(|m| m.name_en.as_str())
                .collect::<Vec<_>>()
                .join("; ");
        }
        qualifications.sort_by(|a, b| a.code.cmp(&b.code));
        Catalogue {
            version: self.version,
            qualifications,
        }
    }
}

/// A serde path as a JSON pointer.
fn pointer_of(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut out = String::new();
    for segment in path.iter() {
        match segment {
            Segment::Seq { index } => out.push_str(&format!("/{index}")),
            Segment::Map { key } => {
                out.push('/');
                out.push_str(&key.replace('~', "~0").replace('/', "~1"));
            }
            Segment::Enum { .. } | Segment::Unknown => {}
        }
    }
    out
}
