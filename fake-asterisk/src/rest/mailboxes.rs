//! `/mailboxes`: message counts the application maintains.

use std::sync::Arc;

use serde_json::{json, Value};

use super::request::AriRequest;
use super::response::AriResponse;
use crate::error::ApiError;
use crate::world::Inner;

fn mailbox_json(name: &str, counts: (u64, u64)) -> Value {
    json!({"name": name, "old_messages": counts.0, "new_messages": counts.1})
}

pub(crate) fn list(inner: &Arc<Inner>, _req: &AriRequest) -> AriResponse {
    let w = inner.lock();
    AriResponse::ok(Value::Array(
        w.mailboxes
            .iter()
            .map(|(name, counts)| mailbox_json(name, *counts))
            .collect(),
    ))
}

pub(crate) fn get(inner: &Arc<Inner>, req: &AriRequest) -> AriResponse {
    let w = inner.lock();
    let name = req.path("mailboxName");
    match w.mailboxes.get(name) {
        Some(counts) => AriResponse::ok(mailbox_json(name, *counts)),
        None => ApiError::not_found("Mailbox is does not exist").into(),
    }
}

pub(crate) fn update(inner: &Arc<Inner>, req: &AriRequest) -> AriResponse {
    let mut w = inner.lock();
    let old = req.int("oldMessages").max(0) as u64;
    let new = req.int("newMessages").max(0) as u64;
    w.mailboxes
        .insert(req.path("mailboxName").to_string(), (old, new));
    AriResponse::no_content()
}

pub(crate) fn delete(inner: &Arc<Inner>, req: &AriRequest) -> AriResponse {
    let mut w = inner.lock();
    match w.mailboxes.shift_remove(req.path("mailboxName")) {
        Some(_) => AriResponse::no_content(),
        None => ApiError::not_found("Mailbox does not exist").into(),
    }
}
