//! The HTTP server: an accept loop the tests can stop and restart (to
//! simulate Asterisk going away), hyper connections with upgrades for the
//! websocket, and the dispatch of `/ari/...` requests.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::body::{to_bytes, Body};
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{FromRequest, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, Response};
use axum::Router;
use base64::Engine as _;
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::task::{AbortHandle, JoinHandle};

use super::api_docs;
use super::response::{error_page, render, websocket_bad_request};
use super::router::{self, Handler, Resolved};
use super::ws;
use crate::emulation::SpecOperation;
use crate::error::ApiError;
use crate::rest::request::{ast_true, atoi, ordered_variables, uri_decode_legacy, AriRequest};
use crate::rest::response::AriResponse;
use crate::world::Inner;

/// Largest request body accepted (Asterisk's limit is similar).
const MAX_BODY: usize = 1 << 20;

/// The running accept loop and its connections.
#[derive(Debug, Default)]
pub(crate) struct ServerControl {
    accept: Option<JoinHandle<()>>,
    connections: Arc<Mutex<Vec<AbortHandle>>>,
}

impl ServerControl {
    /// Starts accepting on `listener`.
    pub(crate) fn start(&mut self, inner: Arc<Inner>, listener: TcpListener) {
        let connections = self.connections.clone();
        let app = Router::new().fallback(dispatch).with_state(inner);
        self.accept = Some(tokio::spawn(async move {
            loop {
                let (stream, _) = match listener.accept().await {
                    Ok(conn) => conn,
                    Err(err) => {
                        tracing::debug!(%err, "accept failed");
                        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
                        continue;
                    }
                };
                let service = TowerToHyperService::new(app.clone());
                let task = tokio::spawn(async move {
                    let conn = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .with_upgrades();
                    if let Err(err) = conn.await {
                        tracing::debug!(%err, "connection ended with an error");
                    }
                });
                let mut list = connections.lock().unwrap_or_else(|p| p.into_inner());
                list.retain(|h| !h.is_finished());
                list.push(task.abort_handle());
            }
        }));
    }

    /// Stops accepting (the listening socket closes) and drops every open
    /// connection, as if the process had died.
    pub(crate) fn stop(&mut self) {
        if let Some(accept) = self.accept.take() {
            accept.abort();
        }
        let mut list = self.connections.lock().unwrap_or_else(|p| p.into_inner());
        for handle in list.drain(..) {
            handle.abort();
        }
    }

    pub(crate) fn is_running(&self) -> bool {
        self.accept.as_ref().is_some_and(|a| !a.is_finished())
    }
}

