//! Who hears of a case: the addressee, language and name, recorded from the
//! case's first event (a change request inherits from its registration) and
//! kept current as the holder changes. Part of the notification view.
//!
//! A batch reads the recipients it needs with one statement, follows its
//! events in memory, and writes what changed with one statement.

use std::collections::HashMap;

use domain::change_request::{ChangeDetails, ChangeRequestEvent, DeletionReason};
use domain::examination::ExaminationEvent;
use domain::language::Language;
use domain::registration::{Applicant, Channel, RegistrationEvent};
use domain::sanction::SanctionEvent;
use domain::{CaseEvent, CaseKind};
use eventstore::ProjectionError;
use sqlx::{PgConnection, Row};
use uuid::Uuid;

/// Who hears of a case, kept per case from its first event.
#[derive(Debug, Clone, Default)]
pub(super) struct Recipient {
    pub(super) qualification_code: String,
    pub(super) procedure: String,
    pub(super) email: Option<String>,
    pub(super) language: Language,
    pub(super) owner: Option<String>,
    pub(super) family_name: String,
    pub(super) given_name: String,
    pub(super) death: bool,
    pub(super) registration_number: Option<String>,
    pub(super) fee_total: i64,
}

/// The registration a change request or a sanction is filed against (read
/// before the batch, as its holder is whom the case's notices go to).
pub(super) fn filed_against(e: &CaseEvent) -> Option<Uuid> {
    match e {
        CaseEvent::ChangeRequest(ChangeRequestEvent::ChangeRequested {
            registration_id, ..
        })
        | CaseEvent::Sanction(SanctionEvent::SanctionOpened {
            registration_id, ..
        }) => Some(*registration_id),
        _ => None,
    }
}

struct Entry {
    case_type: CaseKind,
    recipient: Recipient,
    changed: bool,
}

/// The recipients of one batch's cases, as the batch's events leave them.
#[derive(Default)]
pub(super) struct Book {
    entries: HashMap<Uuid, Entry>,
}

impl Book {
    /// Reads the recipients of `ids` (those recorded so far) in one statement.
    pub(super) async fn load(
        conn: &mut PgConnection,
        ids: &[Uuid],
    ) -> Result<Self, ProjectionError> {
        let rows = sqlx::query(
            "SELECT case_id, case_type, qualification_code, procedure, email, language, owner,
                    family_name, given_name, death, registration_number, fee_total
             FROM notification_recipients WHERE case_id = ANY($1)",
        )
        .bind(ids)
        .fetch_all(conn)
        .await?;
        let entries = rows
            .into_iter()
            .map(|r| {
                let case_type: &str = r.get("case_type");
                let case_type = CaseKind::from_aggregate_type(case_type)
                    .ok_or_else(|| ProjectionError::UnknownCaseKind(case_type.to_owned()))?;
                let recipient = Recipient {
                    qualification_code: r.get("qualification_code"),
                    procedure: r.get("procedure"),
                    email: r.get("email"),
                    language: Language::parse(r.get("language")).unwrap_or_default(),
                    owner: r.get("owner"),
                    family_name: r.get("family_name"),
                    given_name: r.get("given_name"),
                    death: r.get("death"),
                    registration_number: r.get("registration_number"),
                    fee_total: r.get("fee_total"),
                };
                let entry = Entry {
                    case_type,
                    recipient,
                    changed: false,
                };
                Ok((r.get("case_id"), entry))
            })
            .collect::<Result<_, ProjectionError>>()?;
        Ok(Self { entries })
    }

    /// Who hears of case `id`, if it is known.
    pub(super) fn get(&self, id: Uuid) -> Option<&Recipient> {
        self.entries.get(&id).map(|e| &e.recipient)
    }

    /// Records a case's first recipient; one recorded before (a replay) stays.
    fn start(&mut self, id: Uuid, case_type: CaseKind, recipient: Recipient) {
        self.entries.entry(id).or_insert(Entry {
            case_type,
            recipient,
            changed: true,
        });
    }

    /// Changes the recipient of a known case; an unknown case has none.
    fn change(&mut self, id: Uuid, f: impl FnOnce(&mut Recipient)) {
        if let Some(e) = self.entries.get_mut(&id) {
            f(&mut e.recipient);
            e.changed = true;
        }
    }

    /// Records the recipient changes of an event of case `id`.
    pub(super) fn track(&mut self, id: Uuid, e: &CaseEvent) {
        if let Some(ExaminationEvent::FeeAssessed { fee }) = e.examination() {
            return self.change(id, |r| r.fee_total = fee.total());
        }
        // Each kind names who hears of its cases: a kind that does not is a
        // compiler error here, not a case nobody is ever told about.
        match e {
            CaseEvent::Registration(e) => self.track_registration(id, e),
            CaseEvent::ChangeRequest(ChangeRequestEvent::ChangeRequested {
                registration_id,
                qualification_code,
                details,
                ..
            }) => {
                let holder = self.get(*registration_id).cloned().unwrap_or_default();
                let r = requested(qualification_code, details, holder);
                self.start(id, CaseKind::ChangeRequest, r);
            }
            CaseEvent::ChangeRequest(_) => {}
            // The office's case is told to the registration's holder.
            CaseEvent::Sanction(SanctionEvent::SanctionOpened {
                registration_id,
                qualification_code,
                details,
                ..
            }) => {
                let holder = self.get(*registration_id).cloned().unwrap_or_default();
                let r = Recipient {
                    qualification_code: qualification_code.clone(),
                    procedure: details.kind.procedure().as_str().to_owned(),
                    fee_total: 0,
                    ..holder
                };
                self.start(id, CaseKind::Sanction, r);
            }
            CaseEvent::Sanction(_) => {}
        }
    }

