//! Which dialogs each resource is bound to, so its events are also
//! published on `ari.dialogevent.<dialog>`.
//!
//! A binding is made by a request whose key names a dialog, and removed
//! when the resource's end event has been published (the Go proxy keeps
//! them forever).

use std::collections::HashMap;
use std::sync::Mutex;

use ari_proxy_protocol::EntityKind;

/// The bindings of one proxy.
#[derive(Debug, Default)]
pub(crate) struct Dialogs {
    bindings: Mutex<HashMap<(EntityKind, String), Vec<String>>>,
}

impl Dialogs {
    /// Binds `dialog` to the resource; empty names bind nothing.
    pub(crate) fn bind(&self, dialog: &str, kind: EntityKind, id: &str) {
        if dialog.is_empty() || id.is_empty() {
            return;
        }
        let mut bindings = self.lock();
        let dialogs = bindings.entry((kind, id.to_string())).or_default();
        if !dialogs.iter().any(|d| d == dialog) {
            dialogs.push(dialog.to_string());
        }
    }

    /// The dialogs bound to any of `resources`, each once.
    pub(crate) fn for_resources(&self, resources: &[(EntityKind, String)]) -> Vec<String> {
        let bindings = self.lock();
        if bindings.is_empty() {
            return Vec::new();
        }
        let mut dialogs: Vec<String> = Vec::new();
        for resource in resources {
            for dialog in bindings.get(resource).into_iter().flatten() {
                if !dialogs.contains(dialog) {
                    dialogs.push(dialog.clone());
                }
            }
        }
        dialogs
    }

    /// Removes the bindings of an ended resource.
    pub(crate) fn unbind(&self, kind: EntityKind, id: &str) {
        self.lock().remove(&(kind, id.to_string()));
    }

    /// How many resources are bound.
    pub(crate) fn len(&self) -> usize {
        self.lock().len()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<(EntityKind, String), Vec<String>>> {
        // A panic while holding the lock left the map consistent (every
        // change is one insert or remove): keep using it.
        self.bindings
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bindings_are_per_resource_and_end_with_it() {
        let dialogs = Dialogs::default();
        dialogs.bind("d1", EntityKind::Channel, "c1");
        dialogs.bind("d1", EntityKind::Channel, "c1");
        dialogs.bind("d2", EntityKind::Channel, "c1");
        dialogs.bind("", EntityKind::Channel, "c2");
        let c1 = [(EntityKind::Channel, "c1".to_string())];
        assert_eq!(dialogs.for_resources(&c1), vec!["d1", "d2"]);
        assert_eq!(dialogs.len(), 1);
        dialogs.unbind(EntityKind::Channel, "c1");
        assert!(dialogs.for_resources(&c1).is_empty());
    }
}
