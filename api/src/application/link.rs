//! Initial setting: a holder links a paper-era registration to their My
//! Number. A miss looks the same whether the registration exists or not.
//!
//! Certificate facts (qualification, number, names, date of birth) are no
//! proof: they are printed on the certificate and shown by `/verify`. So a
//! link needs two things besides them:
//! - the register confirms that the My Number belongs to that person (name
//!   and date of birth), so a made-up number with a valid check digit, or
//!   someone else's, links nothing;
//! - the caller is that person: the identity provider verified their name
//!   and date of birth (production requires this), or, in development
//!   without verified claims, they enter the one-time code the office sent by
//!   post to the address on the register (see [`confirmation`]).
//!
//! A link is told to the holder (the `holder_linked` notice), and anyone else
//! may dispute it ([`UseCases::dispute_link`]); a senior examiner resolves
//! the dispute ([`UseCases::resolve_link_dispute`]).

mod confirmation;

use chrono::{DateTime, Utc};
use domain::my_number::MyNumber;
use domain::registration::{HolderParticulars, QualificationRegistration, RegistrationCommand};
use domain::registry::{IdentityAnswer, IdentityClaim};
use domain::DomainError;
use eventstore::store::{CommandError, Target};
use eventstore::Appending;
use uuid::Uuid;

use super::{Context, Error, Handled, UseCases};

pub use confirmation::PendingLink;

/// A registration as on its paper certificate, the holder, and their My Number.
#[derive(Debug)]
pub struct LinkRequest {
    pub qualification_code: String,
    pub registration_number: String,
    /// Whoever the caller is: as a provider verified them, or as they wrote.
    pub holder: HolderParticulars,
    /// Whether `holder` is what the identity provider verified.
    pub verified: bool,
    pub my_number: MyNumber,
}

/// What a link request came to.
#[derive(Debug)]
pub enum Linked {
    /// The registration is the caller's now.
    Now(Box<Handled<QualificationRegistration>>),
    /// Held until the code sent by post is entered.
    Pending(PendingLink),
}

/// Someone who says a link is not theirs, naming the registration as on
/// its certificate.
#[derive(Debug)]
pub struct LinkDispute {
    pub qualification_code: String,
    pub registration_number: String,
    /// The disputer: as a provider verified them, or as they wrote.
    pub holder: HolderParticulars,
    /// Why, in their words.
    pub reason: String,
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

    /// Links the registration the request identifies to the caller when the
    /// register confirms the My Number is the holder's and the provider
    /// verified the caller; holds it for a code by post when only the
    /// provider's word is missing (and allowed to be); else
    /// [`Error::NotMatched`] (also when it left the register meanwhile).
    pub async fn link_registration(
        &self,
        context: &Context,
        request: LinkRequest,
        at: DateTime<Utc>,
    ) -> Result<Linked, Error> {
        if !request.verified && self.verified_identity_required {
            return Err(Error::VerifiedIdentityRequired);
        }
        let identified = self
            .identify(
                &request.qualification_code,
                &request.registration_number,
                &request.holder,
            )
            .await?;
        let Some((id, reg)) = identified else {
            return Err(Error::NotMatched);
        };
        // The register is asked about the holder on the register (whom the
        // particulars just matched), never about what the body says.
        let holder = reg.applicant.as_ref().ok_or(Error::NotMatched)?;
        let claim = IdentityClaim {
            family_name: holder.family_name.clone(),
            given_name: holder.given_name.clone(),
            date_of_birth: holder.date_of_birth,
        };
        let token = self.vault.lookup_token(&request.my_number);
        // The holder's access log shows that the registers were asked about
        // their registration, so a link they did not make does not go unseen.
        let inquiry = adapters::audit::Accessor {
            actor: "initial-setting".into(),
            role: "system".into(),
            request_id: context.request_id.clone(),
            purpose: Some("confirming the holder of a registration being linked".into()),
        };
        let action = adapters::audit::AuditAction::InquireRegisters;
        adapters::audit::record(self.pool, &inquiry, action, Some(id), None).await?;
        let answer = self
            .registry
            .confirm_identity(&token, &claim)
            .await
            .map_err(|e| Error::RegistryUnavailable(e.0))?;
        if answer != IdentityAnswer::Belongs {
            return Err(Error::NotMatched);
        }
        let mine = match &reg.owner {
            // Linked to someone else: as if absent.
            Some(owner) if *owner != context.actor.id => return Err(Error::NotMatched),
            Some(_) => true,
            None => false,
        };
        // The vault row stays locked until the link commits, so a shredding
        // of the number (its other cases ended) cannot come between.
        let mut tx = Appending::begin(self.pool).await?;
        let my_number_ref = self.vault.store_in(&mut tx, &request.my_number).await?.id;
        // Linking again what is already the caller's changes nothing.
        if request.verified || mine {
            let (tx, handled) = self.link_in(tx, context, id, my_number_ref).await?;
            tx.commit().await?;
            return Ok(Linked::Now(Box::new(handled)));
        }
        tx.commit().await?;
        let pending = self.hold_link(context, id, &reg, my_number_ref, at).await?;
        Ok(Linked::Pending(pending))
    }

