//! What a ministry may see: only the cases of the qualifications it
//! supervises (`Catalogue::supervised_by`); any other case is 404 to it, so
//! a ministry cannot even learn that it exists.

use crate::auth::Caller;
use crate::error::ApiError;
use crate::AppState;

/// The qualification codes a ministry caller may see; `None` for callers
/// not limited by ministry.
pub fn qualifications(state: &AppState, caller: &Caller) -> Option<Vec<String>> {
    caller.ministry().map(|m| {
        state
            .catalogue
            .supervised_by(m)
            .map(str::to_owned)
            .collect()
    })
}

/// 404 unless the caller may see a case of `qualification_code`.
pub fn check(state: &AppState, caller: &Caller, qualification_code: &str) -> Result<(), ApiError> {
    match qualifications(state, caller) {
        Some(codes) if !codes.iter().any(|c| c == qualification_code) => Err(ApiError::NotFound),
        _ => Ok(()),
    }
}
