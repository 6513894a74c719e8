//! Calls: originate and create+dial onto Local channel pairs and simulated
//! phones, answer/ringing/busy propagation between the two legs, DTMF and
//! talking, and hang-up in the order Asterisk reports it. One file per
//! concern; the rest of the fake reaches them through the names below.

mod dial;
mod dtmf_and_talking;
mod hangup;
mod into_stasis;
mod originate;
mod party;
mod variables;

pub(crate) use dial::{answer, dial, fail_dial, progress, refuse, ringing};
pub(crate) use dtmf_and_talking::{receive_dtmf, send_dtmf, set_talking};
pub(crate) use hangup::{hangup, Hangup};
pub(crate) use into_stasis::start_in_stasis;
pub(crate) use originate::{create, originate, CreateParams, OriginateParams, KNOWN_FORMATS};
pub(crate) use variables::{read_var, set_var};
