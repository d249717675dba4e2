//! Request bodies of the registration endpoints; their validation is the
//! use case's ([`crate::application::Application::validate`]).

use domain::registration::Channel;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::application::Application;
use crate::personal::MyNumberField;

/// How an application reached the office (the same words as in the resources).
pub use crate::case::Channel as ChannelInput;

/// An application for a new registration.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRegistration {
    #[schema(example = "CARE_WORKER")]
    pub qualification_code: String,
    #[schema(example = "山田")]
    pub family_name: String,
    #[schema(example = "花子")]
    pub given_name: String,
    /// Full-width katakana; may be left out by a holder who is not a
    /// Japanese national (a name in Latin script has no reading).
    #[schema(example = "ヤマダ")]
    #[serde(default)]
    pub family_name_kana: String,
    /// As `family_name_kana`.
    #[schema(example = "ハナコ")]
    #[serde(default)]
    pub given_name_kana: String,
    /// `YYYY-MM-DD`; checked with every other field (INVALID_DATE).
    #[schema(value_type = String, format = Date, example = "1990-04-01")]
    pub date_of_birth: String,
    pub address: String,
    /// Registered domicile (honseki) as the applicant knows it: required of
    /// a Japanese national, left out by anyone else (no family register;
    /// NOT_APPLICABLE if given with a `nationality`).
    #[serde(default)]
    pub registered_domicile: String,
    pub email: String,
    /// 12 digits with a valid check digit. Stored only in the vault; never echoed.
    #[schema(value_type = String, example = "123456789018")]
    pub my_number: MyNumberField,
    /// Evidence of eligibility: the national examination pass number.
    pub exam_pass_number: String,
    /// ONLINE (default; applicants) or PAPER (entered by an examiner).
    pub channel: Option<ChannelInput>,
    /// The language of the office's notices: `ja` (default) or `en`.
    #[schema(example = "ja")]
    pub preferred_language: Option<String>,
    /// A holder who is not a Japanese national: their nationality as an ISO
    /// 3166-1 alpha-2 code (e.g. `US`), instead of a registered domicile;
    /// the register inquiry then asks only the resident register. Absent,
    /// empty or `JP` for a Japanese national.
    pub nationality: Option<String>,
}

impl NewRegistration {
    /// The application this body makes, on its channel (ONLINE by default).
    pub fn into_application(self) -> Application {
        Application {
            qualification_code: self.qualification_code,
            family_name: self.family_name,
            given_name: self.given_name,
            family_name_kana: self.family_name_kana,
            given_name_kana: self.given_name_kana,
            date_of_birth: self.date_of_birth,
            address: self.address,
            registered_domicile: self.registered_domicile,
            email: self.email,
            my_number: self.my_number,
            exam_pass_number: self.exam_pass_number,
            channel: match self.channel {
                Some(ChannelInput::Paper) => Channel::Paper,
                Some(ChannelInput::Online) | None => Channel::Online,
            },
            preferred_language: self.preferred_language,
            nationality: self.nationality,
        }
    }
}
