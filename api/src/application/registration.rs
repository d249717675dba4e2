//! Submitting an application for a new registration, online or on paper.

use std::collections::HashMap;

use chrono::NaiveDate;
use domain::my_number::{MyNumber, MyNumberError};
use domain::registration::{
    Applicant, Channel, Holding, QualificationRegistration, RegistrationCommand,
};
use eventstore::store::Target;
use eventstore::Appending;
use uuid::Uuid;

use super::fields::{check_kana, check_language, check_text, nfc};
use super::FieldError;
use super::{Context, Error, Handled, Pending, UseCases};
use crate::personal::MyNumberField;

const NAME_MAX: usize = 50;
const TEXT_MAX: usize = 200;

/// An application for a new registration, as its sender wrote it.
#[derive(Debug)]
pub struct Application {
    pub qualification_code: String,
    pub family_name: String,
    pub given_name: String,
    pub family_name_kana: String,
    pub given_name_kana: String,
    /// `YYYY-MM-DD` as written: checked with the other fields, so a bad
    /// date is one error among all the others, not the only one reported.
    pub date_of_birth: String,
    pub address: String,
    /// Registered domicile (honseki) as the applicant knows it.
    pub registered_domicile: String,
    pub email: String,
    /// As written; sealed in the vault once valid, never stored elsewhere.
    pub my_number: MyNumberField,
    /// Evidence of eligibility: the national examination pass number.
    pub exam_pass_number: String,
    /// Online (the applicant) or paper (entered by an examiner).
    pub channel: Channel,
    /// `ja` or `en` as written; absent means Japanese.
    pub preferred_language: Option<String>,
    /// A non-Japanese applicant's nationality (ISO 3166-1 alpha-2); absent,
    /// empty or `JP` for a Japanese national.
    pub nationality: Option<String>,
}

impl Application {
    /// The application an HTML form's fields make (the portal's online form,
    /// the console's paper entry); every field trimmed, none checked yet.
    pub fn from_form(form: &HashMap<String, String>, channel: Channel) -> Application {
        let value = |name: &str| {
            form.get(name)
                .map(|v| v.trim().to_owned())
                .unwrap_or_default()
        };
        Application {
            qualification_code: value("qualification_code"),
            family_name: value("family_name"),
            given_name: value("given_name"),
            family_name_kana: value("family_name_kana"),
            given_name_kana: value("given_name_kana"),
            date_of_birth: value("date_of_birth"),
            address: value("address"),
            registered_domicile: value("registered_domicile"),
            email: value("email"),
            my_number: value("my_number").into(),
            exam_pass_number: value("exam_pass_number"),
            channel,
            preferred_language: Some(value("preferred_language")).filter(|l| !l.is_empty()),
            nationality: Some(value("nationality")).filter(|n| !n.is_empty()),
        }
    }
}

/// An application whose sender may use its channel and whose every field
/// was accepted; only such an application can be submitted.
#[derive(Debug)]
pub struct CheckedApplication {
    application: Application,
    my_number: MyNumber,
    date_of_birth: NaiveDate,
}

impl Application {
    /// The same application with its names and places in NFC.
    pub fn normalised(self) -> Self {
        Self {
            family_name: nfc(&self.family_name),
            given_name: nfc(&self.given_name),
            family_name_kana: nfc(&self.family_name_kana),
            given_name_kana: nfc(&self.given_name_kana),
            address: nfc(&self.address),
            registered_domicile: nfc(&self.registered_domicile),
            // A Japanese national has a family register: no nationality kept.
            nationality: self
                .nationality
                .map(|n| n.trim().to_ascii_uppercase())
                .filter(|n| !n.is_empty() && n != "JP"),
            ..self
        }
    }