impl Drop for ServerControl {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Binds the listener (port 0 picks a free port).
pub(crate) async fn bind(addr: SocketAddr) -> std::io::Result<TcpListener> {
    TcpListener::bind(addr).await
}

fn server_header(inner: &Inner) -> String {
    format!("Asterisk/{}", inner.settings.version)
}

/// Every request lands here.
async fn dispatch(State(inner): State<Arc<Inner>>, request: Request) -> Response<Body> {
    let server = server_header(&inner);
    let raw_path = request.uri().path();
    if let Some(connection_id) = raw_path.strip_prefix("/media/") {
        let connection_id = connection_id.to_string();
        return media_websocket(inner, request, connection_id).await;
    }
    let Some(rest) = raw_path
        .strip_prefix("/ari/")
        .or_else(|| (raw_path == "/ari").then_some(""))
        .map(str::to_string)
    else {
        return error_page(
            404,
            "Not Found",
            "The requested URL was not found on this server.",
            &server,
        );
    };
    // res_ari adds these to every answer of its own, errors included.
    let cors = allowed_origin(&inner, request.headers()).map(|origin| {
        [
            ("access-control-allow-origin", origin),
            ("access-control-allow-credentials", "true".to_string()),
        ]
    });
    match ari(&inner, request, &rest).await {
        Ok(mut response) => {
            response.headers.extend(cors.into_iter().flatten());
            render(response, &server)
        }
        Err(websocket_layer) => websocket_layer,
    }
}

/// `ast_ari_callback` and `ast_ari_invoke` for the path below `/ari/`:
/// an ARI answer, or `Err` with what the websocket layer answered itself
/// (the upgrade, or one of its own error pages).
async fn ari(
    inner: &Arc<Inner>,
    request: Request,
    rest: &str,
) -> Result<AriResponse, Response<Body>> {
    // `form_urlencoded` decodes query values as Asterisk does (`+` is a space).
    let query = request.uri().query().unwrap_or("");
    let mut params: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    if !check_auth(inner, request.headers(), &params) {
        return Ok(AriResponse::from(ApiError::new(
            401,
            "Unauthorized",
            "Authentication required",
        ))
        .with_header(
            "www-authenticate",
            format!("Basic realm=\"{}\"", inner.settings.realm),
        ));
    }
    let method = request.method().clone();
    let routed = match prepare(inner, &method, rest, request.headers()) {
        Prepared::Answer(response) => return Ok(response),
        Prepared::Events => return Err(websocket(inner.clone(), request, params).await),
        Prepared::Route(routed) => routed,
    };
    let content_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let Ok(bytes) = to_bytes(request.into_body(), MAX_BODY).await else {
        return Ok(ApiError::new(413, "Request Entity Too Large", "Request body too large").into());
    };
    let mut body = None;
    let mut ordered = None;
    if content_type.starts_with("application/x-www-form-urlencoded") {
        // Form variables come first; query parameters override them.
        let mut form: Vec<(String, String)> = form_urlencoded::parse(&bytes)
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        form.append(&mut params);
        params = form;
    } else if content_type.starts_with("application/json")
        && !bytes.iter().all(u8::is_ascii_whitespace)
    {
        match serde_json::from_slice(&bytes) {
            Ok(value) => {
                body = Some(value);
                ordered = ordered_variables(&bytes);
            }
            Err(_) => return Ok(ApiError::bad_request("Error parsing request body").into()),
        }
    }
    Ok(invoke(inner, routed, params, body, ordered))
}

/// Where a request below `/ari/` goes, decided from its method and path
/// (after authentication, before its body is read).
pub(crate) enum Prepared<'a> {
    /// Answered already: a trailing slash, the api-docs, a path or method
    /// that does not resolve.
    Answer(AriResponse),
    /// `GET /ari/events`: the websocket.
    Events,
    /// An operation, to [`invoke`] with its parameters and body.
    Route(Routed<'a>),
}

/// A resolved operation.
pub(crate) struct Routed<'a> {
    handler: Handler,
    path_vars: Vec<(&'static str, String)>,
    operation: Option<&'a SpecOperation>,
}

/// `ast_ari_invoke` up to the handler: the path walked one
/// percent-decoded segment at a time, the method picked. The HTTP server
/// and `RESTRequest`s on the websocket both route through it.
pub(crate) fn prepare<'a>(
    inner: &'a Inner,
    method: &Method,
    rest: &str,
    headers: &HeaderMap,
) -> Prepared<'a> {
    let segments: Vec<String> = rest.split('/').map(uri_decode_legacy).collect();
    if rest.ends_with('/') {
        let slashless = rest.trim_end_matches('/');
        return Prepared::Answer(
            ApiError::not_found(format!(
                "ARI URLs do not end with a slash. Try /ari/{slashless}"
            ))
            .into(),
        );
    }
    if let Some(file) = rest.strip_prefix("api-docs/") {
        return Prepared::Answer(api_docs::serve(inner, method, file, headers));
    }
    if method == Method::GET && router::is_events_path(&segments) {
        return Prepared::Events;
    }
    let resolved = match &inner.emulation.operations {
        Some(operations) => router::resolve_emulated(operations, method, &segments),
        None => router::resolve(method, &segments),
    };
    let answer = match resolved {
        Resolved::Handler(handler, path_vars, operation) => {
            return Prepared::Route(Routed {
                handler,
                path_vars,
                operation,
            })
        }
        Resolved::Unimplemented(operation) => router::unimplemented(operation),
        Resolved::NotFound => router::not_found(),
        Resolved::MethodNotAllowed(allowed) if method == Method::OPTIONS => {
            options(inner, headers, &allowed)
        }
        Resolved::MethodNotAllowed(allowed) => {
            AriResponse::from(ApiError::new(405, "Method Not Allowed", "Invalid method"))
                .with_header("allow", router::allow_value(&allowed))
        }
    };
    Prepared::Answer(answer)
}

/// Runs a resolved operation with its parameters and JSON body (and the
/// body's `variables` in their order): what the emulated major admits,
/// then the handler.
pub(crate) fn invoke(
    inner: &Arc<Inner>,
    routed: Routed<'_>,
    mut params: Vec<(String, String)>,
    mut body: Option<serde_json::Value>,
    mut ordered: Option<Vec<(String, serde_json::Value)>>,
) -> AriResponse {
    let mut lists = None;
    if let Some(operation) = routed.operation {
        let admitted = match operation.admit(params, body) {
            Ok(admitted) => admitted,
            Err(refused) => return refused.into(),
        };
        params = admitted.params;
        body = admitted.body;
        if body.as_ref().and_then(|b| b.get("variables")).is_none() {
            ordered = None;
        }
        lists = Some(admitted.lists);
    }
    let request = AriRequest {
        path: routed.path_vars.into_iter().collect(),
        params,
        body,
        ordered_variables: ordered,
        lists,
    };
    tracing::trace!(?request, "ARI request");
    (routed.handler)(inner, &request)
}

