//! Dependent registrations: a health-insurance doctor's registration stands
//! on the medical licence, an insurance pharmacist's on the pharmacy licence
//! (the catalogue's `prerequisite`). When a registration is revoked, deleted
//! or expires, every registration of the same person (the same My Number) whose
//! qualification stands on it gets a review: a revocation case opened with
//! the flag `PREREQUISITE_ENDED`, which an examiner looks into and either
//! takes to a four-eyes approval or rejects. Nothing ends by itself.
//!
//! The review's id is derived from the two registrations, so a crash or a
//! rebuild that delivers the event again opens nothing twice. A paper-era
//! registration no one has linked to a My Number cannot be matched to its
//! person: it gets no review from here.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::NaiveDate;
use domain::catalogue::{InForce, SanctionMeasure};
use domain::registration::{QualificationRegistration, RegistrationEvent};
use domain::sanction::{Sanction, SanctionCommand, SanctionDetails, SanctionKind};
use domain::{CaseEvent, Clock, DomainError};
use sha2::{Digest, Sha256};
use sqlx::PgConnection;
use uuid::Uuid;

use eventstore::store::{CommandBus, CommandError};
use eventstore::subscription::{Projection, StoredEvent};
use eventstore::ProjectionError;

use crate::error::command_failed;

/// Who opens the reviews, as the cases record it.
const OPENED_BY: &str = "system:prerequisite";

/// Opens a review of each dependent registration when its prerequisite ends.
pub struct PrerequisiteWatch {
    catalogue: InForce,
    registrations: Arc<CommandBus<QualificationRegistration>>,
    sanctions: Arc<CommandBus<Sanction>>,
    clock: Clock,
}

impl PrerequisiteWatch {
    /// A watch over the registrations, opening sanction cases dated by `clock`.
    pub fn new(
        catalogue: InForce,
        registrations: Arc<CommandBus<QualificationRegistration>>,
        sanctions: Arc<CommandBus<Sanction>>,
        clock: Clock,
    ) -> Self {
        Self {
            catalogue,
            registrations,
            sanctions,
            clock,
        }
    }

    async fn on_ended(
        &self,
        conn: &mut PgConnection,
        ended_id: Uuid,
        how: Ended,
    ) -> Result<(), ProjectionError> {
        let ended = self.load(ended_id).await?;
        let Some(number) = ended.my_number_ref else {
            return Ok(());
        };
        let Some(prerequisite) = self.catalogue.qualification(&ended.qualification_code) else {
            return Ok(());
        };
        let dependents: Vec<&str> = self
            .catalogue
            .qualifications
            .iter()
            .filter(|q| q.prerequisite.as_deref() == Some(prerequisite.code.as_str()))
            .map(|q| q.code.as_str())
            .collect();
        if dependents.is_empty() {
            return Ok(());
        }
        for case_id in adapters::vault::referrers(conn, number).await? {
            if case_id == ended_id {
                continue;
            }
            let dependent = self.load(case_id).await?;
            if dependent.my_number_ref != Some(number)
                || !dependents.contains(&dependent.qualification_code.as_str())
                || !dependent.status().on_register()
            {
                continue;
            }
            let legal_basis = self
                .catalogue
                .qualification(&dependent.qualification_code)
                .and_then(|q| {
                    q.sanctions
                        .iter()
                        .find(|s| s.kind == SanctionMeasure::Revocation)
                })
                .and_then(|s| s.legal_basis.clone())
                .unwrap_or_else(|| "前提資格の登録の終了 (prerequisite registration ended)".into());
            let now = self.clock.now();
            let review = SanctionCommand::OpenReview {
                registration_id: case_id,
                qualification_code: dependent.qualification_code.clone(),
                holder: dependent.owner.clone(),
                details: Box::new(SanctionDetails {
                    kind: SanctionKind::Revocation,
                    reason: format!(
                        "前提となる{}の登録が{}ため、この登録の存続を審査します。 \
                         The prerequisite {} registration {}: this registration is reviewed.",
                        prerequisite.name_ja,
                        how.ja(),
                        prerequisite.name_en,
                        how.en(),
                    ),
                    legal_basis,
                    starts_on: domain::calendar::japan_date(now),
                    ends_on: None,
                    opened_by: OPENED_BY.into(),
                }),
                ended_registration: ended_id,
                at: now,
            };
            let id = how.review_id(ended_id, case_id);
            match self
                .sanctions
                .execute(&id.to_string(), review, None, Default::default())
                .await
            {
                Ok(_) | Err(CommandError::Domain(DomainError::AlreadyExists)) => {}
                Err(e) => return Err(command_failed(e)),
            }
        }
        Ok(())
    }

