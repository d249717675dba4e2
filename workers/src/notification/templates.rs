//! The mail templates: one file per notice and language under the template
//! directory (`templates/mail/` by default), loaded once at start-up, checked
//! by rendering each with sample values so a broken edit stops the start.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use domain::language::Language;
use minijinja::{Environment, UndefinedBehavior};
use serde::{Deserialize, Serialize};

use super::NoticeKind;

/// Why the templates could not be loaded or rendered.
#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}: the first line must be `Subject: ...`")]
    NoSubject { path: String },
    #[error("{path}: {source}")]
    Labels {
        path: String,
        source: toml::de::Error,
    },
    #[error("template {name}: {source}")]
    Render {
        name: String,
        source: minijinja::Error,
    },
}

/// The values a template may use; every one is always present (possibly empty).
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct NoticeValues {
    /// Family and given name, the Japanese way round.
    pub name: String,
    pub family_name: String,
    pub given_name: String,
    pub qualification: String,
    pub procedure: String,
    pub procedure_label: String,
    pub case_id: String,
    pub status_url: String,
    pub fee: String,
    pub checkout_url: String,
    pub reason_code: String,
    pub reason_label: String,
    pub message: String,
    pub registration_number: String,
    pub refund: String,
    pub certificate_url: String,
    pub death: bool,
    /// For `link_dispute_resolved`: whether the link was undone.
    pub unlinked: bool,
    /// For `credential_offer_code`: the offer's transaction code.
    pub tx_code: String,
    /// For `credential_revoked` / `credential_suspended`: how many
    /// certificates and wallet credentials the change touched.
    pub certificates: usize,
    pub wallet_credentials: usize,
    /// For `renewal_reminder` / `registration_expired`: the registration's
    /// last valid day, and how many days before it the reminder goes.
    pub valid_until: String,
    pub days_before: u32,
}

/// A rendered notice: the same text goes into the mail and the inbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rendered {
    pub subject: String,
    pub body: String,
}

#[derive(Debug, Default, Deserialize)]
struct Labels {
    #[serde(default)]
    procedure: BTreeMap<String, String>,
    #[serde(default)]
    reason: BTreeMap<String, String>,
}

/// Every notice's subject and body in both languages, and their labels.
pub struct Templates {
    env: Environment<'static>,
    labels: HashMap<Language, Labels>,
}

const LANGUAGES: [Language; 2] = [Language::Ja, Language::En];

fn read(path: &Path) -> Result<String, TemplateError> {
    std::fs::read_to_string(path).map_err(|source| TemplateError::Read {
        path: path.display().to_string(),
        source,
    })
}

impl Templates {
    /// Loads `<dir>/<lang>/<notice>.txt` and `<dir>/<lang>/labels.toml` for
    /// every notice and language, and renders each once with sample values.
    pub fn load(dir: &Path) -> Result<Self, TemplateError> {
        let mut env = Environment::new();
        // A misspelt value is an error, not an empty string in a sent mail.
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        let mut labels = HashMap::new();
        for language in LANGUAGES {
            let lang_dir = dir.join(language.as_str());
            let path = lang_dir.join("labels.toml");
            let parsed: Labels =
                toml::from_str(&read(&path)?).map_err(|source| TemplateError::Labels {
                    path: path.display().to_string(),
                    source,
                })?;
            labels.insert(language, parsed);
            for kind in NoticeKind::ALL {
                let path = lang_dir.join(format!("{}.txt", kind.as_str()));
                let text = read(&path)?;
                let no_subject = || TemplateError::NoSubject {
                    path: path.display().to_string(),
                };
                let (first, rest) = text.split_once('\n').ok_or_else(no_subject)?;
                let subject = first.strip_prefix("Subject:").ok_or_else(no_subject)?;
                let body = rest.strip_prefix('\n').unwrap_or(rest);
                for (part, source) in [("subject", subject.trim()), ("body", body)] {
                    let name = template_name(language, kind, part);
                    env.add_template_owned(name.clone(), source.to_owned())
                        .map_err(|source| TemplateError::Render { name, source })?;
                }
            }
        }
        let templates = Self { env, labels };
        // Both with every value empty and with every value set, so a misspelt
        // name inside an `{% if %}` is found too.
        let full = NoticeValues {
            name: "n".into(),
            family_name: "f".into(),
            given_name: "g".into(),
            qualification: "q".into(),
            procedure: "NEW_REGISTRATION".into(),
            procedure_label: "p".into(),
            case_id: "c".into(),
            status_url: "s".into(),
            fee: "1".into(),
            checkout_url: "u".into(),
            reason_code: "DOMICILE_UNRESOLVED".into(),
            reason_label: "r".into(),
            message: "m".into(),
            registration_number: "1".into(),
            refund: "1".into(),
            certificate_url: "u".into(),
            death: true,
            unlinked: true,
            tx_code: "123456".into(),
            certificates: 1,
            wallet_credentials: 2,
            valid_until: "2031-12-06".into(),
            days_before: 90,
        };
        for language in LANGUAGES {
            for kind in NoticeKind::ALL {
                templates.render(kind, language, &NoticeValues::default())?;
                templates.render(kind, language, &full)?;
            }
        }
        Ok(templates)
    }

