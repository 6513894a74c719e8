//! Responses on the wire, as Asterisk's HTTP server writes them: a
//! handler's [`AriResponse`] with Asterisk's headers and reason phrases,
//! and the answers that never reach ARI's JSON layer (the HTML error page,
//! a refused websocket upgrade).

use std::convert::Infallible;

use axum::body::{Body, Bytes};
use axum::http::{header, HeaderValue, Response, StatusCode};

use super::order;
use crate::rest::response::{AriBody, AriResponse};

/// Renders a handler's response as Asterisk's HTTP server sends it, with its headers.
pub(crate) fn render(ari: AriResponse, server: &str) -> Response<Body> {
    let (content_type, body) = match ari.body {
        // hyper leaves `Content-Length` out of a 204 (RFC 9110 lets it),
        // while Asterisk's `ast_http_send` writes one on every answer.
        // hyper keeps a length header it is given only when the body's
        // size is not known in advance, so the empty body is an empty
        // stream here rather than a known-empty buffer.
        AriBody::Empty if ari.status == 204 => (
            None,
            Body::from_stream(futures::stream::empty::<Result<Bytes, Infallible>>()),
        ),
        AriBody::Empty => (None, Body::empty()),
        // Keys in Asterisk's order, not serde_json's sorted one.
        AriBody::Json(value) => (
            Some("application/json".to_string()),
            Body::from(order::body_text(&value)),
        ),
        AriBody::JsonText(text) => (Some("application/json".to_string()), Body::from(text)),
        AriBody::Binary {
            content_type,
            bytes,
        } => (Some(content_type), Body::from(bytes)),
    };
    let mut response = asterisk_response(ari.status, &ari.reason, body, server);
    let headers = response.headers_mut();
    if ari.status == 204 {
        headers.insert(header::CONTENT_LENGTH, HeaderValue::from_static("0"));
    }
    if let Some(content_type) = content_type {
        if let Ok(value) = HeaderValue::from_str(&content_type) {
            headers.insert(header::CONTENT_TYPE, value);
        }
    }
    for (name, value) in ari.headers {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.append(name, value);
        }
    }
    response
}

/// A response with what `ast_http_send` puts on every answer: the status
/// line with Asterisk's own reason phrase (`404 Variable Not Found`),
/// `Server` and `Cache-Control` (hyper adds `Date` and the length).
fn asterisk_response(status: u16, reason: &str, body: Body, server: &str) -> Response<Body> {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = Response::new(body);
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-cache, no-store"),
    );
    if let Ok(value) = HeaderValue::from_str(server) {
        headers.insert(header::SERVER, value);
    }
    if reason != status.canonical_reason().unwrap_or("") && !reason.is_empty() {
        if let Ok(reason) = hyper::ext::ReasonPhrase::try_from(reason.as_bytes().to_vec()) {
            response.extensions_mut().insert(reason);
        }
    }
    response
}

/// The HTML error page of Asterisk's HTTP server (`ast_http_error`), which
/// answers what never reaches ARI's JSON layer: an unknown URL, and the
/// websocket upgrade's own errors (no `Upgrade` header, no `app`). `text`
/// is the paragraph under the title (empty when Asterisk gives none).
pub(crate) fn error_page(status: u16, title: &str, text: &str, server: &str) -> Response<Body> {
    let address = if server.is_empty() {
        String::new()
    } else {
        format!("<address>{}</address>\r\n", xml_escape(server))
    };
    let page = format!(
        "<!DOCTYPE HTML PUBLIC \"-//IETF//DTD HTML 2.0//EN\">\r\n\
         <html><head>\r\n<title>{status} {title}</title>\r\n</head><body>\r\n\
         <h1>{title}</h1>\r\n<p>{text}</p>\r\n<hr />\r\n{address}</body></html>\r\n",
        text = xml_escape(text),
    );
    let mut response = asterisk_response(status, title, Body::from(page), server);
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html"));
    response
}

/// `400 Bad Request` with no body and `Sec-WebSocket-Version: 7, 8, 13`:
/// how Asterisk's websocket server turns down an upgrade it cannot serve
/// (no subprotocol it knows, an unsupported version, no key).
pub(crate) fn websocket_bad_request(server: &str) -> Response<Body> {
    let mut response = asterisk_response(400, "Bad Request", Body::empty(), server);
    response.headers_mut().insert(
        header::SEC_WEBSOCKET_VERSION,
        HeaderValue::from_static("7, 8, 13"),
    );
    response
}

/// `ast_xml_escape`: the five XML special characters as entities.
fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}