    async fn load(&self, id: Uuid) -> Result<QualificationRegistration, ProjectionError> {
        let (reg, _) = self
            .registrations
            .load(&id.to_string())
            .await
            .map_err(command_failed)?;
        Ok(reg)
    }
}

/// The review of `dependent` opened because `ended` ended: one id for the pair.
/// How a prerequisite registration ended.
#[derive(Debug, Clone, Copy)]
enum Ended {
    Revoked,
    Deleted,
    /// Its validity ran out on this day (it may be renewed and run out again).
    Expired(NaiveDate),
}

impl Ended {
    fn ja(self) -> &'static str {
        match self {
            Ended::Revoked => "取り消された",
            Ended::Deleted => "削除された",
            Ended::Expired(_) => "有効期間の満了により失効した",
        }
    }

    fn en(self) -> &'static str {
        match self {
            Ended::Revoked => "was revoked",
            Ended::Deleted => "was deleted",
            Ended::Expired(_) => "expired",
        }
    }

    /// The review's id, derived from the pair (and an expiry's day, as a
    /// registration may expire again after a renewal), so that a replay
    /// opens nothing twice.
    fn review_id(self, ended: Uuid, dependent: Uuid) -> Uuid {
        let key = match self {
            Ended::Expired(until) => format!("prerequisite-review:{ended}:{dependent}:{until}"),
            Ended::Revoked | Ended::Deleted => format!("prerequisite-review:{ended}:{dependent}"),
        };
        let digest = Sha256::digest(key);
        let mut bytes = [0u8; 16];
        bytes.copy_from_slice(&digest[..16]);
        uuid::Builder::from_random_bytes(bytes).into_uuid()
    }
}

#[async_trait]
impl Projection for PrerequisiteWatch {
    fn name(&self) -> &'static str {
        "prerequisite_watch"
    }

    async fn apply(
        &self,
        conn: &mut PgConnection,
        event: &StoredEvent,
    ) -> Result<(), ProjectionError> {
        if !matches!(
            event.event_type.as_str(),
            "RegistrationRevoked" | "RegistrationDeleted" | "RegistrationExpired"
        ) {
            return Ok(());
        }
        let ended = match event.case_event()? {
            Some((id, CaseEvent::Registration(e))) => match e {
                RegistrationEvent::RegistrationRevoked { .. } => (id, Ended::Revoked),
                RegistrationEvent::RegistrationDeleted { .. } => (id, Ended::Deleted),
                RegistrationEvent::RegistrationExpired { valid_until, .. } => {
                    (id, Ended::Expired(valid_until))
                }
                _ => return Ok(()),
            },
            _ => return Ok(()),
        };
        self.on_ended(conn, ended.0, ended.1).await
    }

    async fn reset(&self, _conn: &mut PgConnection) -> Result<(), ProjectionError> {
        // No rows of its own: a rebuild opens nothing twice (ids per pair).
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_review_per_ended_and_dependent_pair_and_per_expiry() {
        let (a, b) = (Uuid::new_v4(), Uuid::new_v4());
        let id = |how: Ended, x, y| how.review_id(x, y);
        assert_eq!(id(Ended::Revoked, a, b), id(Ended::Revoked, a, b));
        assert_ne!(id(Ended::Revoked, a, b), id(Ended::Revoked, b, a));
        // Unchanged for what was recorded before expiries were watched.
        assert_eq!(id(Ended::Revoked, a, b), id(Ended::Deleted, a, b));
        let day = |d| NaiveDate::from_ymd_opt(2031, 3, d).unwrap();
        assert_ne!(
            id(Ended::Expired(day(1)), a, b),
            id(Ended::Expired(day(2)), a, b)
        );
        assert_ne!(id(Ended::Expired(day(1)), a, b), id(Ended::Revoked, a, b));
    }
}
