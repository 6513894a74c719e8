//! Integration tests of `ari-sdk` and the embedded fake Asterisk.
//!
//! [`fake`] is a real HTTP + websocket server that speaks ARI like an
//! Asterisk 20, with simulated phones, for tests and for developing without
//! an Asterisk (`cargo run -p ari-sdk-tests --bin fake-asterisk`).
//! [`frame_server`] plays Asterisk's event websocket for load runs.

pub mod captures;
pub mod fake;
pub mod frame_server;
