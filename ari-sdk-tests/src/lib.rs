//! Integration tests of `ari-sdk` and the embedded fake Asterisk.
//!
//! [`fake`] is a real HTTP + websocket server that speaks ARI like an
//! Asterisk 20, with simulated phones, for tests and for developing without
//! an Asterisk (`cargo run -p ari-sdk-tests --bin fake-asterisk`).

pub mod captures;
pub mod fake;