    /// Checks every field and returns the parsed My Number and date of
    /// birth, or all field errors.
    pub fn validate(
        &self,
        known_qualification: bool,
    ) -> Result<(MyNumber, NaiveDate), Vec<FieldError>> {
        let mut errors = Vec::new();
        if !known_qualification {
            errors.push(FieldError::new(
                "/qualification_code",
                "UNKNOWN_QUALIFICATION",
                "no qualification with this code; see GET /v1/qualifications",
            ));
        }
        let mut texts = vec![
            ("family_name", &self.family_name, NAME_MAX),
            ("given_name", &self.given_name, NAME_MAX),
            ("address", &self.address, TEXT_MAX),
            ("exam_pass_number", &self.exam_pass_number, 32),
        ];
        // A Japanese national's names have their kana reading and a
        // registered domicile; a foreign resident's names may be in Latin
        // script with no reading, and they have no family register.
        let kana = [
            ("family_name_kana", &self.family_name_kana, NAME_MAX * 2),
            ("given_name_kana", &self.given_name_kana, NAME_MAX * 2),
        ];
        match &self.nationality {
            None => {
                texts.extend(kana);
                texts.push(("registered_domicile", &self.registered_domicile, TEXT_MAX));
            }
            Some(nationality) => {
                texts.extend(kana.into_iter().filter(|(_, v, _)| !v.trim().is_empty()));
                check_nationality(&mut errors, nationality, &self.registered_domicile);
            }
        }
        for (field, value, max) in texts {
            check_text(&mut errors, field, value, max);
        }
        // A paper application may come without an email address: its
        // notices go by post. Online, the address is where they go.
        let no_email = self.channel == Channel::Paper && self.email.trim().is_empty();
        if !no_email {
            check_text(&mut errors, "email", &self.email, 254);
        }
        check_kana(&mut errors, "family_name_kana", &self.family_name_kana);
        check_kana(&mut errors, "given_name_kana", &self.given_name_kana);
        check_language(&mut errors, self.preferred_language.as_deref());
        if !no_email && (!self.email.contains('@') || self.email.contains(char::is_whitespace)) {
            errors.push(FieldError::new(
                "/email",
                "INVALID",
                "must be an email address",
            ));
        }
        let today = domain::calendar::japan_today();
        let date_of_birth = NaiveDate::parse_from_str(self.date_of_birth.trim(), "%Y-%m-%d").ok();
        if date_of_birth.is_none() {
            errors.push(FieldError::new(
                "/date_of_birth",
                "INVALID_DATE",
                "must be a date as YYYY-MM-DD",
            ));
        }
        let date_of_birth = date_of_birth.unwrap_or(today);
        if date_of_birth > today {
            errors.push(FieldError::new(
                "/date_of_birth",
                "IN_FUTURE",
                "must not be in the future",
            ));
        } else if date_of_birth < NaiveDate::from_ymd_opt(1900, 1, 1).unwrap_or(today) {
            errors.push(FieldError::new(
                "/date_of_birth",
                "OUT_OF_RANGE",
                "must be after 1900-01-01",
            ));
        }
        let number = match MyNumber::parse(self.my_number.as_str()) {
            Ok(n) => Some(n),
            Err(MyNumberError::Format) => {
                errors.push(FieldError::new(
                    "/my_number",
                    "INVALID_FORMAT",
                    "must be exactly 12 digits",
                ));
                None
            }
            Err(MyNumberError::CheckDigit) => {
                errors.push(FieldError::new(
                    "/my_number",
                    "INVALID_CHECK_DIGIT",
                    "the check digit does not match; please check the number",
                ));
                None
            }
        };
        match number {
            Some(n) if errors.is_empty() => Ok((n, date_of_birth)),
            _ => Err(errors),
        }
    }
}

/// A non-Japanese applicant's nationality: a two-letter country code; and
/// no registered domicile, which only a family register gives.
fn check_nationality(errors: &mut Vec<FieldError>, nationality: &str, domicile: &str) {
    if nationality.len() != 2 || !nationality.bytes().all(|b| b.is_ascii_uppercase()) {
        errors.push(FieldError::new(
            "/nationality",
            "INVALID",
            "must be a two-letter country code (ISO 3166-1 alpha-2), e.g. US; empty or JP for a Japanese national",
        ));
    }
    if !domicile.trim().is_empty() {
        errors.push(FieldError::new(
            "/registered_domicile",
            "NOT_APPLICABLE",
            "a holder who is not a Japanese national has no family register, so no registered domicile: leave it empty",
        ));
    }
}

