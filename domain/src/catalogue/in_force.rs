//! The catalogue version in force in a process. Every part of the process
//! (use cases, aggregates' services, notices, certificates, webhooks) holds a
//! clone of one [`InForce`], so a newer published version takes effect
//! everywhere at once, without a restart.

use std::ops::Deref;
use std::sync::{Arc, Mutex, PoisonError, RwLock};

use super::Catalogue;

/// A shared handle on the catalogue version in force; clones follow the same
/// version, and reading it is a plain borrow.
#[derive(Debug, Clone)]
pub struct InForce(Arc<RwLock<&'static Catalogue>>);

impl InForce {
    /// A handle on `catalogue`.
    pub fn new(catalogue: Catalogue) -> Self {
        Self(Arc::new(RwLock::new(interned(catalogue))))
    }

    /// The version in force.
    pub fn current(&self) -> &'static Catalogue {
        *self.0.read().unwrap_or_else(PoisonError::into_inner)
    }

    /// Puts `catalogue` in force when it is a newer version than the one in
    /// force; whether it did.
    pub fn replace(&self, catalogue: Catalogue) -> bool {
        let mut in_force = self.0.write().unwrap_or_else(PoisonError::into_inner);
        if catalogue.version <= in_force.version {
            return false;
        }
        *in_force = interned(catalogue);
        true
    }

    /// Whether any clone besides `self` is still held; a follower task ends
    /// once nobody reads the catalogue any more.
    pub fn shared(&self) -> bool {
        Arc::strong_count(&self.0) > 1
    }
}

impl Deref for InForce {
    type Target = Catalogue;

    fn deref(&self) -> &Catalogue {
        self.current()
    }
}

/// The one copy of `catalogue` kept for the process's life. A reader may
/// still borrow a version after a newer one is put in force, so versions are
/// never freed; there are few (one per publication, and tests that start many
/// applications share the copy of each version), which is what keeps every
/// read a plain borrow without a guard or a reference count.
fn interned(catalogue: Catalogue) -> &'static Catalogue {
    static KEPT: Mutex<Vec<&'static Catalogue>> = Mutex::new(Vec::new());
    let mut kept = KEPT.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(same) = kept.iter().find(|c| ***c == catalogue) {
        return same;
    }
    let leaked: &'static Catalogue = Box::leak(Box::new(catalogue));
    kept.push(leaked);
    leaked
}
