//! Integration tests and the embedded fake Asterisk.