    fn track_registration(&mut self, id: Uuid, e: &RegistrationEvent) {
        match e {
            RegistrationEvent::ApplicationSubmitted {
                qualification_code,
                applicant,
                owner,
                ..
            } => {
                let r = holder(qualification_code, applicant, owner.clone(), None);
                self.start(id, CaseKind::Registration, r);
            }
            RegistrationEvent::RegistrationImported {
                qualification_code,
                registration_number,
                holder: h,
                ..
            } => {
                let number = Some(registration_number.clone());
                let r = holder(qualification_code, h, None, number);
                self.start(id, CaseKind::Registration, r);
            }
            RegistrationEvent::HolderLinked { owner, .. } => {
                self.change(id, |r| r.owner = Some(owner.clone()))
            }
            // The old linker's inbox gets no more of the registration's notices.
            RegistrationEvent::LinkDisputeResolved { unlinked: true, .. } => {
                self.change(id, |r| r.owner = None)
            }
            RegistrationEvent::Registered {
                registration_number,
                ..
            } => self.change(id, |r| {
                r.registration_number = Some(registration_number.clone())
            }),
            RegistrationEvent::RegisteredMattersChanged { changes, .. } => self.change(id, |r| {
                // Only the named parts change.
                if let Some(f) = &changes.family_name {
                    r.family_name = f.clone();
                }
                if let Some(g) = &changes.given_name {
                    r.given_name = g.clone();
                }
            }),
            _ => {}
        }
    }

    /// Writes the recipients the batch started or changed, in one statement.
    pub(super) async fn save(self, conn: &mut PgConnection) -> Result<(), ProjectionError> {
        let changed: Vec<(Uuid, Entry)> = self
            .entries
            .into_iter()
            .filter(|(_, e)| e.changed)
            .collect();
        if changed.is_empty() {
            return Ok(());
        }
        let col =
            |f: fn(&Entry) -> Option<String>| changed.iter().map(|(_, e)| f(e)).collect::<Vec<_>>();
        sqlx::query(
            "INSERT INTO notification_recipients AS n
               (case_id, case_type, qualification_code, procedure, email, language, owner,
                family_name, given_name, death, registration_number, fee_total)
             SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[],
                                  $6::text[], $7::text[], $8::text[], $9::text[], $10::bool[],
                                  $11::text[], $12::bigint[])
             ON CONFLICT (case_id) DO UPDATE
               SET email = EXCLUDED.email, language = EXCLUDED.language, owner = EXCLUDED.owner,
                   family_name = EXCLUDED.family_name, given_name = EXCLUDED.given_name,
                   registration_number = EXCLUDED.registration_number,
                   fee_total = EXCLUDED.fee_total",
        )
        .bind(changed.iter().map(|(id, _)| *id).collect::<Vec<_>>())
        .bind(col(|e| Some(e.case_type.aggregate_type().to_owned())))
        .bind(col(|e| Some(e.recipient.qualification_code.clone())))
        .bind(col(|e| Some(e.recipient.procedure.clone())))
        .bind(col(|e| e.recipient.email.clone()))
        .bind(col(|e| Some(e.recipient.language.as_str().to_owned())))
        .bind(col(|e| e.recipient.owner.clone()))
        .bind(col(|e| Some(e.recipient.family_name.clone())))
        .bind(col(|e| Some(e.recipient.given_name.clone())))
        .bind(
            changed
                .iter()
                .map(|(_, e)| e.recipient.death)
                .collect::<Vec<_>>(),
        )
        .bind(col(|e| e.recipient.registration_number.clone()))
        .bind(
            changed
                .iter()
                .map(|(_, e)| e.recipient.fee_total)
                .collect::<Vec<_>>(),
        )
        .execute(conn)
        .await?;
        Ok(())
    }
}

/// The holder of a registration as its first event names them.
fn holder(
    qualification_code: &str,
    a: &Applicant,
    owner: Option<String>,
    registration_number: Option<String>,
) -> Recipient {
    Recipient {
        qualification_code: qualification_code.to_owned(),
        procedure: "NEW_REGISTRATION".into(),
        email: Some(a.email.clone()).filter(|e| !e.is_empty()),
        language: a.preferred_language,
        owner,
        family_name: a.family_name.clone(),
        given_name: a.given_name.clone(),
        death: false,
        registration_number,
        fee_total: 0,
    }
}

/// The recipient of a change request: the holder's, unless the request names
/// its own address and language (or is a notice of death or disappearance).
fn requested(qualification_code: &str, details: &ChangeDetails, holder: Recipient) -> Recipient {
    // A declaration of disappearance is told like a death: to the notifier.
    let death = details
        .deletion_reason
        .is_some_and(DeletionReason::deems_dead);
    let online = details.channel == Channel::Online;
    Recipient {
        qualification_code: qualification_code.to_owned(),
        procedure: details.kind.as_str().to_owned(),
        // The deceased is never written to: only the notifier's own address.
        email: details
            .email
            .clone()
            .or(if death { None } else { holder.email.clone() }),
        language: details.preferred_language.unwrap_or(holder.language),
        owner: if online {
            Some(details.filed_by.clone())
        } else if death {
            None
        } else {
            holder.owner.clone()
        },
        family_name: if death {
            String::new()
        } else {
            holder.family_name
        },
        given_name: if death {
            String::new()
        } else {
            holder.given_name
        },
        death,
        registration_number: holder.registration_number,
        fee_total: 0,
    }
}
