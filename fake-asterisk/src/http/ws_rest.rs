//! REST over the `/ari/events` websocket, as Asterisk 20.14.0, 21.9.0,
//! 22.4.0 and later serve it (`res/ari/ari_websocket_requests.c`): a text
//! message `{"type": "RESTRequest", ...}` is routed through the same table
//! as an HTTP request and answered on the same websocket by a
//! `RESTResponse` event echoing its `transaction_id`, `request_id` and
//! `uri`. A release before those reads the message and ignores it.

use std::sync::Arc;

use axum::http::{HeaderMap, Method};
use serde_json::{json, Map, Value};

use super::order;
use super::server::{invoke, prepare, Prepared};
use crate::clock::asterisk_timestamp;
use crate::error::ApiError;
use crate::rest::request::ordered_variables;
use crate::rest::response::{AriBody, AriResponse};
use crate::world::Inner;

/// The first release of each line that takes REST over the websocket.
const SINCE: [(u32, u32); 3] = [(20, 14), (21, 9), (22, 4)];

/// Whether Asterisk `version` takes `RESTRequest` messages: 20.14.0,
/// 21.9.0, 22.4.0 or later on their line, any 23 or later. A version
/// whose numbers cannot be read (a development build) has it.
pub(crate) fn supported(version: &str) -> bool {
    crate::emulation::release_has(version, &SINCE)
}

/// A `RESTRequest` as read, or the answer for a message that is not one.
struct Parsed {
    method: Method,
    /// The path below `/ari/`, without its query.
    uri: String,
    params: Vec<(String, String)>,
    body: Option<Value>,
    ordered: Option<Vec<(String, Value)>>,
}

/// What the answer echoes of the request.
#[derive(Default)]
struct Echo {
    transaction_id: String,
    request_id: String,
    uri: String,
}

/// The `RESTResponse` frame answering the text message `text`, for the
/// session whose (first) application is `app`; `None` when the
/// application's event filter keeps `RESTResponse` out (Asterisk sends the
/// answer as any event, through `stasis_app_event_allowed`, so such a
/// request is carried out and never answered).
pub(crate) fn answer(inner: &Arc<Inner>, app: &str, text: &str) -> Option<String> {
    let (echo, response) = match serde_json::from_str::<Value>(text) {
        Err(_) => (
            Echo::default(),
            AriResponse {
                status: 400,
                reason: "Failed to parse request message JSON".into(),
                body: AriBody::Empty,
                headers: Vec::new(),
            },
        ),
        Ok(message) => {
            let mut echo = Echo::default();
            let response = match parse(&message, &mut echo) {
                Ok(parsed) => dispatch(inner, parsed),
                Err(refused) => refused,
            };
            (echo, response)
        }
    };
    // After the request ran: a request that sets the filter is answered
    // (or not) by the filter it set.
    let allowed = inner
        .lock()
        .apps
        .get(app)
        .is_some_and(|app| app.allows("RESTResponse"));
    allowed.then(|| frame(inner, app, &echo, response))
}

