//! Initial setting: a holder links a paper-era registration to their My
//! Number. A miss looks the same whether the registration exists or not.

use chrono::Utc;
use domain::my_number::MyNumber;
use domain::registration::{HolderParticulars, QualificationRegistration, RegistrationCommand};
use domain::DomainError;
use eventstore::store::CommandError;
use uuid::Uuid;

use super::{Context, Error, Handled, UseCases};

/// A registration as on its paper certificate, the holder, and their My Number.
#[derive(Debug)]
pub struct LinkRequest {
    pub qualification_code: String,
    pub registration_number: String,
    /// Whoever the caller is: as a provider verified them, or as they wrote.
    pub holder: HolderParticulars,
    pub my_number: MyNumber,
}

impl UseCases<'_> {
    /// The registration on the register that these particulars identify, if
    /// any. The work is the same whether the number exists or not: a number
    /// not on the register loads an aggregate that has no events, as a real
    /// one would be loaded, and every particular is compared.
    pub async fn identify(
        &self,
        qualification_code: &str,
        registration_number: &str,
        who: &HolderParticulars,
    ) -> Result<Option<(Uuid, QualificationRegistration)>, Error> {
        let found = views::register::find(self.pool, qualification_code, registration_number)
            .await?
            .map(|e| e.registration_id);
        let id = found.unwrap_or(Uuid::nil());
        let (reg, _) = self.cases.registrations.load(&id.to_string()).await?;
        let identified = reg.identified_by(who) && found.is_some();
        Ok(identified.then_some((id, reg)))
    }

    /// Links the registration the request identifies to the caller, or
    /// [`Error::NotMatched`] (also when it left the register meanwhile).
    pub async fn link_registration(
        &self,
        context: &Context,
        request: LinkRequest,
    ) -> Result<Handled<QualificationRegistration>, Error> {
        let identified = self
            .identify(
                &request.qualification_code,
                &request.registration_number,
                &request.holder,
            )
            .await?;
        let Some((id, _)) = identified else {
            return Err(Error::NotMatched);
        };
        let my_number_ref = self.vault.store(&request.my_number).await?;
        let command = RegistrationCommand::LinkHolder {
            my_number_ref,
            actor: context.actor.clone(),
            at: Utc::now(),
        };
        let executed = self
            .cases
            .registrations
            .execute_with_history(&id.to_string(), command, None, context.metadata())
            .await;
        match executed {
            Ok(case) => Ok(Handled { id, case }),
            Err(CommandError::Domain(DomainError::NotFound)) => Err(Error::NotMatched),
            Err(e) => Err(e.into()),
        }
    }
}