    /// Records the link (the `HolderLinked` event the holder is told of) in
    /// `tx`, which holds the vault row it names locked.
    async fn link_in(
        &self,
        tx: Appending,
        context: &Context,
        id: Uuid,
        my_number_ref: Uuid,
    ) -> Result<(Appending, Handled<QualificationRegistration>), Error> {
        let command = RegistrationCommand::LinkHolder {
            my_number_ref,
            actor: context.actor.clone(),
            at: self.clock.now(),
        };
        let executed = self
            .cases
            .registrations
            .execute_in(
                tx,
                &id.to_string(),
                command,
                None,
                &context.metadata(),
                Target::Existing,
            )
            .await;
        match executed {
            Ok((tx, case)) => Ok((tx, Handled { id, case })),
            Err(CommandError::Domain(DomainError::NotFound)) => Err(Error::NotMatched),
            Err(e) => Err(e.into()),
        }
    }

    /// Records that the caller disputes the link of the registration the
    /// particulars identify: the registration and the queue show
    /// LINK_DISPUTED for the office. [`Error::NotMatched`] when nothing is
    /// identified; `NOT_LINKED` when nobody linked it.
    pub async fn dispute_link(
        &self,
        context: &Context,
        dispute: LinkDispute,
    ) -> Result<Handled<QualificationRegistration>, Error> {
        let identified = self
            .identify(
                &dispute.qualification_code,
                &dispute.registration_number,
                &dispute.holder,
            )
            .await?;
        let Some((id, _)) = identified else {
            return Err(Error::NotMatched);
        };
        let command = RegistrationCommand::DisputeLink {
            reason: dispute.reason,
            actor: context.actor.clone(),
            at: self.clock.now(),
        };
        let case = self
            .cases
            .registrations
            .execute_with_history(&id.to_string(), command, None, context.metadata())
            .await?;
        Ok(Handled { id, case })
    }

    /// A senior examiner resolves the open dispute of the registration's
    /// link: `unlink` undoes it, so the rightful holder may link again.
    pub async fn resolve_link_dispute(
        &self,
        context: &Context,
        id: Uuid,
        expected: Option<usize>,
        unlink: bool,
        reason: String,
    ) -> Result<Handled<QualificationRegistration>, Error> {
        let command = RegistrationCommand::ResolveLinkDispute {
            unlink,
            reason,
            actor: context.actor.clone(),
            at: self.clock.now(),
        };
        let case = self
            .cases
            .registrations
            .execute_with_history(&id.to_string(), command, expected, context.metadata())
            .await?;
        Ok(Handled { id, case })
    }
}
