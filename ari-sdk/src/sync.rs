//! Locking the runtime's plain shared data.

use std::sync::{Mutex, MutexGuard};

/// Locks `mutex`, carrying on past poisoning: everything the runtime keeps
/// behind a `Mutex` is plain data valid at every step, so a panic in
/// another thread mid-update leaves it usable, and a poisoned lock must not
/// turn one panic into many.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
