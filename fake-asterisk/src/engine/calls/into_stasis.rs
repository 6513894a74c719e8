//! Handing a channel straight to a Stasis application, as the fake does
//! with a channel it made for one (an originate with `app` once answered,
//! `/channels/create`, a snoop, external media): such a channel has no
//! dialplan to go back to, so when its application has no websocket it is
//! hung up.

use serde_json::Value;

use super::hangup::{hangup, Hangup};
use crate::engine::stasis;
use crate::world::World;

/// Puts channel `id` into Stasis `app` (`via_pbx` as for
/// [`stasis::enter_stasis`]) or, when the application has no websocket,
/// hangs it up without a hangup request, with `cause`.
pub(crate) fn enter_stasis_or_hang_up(
    w: &mut World,
    id: &str,
    app: &str,
    args: Vec<String>,
    via_pbx: bool,
    cause: u32,
) {
    if !stasis::enter_stasis(w, id, app, args, via_pbx) {
        hangup(w, id, Hangup::Silent(cause));
    }
}

/// Starts a channel just made for `app` (a snoop, external media) in
/// Stasis at once: the application subscribes to it, then it enters Stasis
/// or is hung up with `cause`. Returns the snapshot taken in between, the
/// one the REST answer shows (before `StasisStart` moves its dialplan
/// location to `Stasis`).
pub(crate) fn start_in_stasis(
    w: &mut World,
    id: &str,
    app: &str,
    args: Vec<String>,
    cause: u32,
) -> Value {
    if let Some(subscriber) = w.apps.get_mut(app) {
        subscriber.channels.add(id);
    }
    let snapshot = w.channels.get(id).map(|c| c.snapshot()).unwrap_or_default();
    enter_stasis_or_hang_up(w, id, app, args, false, cause);
    snapshot
}
