//! Spec -> Rust generator for `ari-sdk` (see issue #4).