    /// The label of a procedure code, or the code itself when none is set.
    pub fn procedure_label(&self, language: Language, code: &str) -> String {
        self.labels
            .get(&language)
            .and_then(|l| l.procedure.get(code))
            .cloned()
            .unwrap_or_else(|| code.to_owned())
    }

    /// The label of a reason code, or the code itself when none is set.
    pub fn reason_label(&self, language: Language, code: &str) -> String {
        self.labels
            .get(&language)
            .and_then(|l| l.reason.get(code))
            .cloned()
            .unwrap_or_else(|| code.to_owned())
    }

    /// Renders one notice's subject and body.
    pub fn render(
        &self,
        kind: NoticeKind,
        language: Language,
        values: &NoticeValues,
    ) -> Result<Rendered, TemplateError> {
        let part = |part: &str| {
            let name = template_name(language, kind, part);
            self.env
                .get_template(&name)
                .and_then(|t| t.render(values))
                .map_err(|source| TemplateError::Render { name, source })
        };
        // A subject is one line whatever the template does.
        let subject = part("subject")?
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        let body = part("body")?.trim_end().to_owned() + "\n";
        Ok(Rendered { subject, body })
    }
}

fn template_name(language: Language, kind: NoticeKind, part: &str) -> String {
    format!("{}/{}.{part}", language.as_str(), kind.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir() -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../templates/mail")
    }

    #[test]
    fn every_notice_renders_in_both_languages() {
        let t = Templates::load(&dir()).unwrap();
        let values = NoticeValues {
            name: "山田 花子".into(),
            qualification: "介護福祉士".into(),
            registration_number: "0000001".into(),
            reason_code: "DOMICILE_UNRESOLVED".into(),
            message: "戸籍謄本を添付してください".into(),
            ..Default::default()
        };
        let r = t
            .render(NoticeKind::Registered, Language::Ja, &values)
            .unwrap();
        assert!(r.subject.contains("0000001"), "{}", r.subject);
        assert!(r.body.starts_with("山田 花子 様"), "{}", r.body);
        let r = t
            .render(NoticeKind::ActionRequired, Language::En, &values)
            .unwrap();
        assert!(r.body.contains("family register"), "{}", r.body);
        assert!(r.body.contains("戸籍謄本を添付してください"), "{}", r.body);
        assert!(!r.subject.contains('\n'));
    }

    #[test]
    fn a_misspelt_value_is_refused_at_load() {
        let tmp = std::env::temp_dir().join(format!("shikaku-templates-{}", uuid::Uuid::new_v4()));
        for lang in ["ja", "en"] {
            std::fs::create_dir_all(tmp.join(lang)).unwrap();
            std::fs::copy(
                dir().join(lang).join("labels.toml"),
                tmp.join(lang).join("labels.toml"),
            )
            .unwrap();
            for kind in NoticeKind::ALL {
                let file = format!("{}.txt", kind.as_str());
                std::fs::copy(dir().join(lang).join(&file), tmp.join(lang).join(&file)).unwrap();
            }
        }
        std::fs::write(
            tmp.join("en/registered.txt"),
            "Subject: {{ nmae }}\n\nhello\n",
        )
        .unwrap();
        let err = Templates::load(&tmp).err().expect("refused").to_string();
        assert!(err.contains("en/registered.subject"), "{err}");
        std::fs::write(
            tmp.join("en/registered.txt"),
            "Subject: ok\n\n{% if death %}{{ mesage }}{% endif %}\n",
        )
        .unwrap();
        let err = Templates::load(&tmp).err().expect("refused").to_string();
        assert!(err.contains("en/registered.body"), "{err}");
        std::fs::write(tmp.join("en/registered.txt"), "no subject line\n").unwrap();
        let err = Templates::load(&tmp).err().expect("refused").to_string();
        assert!(err.contains("Subject:"), "{err}");
        std::fs::remove_dir_all(tmp).unwrap();
    }
}
