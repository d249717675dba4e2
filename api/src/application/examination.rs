//! Examining a case: one examination command (an assignment, an information
//! request, a response, a decision, a paper record) on any kind of case.

use chrono::{DateTime, Utc};
use domain::examination::ExaminationCommand;
use domain::{Actor, CaseKind};
use eventstore::cases::CaseBus;
use eventstore::store::Executed;
use uuid::Uuid;

use super::{Context, Error, UseCases};

impl UseCases<'_> {
    /// Runs an examination command, made for the caller now, on a case of
    /// type `C`; with `expected`, only at that version (If-Match).
    pub async fn examine<C: CaseBus>(
        &self,
        context: &Context,
        id: Uuid,
        expected: Option<usize>,
        command: impl FnOnce(Actor, DateTime<Utc>) -> ExaminationCommand,
    ) -> Result<Executed<C>, Error> {
        let command = C::examination_command(command(context.actor.clone(), self.clock.now()));
        Ok(self
            .cases
            .bus::<C>()
            .execute_with_history(&id.to_string(), command, expected, context.metadata())
            .await?)
    }

    /// [`UseCases::examine`] for a caller that knows only the case's kind;
    /// returns the case's new version.
    pub async fn examine_kind(
        &self,
        context: &Context,
        kind: CaseKind,
        id: Uuid,
        expected: Option<usize>,
        command: ExaminationCommand,
    ) -> Result<usize, Error> {
        Ok(self
            .cases
            .execute(kind, &id.to_string(), command, expected, context.metadata())
            .await?)
    }
}
