//! The HTTP and websocket face of the fake.

pub(crate) mod api_docs;
pub(crate) mod order;
pub(crate) mod response;
pub(crate) mod router;
pub(crate) mod server;
pub(crate) mod ws;
pub(crate) mod ws_rest;
