//! The Japanese of every other description (properties, parameters,
//! request bodies, answers, headers, servers), by its English text: a text
//! many places share is translated once, and a new endpoint's texts are
//! added by copying the English the system test names.

mod answers;
mod fields;
mod refusals;
mod requests;

/// The Japanese of `english`, if a table holds it.
pub fn japanese_of(english: &str) -> Option<&'static str> {
    [
        answers::ANSWERS,
        refusals::REFUSALS,
        fields::FIELDS,
        requests::REQUESTS,
    ]
    .into_iter()
    .flatten()
    .find(|(en, _)| *en == english)
    .map(|(_, ja)| *ja)
}
