//! Writing a subscription's batch set-based: each row's changes folded in
//! event order, then written with one statement for all rows.

use std::collections::HashMap;

use uuid::Uuid;

/// Accumulated changes per row, in the order the rows first appear.
pub(crate) struct PerRow<T> {
    rows: Vec<(Uuid, T)>,
    at: HashMap<Uuid, usize>,
}

impl<T: Default> PerRow<T> {
    pub(crate) fn new() -> Self {
        Self {
            rows: Vec::new(),
            at: HashMap::new(),
        }
    }

    /// The changes gathered so far for `id` (none yet: the default).
    pub(crate) fn entry(&mut self, id: Uuid) -> &mut T {
        let rows = &mut self.rows;
        let i = *self.at.entry(id).or_insert_with(|| {
            rows.push((id, T::default()));
            rows.len() - 1
        });
        &mut self.rows[i].1
    }

    /// The rows and their changes.
    pub(crate) fn into_rows(self) -> Vec<(Uuid, T)> {
        self.rows
    }
}