/// The `Origin` of a request when `allowed_origins` lets it in
/// (`origin_allowed`: an entry equal to it, or `*`).
fn allowed_origin(inner: &Inner, headers: &HeaderMap) -> Option<String> {
    let origin = headers.get(header::ORIGIN)?.to_str().ok()?;
    inner
        .settings
        .allowed_origins
        .split(',')
        .any(|allowed| allowed == "*" || allowed == origin)
        .then(|| origin.to_string())
}

/// `OPTIONS` on an ARI resource (`handle_options`): `204` with `Allow`, and
/// for a CORS preflight from an allowed origin asking for a method the
/// resource has, `Access-Control-Allow-Methods` (and `-Headers`, echoing
/// what was asked).
fn options(inner: &Inner, headers: &HeaderMap, allowed: &[&str]) -> AriResponse {
    let allow = router::allow_value(allowed);
    let mut response = AriResponse::no_content().with_header("allow", allow.clone());
    let requested = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let preflight = allowed_origin(inner, headers).is_some()
        && requested("access-control-request-method").is_some_and(|m| allowed.contains(&m));
    if preflight {
        response = response.with_header("access-control-allow-methods", allow);
        if let Some(asked) = requested("access-control-request-headers").filter(|h| !h.is_empty()) {
            response = response.with_header("access-control-allow-headers", asked.to_string());
        }
    }
    response
}

/// Basic auth, or `api_key=user:password` in the query, as Asterisk accepts.
fn check_auth(inner: &Inner, headers: &HeaderMap, params: &[(String, String)]) -> bool {
    let expected = (&inner.settings.username, &inner.settings.password);
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            let (scheme, token) = v.split_once(' ')?;
            scheme
                .eq_ignore_ascii_case("basic")
                .then(|| token.trim().to_string())
        })
        .and_then(|token| base64::engine::general_purpose::STANDARD.decode(token).ok())
        .and_then(|bytes| String::from_utf8(bytes).ok());
    let credentials = match basic {
        Some(decoded) => decoded,
        None => match params.iter().find(|(k, _)| k == "api_key") {
            Some((_, key)) => key.clone(),
            None => return false,
        },
    };
    match credentials.split_once(':') {
        Some((user, password)) => user == expected.0 && password == expected.1,
        None => false,
    }
}

