//! What happens over time: calls, the dialplan, Stasis, bridges and media.

pub(crate) mod bridges;
pub(crate) mod broadcast;
pub(crate) mod calls;
pub(crate) mod chan_websocket_release;
pub(crate) mod media;
pub(crate) mod pbx;
pub(crate) mod stasis;
pub(crate) mod websocket_media;
