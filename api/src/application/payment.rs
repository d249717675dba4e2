//! Settling (or declining) a case's fee as a payment gateway reports it.

use std::collections::HashMap;

use domain::examination::ExaminationCommand;
use eventstore::cases::CaseSummary;
use uuid::Uuid;

use super::{Error, UseCases};

/// What the gateway reports of a payment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Settlement {
    /// The fee assessed was paid in full.
    Paid,
    Declined,
}

impl UseCases<'_> {
    /// Whichever case the payment id names, or [`Error::NotFound`].
    pub async fn payable(&self, id: Uuid) -> Result<CaseSummary, Error> {
        self.cases
            .find(&id.to_string())
            .await?
            .ok_or(Error::NotFound)
    }

    /// Records what `gateway` reports of the payment of case `id`: a payment
    /// of the whole fee assessed under `reference`, or a decline. Paying
    /// twice changes nothing. Returns the case's new version.
    pub async fn settle(
        &self,
        gateway: &str,
        id: Uuid,
        reference: String,
        settlement: Settlement,
    ) -> Result<usize, Error> {
        let case = self.payable(id).await?;
        let at = self.clock.now();
        let command = match settlement {
            Settlement::Paid => ExaminationCommand::SettlePayment {
                payment_reference: reference,
                amount: case.examination.fee.total(),
                at,
            },
            Settlement::Declined => ExaminationCommand::DeclinePayment { at },
        };
        // A gateway has no role and no request id: its name is the actor.
        let meta = HashMap::from([("actor".to_owned(), gateway.to_owned())]);
        Ok(self
            .cases
            .execute(case.kind, &id.to_string(), command, None, meta)
            .await?)
    }
}
