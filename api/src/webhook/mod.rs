//! A ministry's webhook subscriptions: create (the secret is shown once),
//! list, delete, their deliveries, and a test message. Another ministry's
//! subscription is 404, as if it did not exist.

mod delivery;
mod subscription;

use domain::Role;
use uuid::Uuid;
use workers::webhook::store::{self, Subscription};

pub use self::delivery::{deliveries, test};
pub use self::subscription::{create, delete, list};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::AppState;

/// The ministry a caller manages webhooks for (scope `webhooks:write`).
fn ministry(caller: &Caller) -> Result<&str, ApiError> {
    caller.require(&[Role::Ministry])?;
    caller.require_scope("webhooks:write")?;
    caller.ministry().ok_or_else(ApiError::wrong_role)
}

/// One of the caller's subscriptions, or 404.
async fn owned(state: &AppState, caller: &Caller, id: Uuid) -> Result<Subscription, ApiError> {
    store::get(&state.pool, ministry(caller)?, id)
        .await
        .map_err(internal)?
        .ok_or(ApiError::NotFound)
}

fn internal(e: workers::WorkerError) -> ApiError {
    match e {
        workers::WorkerError::Database(e) => e.into(),
        other => ApiError::Internal(other.to_string()),
    }
}
