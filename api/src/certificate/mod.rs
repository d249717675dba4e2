//! Digital certificates over HTTP: the holder's certificate (JSON, QR code,
//! PDF), public verification (API and page), the published keys and the
//! signed status lists.

mod holder;
mod html;
mod lists;
mod pdf;
mod publish;
pub(crate) mod qr;
mod verify;

use std::sync::Arc;

use ::certificate::{CertificateFacts, SigningKey};
use chrono::NaiveDate;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

pub use holder::{certificate, certificate_pdf, certificate_svg};
pub(crate) use holder::{pdf_of, svg_of};
pub use lists::{numbered_status_list, status_list, SignedLists, STATUS_LIST_TTL};
pub use publish::{keys, JwkSetView};
pub use verify::{page, script, service_worker, verifications};

/// What the certificate endpoints need: the signing key (for the status
/// list), the public URL, and the Japanese font printed certificates embed.
pub struct CertificateService {
    pub key: Arc<SigningKey>,
    pub public_url: String,
    /// A TrueType font with Japanese glyphs; None when none was found.
    pub font: Option<Arc<Vec<u8>>>,
    /// The status lists as last signed (re-signed when they change or age).
    pub lists: SignedLists,
}

/// The facts a certificate certifies.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CertifiedFacts {
    pub certificate_id: Uuid,
    pub qualification_code: String,
    /// The qualification's Japanese name.
    pub qualification_name: String,
    pub family_name: String,
    pub given_name: String,
    pub family_name_kana: String,
    pub given_name_kana: String,
    pub date_of_birth: NaiveDate,
    pub registration_number: String,
    pub registered_on: NaiveDate,
    pub issued_on: NaiveDate,
    /// The nationality (ISO 3166-1 alpha-2) of a holder who is not a
    /// Japanese national; null for a Japanese national.
    pub nationality: Option<String>,
    /// The endorsements of the registration when it was issued (付記事項).
    pub endorsements: Vec<CertifiedEndorsement>,
}

/// An endorsement a certificate certifies.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CertifiedEndorsement {
    #[schema(example = "SUCTION_AND_TUBE_FEEDING")]
    pub code: String,
    pub name_ja: String,
    pub name_en: String,
}

impl From<&CertificateFacts> for CertifiedFacts {
    fn from(f: &CertificateFacts) -> Self {
        Self {
            certificate_id: f.certificate_id,
            qualification_code: f.qualification_code.clone(),
            qualification_name: f.qualification_name.clone(),
            family_name: f.family_name.clone(),
            given_name: f.given_name.clone(),
            family_name_kana: f.family_name_kana.clone(),
            given_name_kana: f.given_name_kana.clone(),
            date_of_birth: f.date_of_birth,
            registration_number: f.registration_number.clone(),
            registered_on: f.registered_on,
            issued_on: f.issued_on,
            nationality: f.nationality.clone(),
            endorsements: f
                .endorsements
                .iter()
                .map(|e| CertifiedEndorsement {
                    code: e.code.clone(),
                    name_ja: e.name_ja.clone(),
                    name_en: e.name_en.clone(),
                })
                .collect(),
        }
    }
}

/// What a verification proves and what it does not, shown with every result.
pub const NOTICE_JA: &str = "この確認は、証明書が本物で現在有効であることを示すものであり、提示した人が資格者本人であることを証明するものではありません。本人確認は別途行ってください。";
/// The notice in English.
pub const NOTICE_EN: &str = "This check shows whether the certificate is genuine and current. It does not prove that the person presenting it is the holder: check their identity separately.";