impl UseCases<'_> {
    /// Accepts an application for submission: applicants apply online,
    /// examiners enter paper applications, and every field must be valid.
    pub fn check_application(
        &self,
        context: &Context,
        application: Application,
    ) -> Result<CheckedApplication, Error> {
        if !context.may_use(application.channel) {
            return Err(Error::WrongRole(
                "applicants apply ONLINE; examiners enter PAPER applications",
            ));
        }
        let known = self
            .catalogue
            .qualification(&application.qualification_code)
            .is_some();
        let application = application.normalised();
        let (my_number, date_of_birth) = application.validate(known).map_err(Error::Invalid)?;
        Ok(CheckedApplication {
            application,
            my_number,
            date_of_birth,
        })
    }

    /// Stores the My Number in the vault and submits the application in one
    /// transaction: the vault row and the events commit together or not at
    /// all. Storing locks the number's vault row until the commit, so the
    /// cases already holding it (read from their events) cannot change
    /// under the check: a second application of the same qualification is
    /// refused, other particulars are flagged.
    pub async fn submit_registration(
        &self,
        context: &Context,
        checked: CheckedApplication,
    ) -> Result<Pending<Handled<QualificationRegistration>>, Error> {
        let CheckedApplication {
            application: input,
            my_number,
            date_of_birth,
        } = checked;
        let mut tx = Appending::begin(self.pool).await?;
        let stored = self.vault.store_in(&mut tx, &my_number).await?;
        let my_number_ref = stored.id;
        // A number stored for the first time is held by no case: its row's
        // id is new. Most applicants are new, and the look-up is a round
        // trip of every submit.
        let holdings = if stored.new {
            Vec::new()
        } else {
            self.holdings(&mut tx, my_number_ref).await?
        };
        let id = Uuid::new_v4();
        let actor = &context.actor;
        let channel = input.channel;
        let command = RegistrationCommand::Submit {
            qualification_code: input.qualification_code,
            applicant: Box::new(Applicant {
                family_name: input.family_name,
                given_name: input.given_name,
                family_name_kana: input.family_name_kana,
                given_name_kana: input.given_name_kana,
                date_of_birth,
                address: input.address,
                registered_domicile: input.registered_domicile,
                nationality: input.nationality,
                email: input.email,
                exam_pass_number: input.exam_pass_number,
                preferred_language: input
                    .preferred_language
                    .as_deref()
                    .and_then(domain::language::Language::parse)
                    .unwrap_or_default(),
            }),
            my_number_ref,
            channel,
            owner: (channel == Channel::Online).then(|| actor.id.clone()),
            holdings,
            actor: actor.clone(),
            at: self.clock.now(),
        };
        let (tx, case) = self
            .cases
            .registrations
            .execute_in(
                tx,
                &id.to_string(),
                command,
                Some(0),
                &context.metadata(),
                Target::New,
            )
            .await?;
        Ok(Pending::new(tx, Handled { id, case }))
    }

    /// The live cases holding the vault row `my_number_ref` (locked by the
    /// caller's store), read on the caller's connection; the initial setting
    /// can check a link the same way.
    pub(crate) async fn holdings(
        &self,
        conn: &mut sqlx::PgConnection,
        my_number_ref: Uuid,
    ) -> Result<Vec<Holding>, Error> {
        let mut holdings = Vec::new();
        for case_id in adapters::vault::referrers(conn, my_number_ref).await? {
            let id = case_id.to_string();
            let (reg, _) = self.cases.registrations.load_in(conn, &id).await?;
            // A holder's later link may have moved the case to another row.
            if reg.my_number_ref == Some(my_number_ref) {
                holdings.extend(reg.holding(case_id));
            }
        }
        Ok(holdings)
    }
}