/// `GET /ari/events`: res_http_websocket's checks in its order (an
/// `Upgrade: websocket` header, a subprotocol it knows, a version and key
/// it supports), then ARI's (an `app`), then the upgrade. Its errors are
/// Asterisk's HTML pages or a bare 400, not ARI's JSON.
async fn websocket(
    inner: Arc<Inner>,
    request: Request,
    params: Vec<(String, String)>,
) -> Response<Body> {
    let server = server_header(&inner);
    let protocol = match handshake(request.headers()) {
        Ok(protocol) => protocol,
        Err(Refusal::UpgradeRequired) => return error_page(426, "Upgrade Required", "", &server),
        Err(Refusal::BadRequest) => return websocket_bad_request(&server),
    };
    let apps: Vec<String> = params
        .iter()
        .rev()
        .find(|(k, _)| k == "app")
        .map(|(_, v)| {
            v.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    if apps.is_empty() {
        return error_page(
            400,
            "Bad Request",
            "HTTP request is missing param: [app]",
            &server,
        );
    }
    let subscribe_all = params
        .iter()
        .rev()
        .find(|(k, _)| k == "subscribeAll")
        .is_some_and(|(_, v)| ast_true(v));
    // What axum needs beyond Asterisk's checks (version 13, `Connection:
    // Upgrade`) is turned down the way Asterisk turns down a bad upgrade.
    let Ok(upgrade) = WebSocketUpgrade::from_request(request, &()).await else {
        return websocket_bad_request(&server);
    };
    let registered = ws::register(&inner, apps, subscribe_all);
    let session = registered.id;
    let on_fail = inner.clone();
    let mut response = upgrade
        .on_failed_upgrade(move |_| ws::unregister(&on_fail, session))
        .on_upgrade(move |socket| ws::run_session(inner, socket, registered));
    upgraded(&mut response, protocol, &server);
    response
}

/// `GET /media/<connection id>`: chan_websocket's server connections.
/// Asterisk's HTTP server does not authenticate this path (the connection
/// id, a UUID given only to the ARI client that created the channel, is
/// the credential), and neither does the fake. An unknown id is a 404,
/// a second connection for one id a 409; the subprotocol is `media`.
async fn media_websocket(
    inner: Arc<Inner>,
    request: Request,
    connection_id: String,
) -> Response<Body> {
    use crate::engine::websocket_media::{self, Refused};
    let server = server_header(&inner);
    let offered =
        last_header(request.headers(), header::SEC_WEBSOCKET_PROTOCOL).filter(|p| !p.is_empty());
    let protocol = match offered {
        None => None,
        Some(offered) => match offered
            .split(',')
            .map(str::trim)
            .find(|p| p.eq_ignore_ascii_case("media"))
        {
            Some(media) => Some(media.to_string()),
            None => return websocket_bad_request(&server),
        },
    };
    let Ok(upgrade) = WebSocketUpgrade::from_request(request, &()).await else {
        return websocket_bad_request(&server);
    };
    let ctl = match websocket_media::claim(&inner, &connection_id) {
        Ok(ctl) => ctl,
        Err(Refused::NotFound) => {
            return error_page(404, "Not found", "WebSocket instance not found", &server)
        }
        Err(Refused::Conflict) => {
            return error_page(
                409,
                "Conflict",
                "Another websocket connection exists for this connection id",
                &server,
            )
        }
    };
    let on_fail = (inner.clone(), connection_id.clone());
    let mut response = upgrade
        .on_failed_upgrade(move |_| websocket_media::release(&on_fail.0, &on_fail.1))
        .on_upgrade(move |socket| {
            use futures::{SinkExt as _, StreamExt as _};
            let (sink, stream) = socket.split();
            let sink = sink.with(|wire| {
                futures::future::ready(Ok::<_, axum::Error>(websocket_media::wire_to_axum(wire)))
            });
            let stream = stream.map(websocket_media::wire_from_axum);
            websocket_media::run(inner, Box::pin(sink), stream, connection_id, ctl)
        });
    upgraded(&mut response, protocol, &server);
    response
}

/// The headers of an upgrade's answer: the subprotocol chosen, if any, and `Server`.
fn upgraded(response: &mut Response<Body>, protocol: Option<String>, server: &str) {
    if let Some(protocol) = protocol.and_then(|p| HeaderValue::from_str(&p).ok()) {
        response
            .headers_mut()
            .insert(header::SEC_WEBSOCKET_PROTOCOL, protocol);
    }
    if let Ok(value) = server.parse() {
        response.headers_mut().insert(header::SERVER, value);
    }
}

/// How res_http_websocket turns an upgrade request down.
enum Refusal {
    /// No `Upgrade: websocket`: `426` with an HTML page.
    UpgradeRequired,
    /// Anything else it cannot serve: a bare `400`.
    BadRequest,
}

/// res_http_websocket's checks of an upgrade request, in its order: the
/// subprotocol to answer with, or why not.
fn handshake(headers: &HeaderMap) -> Result<Option<String>, Refusal> {
    let last = |name| last_header(headers, name);
    if !last(header::UPGRADE).is_some_and(|u| u.eq_ignore_ascii_case("websocket")) {
        return Err(Refusal::UpgradeRequired);
    }
    // The only subprotocol is `ari`: named among others (in any case), it
    // is the answer, spelled as the client spelled it; offered none, the
    // client gets no `Sec-WebSocket-Protocol` back.
    let protocol = match last(header::SEC_WEBSOCKET_PROTOCOL).filter(|p| !p.is_empty()) {
        None => None,
        Some(offered) => match offered
            .split(',')
            .map(str::trim)
            .find(|p| p.eq_ignore_ascii_case("ari"))
        {
            Some(ari) => Some(ari.to_string()),
            None => return Err(Refusal::BadRequest),
        },
    };
    let version = last(header::SEC_WEBSOCKET_VERSION).map_or(0, |v| atoi(&v));
    if ![7, 8, 13].contains(&version) || last(header::SEC_WEBSOCKET_KEY).is_none() {
        return Err(Refusal::BadRequest);
    }
    Ok(protocol)
}

/// The value of a header as Asterisk reads it: the last one of a repeated
/// name, and none that is not text.
fn last_header(headers: &HeaderMap, name: header::HeaderName) -> Option<String> {
    headers
        .get_all(name)
        .iter()
        .next_back()
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}