/// `parse_rest_request_msg`: the request, or a `400 Bad request` naming
/// what is wrong, checked in Asterisk's order. The ids are echoed from
/// the start, the `uri` once read.
fn parse(message: &Value, echo: &mut Echo) -> Result<Parsed, AriResponse> {
    let string = |key: &str| message.get(key).and_then(Value::as_str);
    let bad = |problem: &str| AriResponse::from(ApiError::new(400, "Bad request", problem));
    echo.transaction_id = string("transaction_id").unwrap_or("").to_owned();
    echo.request_id = string("request_id").unwrap_or("").to_owned();
    match string("type") {
        None | Some("") => return Err(bad("No 'type' property.")),
        Some("RESTRequest") => {}
        Some(_) => return Err(bad("Unknown request type.")),
    }
    let Some(uri) = string("uri").filter(|uri| !uri.is_empty()) else {
        return Err(bad("Empty or missing 'uri' property."));
    };
    let (path, query) = uri.split_once('?').unwrap_or((uri, ""));
    echo.uri = path.to_owned();
    let mut params: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    // `ast_get_http_method_from_string`: exactly as spelled.
    let method = match string("method") {
        Some("GET") => Method::GET,
        Some("POST") => Method::POST,
        Some("HEAD") => Method::HEAD,
        Some("PUT") => Method::PUT,
        Some("DELETE") => Method::DELETE,
        Some("OPTIONS") => Method::OPTIONS,
        _ => return Err(bad("Unknown or missing 'method' property.")),
    };
    // Optional; anything but a non-empty array is no input at all.
    if let Some(list) = message.get("query_strings").and_then(Value::as_array) {
        for item in list {
            let pair = item.as_object().and_then(|pair| {
                let name = pair.get("name")?.as_str()?;
                let value = pair.get("value")?.as_str()?;
                Some((name.to_owned(), value.to_owned()))
            });
            match pair {
                Some(pair) => params.push(pair),
                None => return Err(bad("Unable to parse 'query_strings' array.")),
            }
        }
    }
    let mut parsed = Parsed {
        method,
        uri: path.to_owned(),
        params,
        body: None,
        ordered: None,
    };
    let Some(body) = string("message_body").filter(|body| !body.is_empty()) else {
        return Ok(parsed);
    };
    match string("content_type").filter(|c| !c.is_empty()) {
        None => Err(bad("No 'content_type' for 'message_body'.")),
        Some("application/x-www-form-urlencoded") => {
            let vars: Vec<(String, String)> = form_urlencoded::parse(body.as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect();
            if vars.is_empty() {
                return Err(bad(
                    "Unable to parse 'message_body' as 'application/x-www-form-urlencoded'.",
                ));
            }
            parsed.params.extend(vars);
            Ok(parsed)
        }
        Some("application/json") => match serde_json::from_str(body) {
            Ok(value) => {
                parsed.body = Some(value);
                parsed.ordered = ordered_variables(body.as_bytes());
                Ok(parsed)
            }
            Err(_) => Err(bad("Unable to parse 'message_body' as 'application/json'.")),
        },
        Some(_) => Err(bad("Unknown content type.")),
    }
}

/// `ast_ari_invoke` from the websocket: the same routing as HTTP, except
/// that the events websocket cannot be opened from inside one.
fn dispatch(inner: &Arc<Inner>, parsed: Parsed) -> AriResponse {
    if parsed.uri.starts_with('/') {
        // The handler walk stops at the empty first segment: the root,
        // which has no method.
        return ApiError::new(405, "Method Not Allowed", "Invalid method").into();
    }
    match prepare(inner, &parsed.method, &parsed.uri, &HeaderMap::new()) {
        Prepared::Answer(response) => response,
        Prepared::Events => ApiError::new(
            400,
            "Bad request",
            "Can't upgrade to websocket from a websocket",
        )
        .into(),
        Prepared::Route(routed) => {
            invoke(inner, routed, parsed.params, parsed.body, parsed.ordered)
        }
    }
}

/// `send_rest_response`: the answer as a `RESTResponse` event. A body is
/// its JSON, written compactly, with `content_type` `application/json`;
/// a binary answer (a recording's file) cannot be carried: `406`.
fn frame(inner: &Inner, app: &str, echo: &Echo, response: AriResponse) -> String {
    let (status, reason, body) = match response.body {
        AriBody::Binary { .. } => (406, "Not Acceptable.  Use HTTP GET".to_owned(), None),
        AriBody::Empty => (response.status, response.reason, None),
        AriBody::Json(value) => (
            response.status,
            response.reason,
            Some(order::body_text(&value)),
        ),
        AriBody::JsonText(text) => (response.status, response.reason, Some(compact(&text))),
    };
    let mut event = Map::new();
    event.insert("type".into(), json!("RESTResponse"));
    event.insert("transaction_id".into(), json!(echo.transaction_id));
    event.insert("request_id".into(), json!(echo.request_id));
    event.insert("status_code".into(), json!(status));
    event.insert("reason_phrase".into(), json!(reason));
    event.insert("uri".into(), json!(echo.uri));
    if let Some(body) = body {
        event.insert("content_type".into(), json!("application/json"));
        event.insert("message_body".into(), json!(body));
    }
    event.insert("application".into(), json!(app));
    event.insert("timestamp".into(), json!(asterisk_timestamp()));
    event.insert("asterisk_id".into(), json!(inner.settings.asterisk_id));
    order::event_text(&event)
}

/// JSON text without its whitespace (as `AST_JSON_COMPACT` writes it),
/// keys where they were.
fn compact(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_string = false;
    let mut escaped = false;
    for c in text.chars() {
        if in_string {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
        } else if c == '"' {
            in_string = true;
            out.push(c);
        } else if !c.is_whitespace() {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn releases_with_rest_over_the_websocket() {
        for yes in [
            "20.14.0",
            "20.20.1",
            "21.9.0",
            "22.4.0",
            "22.10.1",
            "23.0.0",
            "GIT-master",
        ] {
            assert!(supported(yes), "{yes}");
        }
        for no in ["20.13.0", "21.8.1", "22.3.0", "19.8.0", "13.38.3"] {
            assert!(!supported(no), "{no}");
        }
    }

    #[test]
    fn compacts_json_text() {
        assert_eq!(
            compact("{\n  \"a b\": [1, 2],\n  \"c\": \"x \\\" y\"\n}"),
            r#"{"a b":[1,2],"c":"x \" y"}"#
        );
    }
}
