//! Integration tests of `ari-sdk` and of the fake Asterisk (`fake-asterisk`).
//!
//! [`captures`] loads and compares real Asterisk traffic for the replay
//! tests; [`frame_server`] plays Asterisk's event websocket for load runs.

pub mod captures;
pub mod frame_server;
