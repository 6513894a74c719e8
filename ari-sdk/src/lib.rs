//! Typed async client for the Asterisk REST Interface.
