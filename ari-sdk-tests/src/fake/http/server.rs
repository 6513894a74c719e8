//! The HTTP server: an accept loop the tests can stop and restart (to
//! simulate Asterisk going away), hyper connections with upgrades for the
//! websocket, and the dispatch of `/ari/...` requests.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::body::{to_bytes, Body};
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{FromRequest, Request, State};
use axum::http::{header, HeaderMap, Method, Response, StatusCode};
use axum::Router;
use base64::Engine as _;
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use percent_encoding::percent_decode_str;
use tokio::net::TcpListener;
use tokio::task::{AbortHandle, JoinHandle};

use super::request::AriRequest;
use super::response::{ApiError, AriResponse};
use super::router::{self, Resolved};
use super::ws;
use crate::fake::world::Inner;

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
    let uri = request.uri().clone();
    let raw_path = uri.path();
    let Some(rest) = raw_path
        .strip_prefix("/ari/")
        .or_else(|| (raw_path == "/ari").then_some(""))
    else {
        let mut response = Response::new(Body::from(
            "<html><body><h1>404 Not Found</h1></body></html>",
        ));
        *response.status_mut() = StatusCode::NOT_FOUND;
        if let Ok(value) = "text/html".parse() {
            response.headers_mut().insert(header::CONTENT_TYPE, value);
        }
        return response;
    };
    let query = uri.query().unwrap_or("");
    let mut params: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    if !check_auth(&inner, request.headers(), &params) {
        return AriResponse::from(ApiError::new(
            401,
            "Unauthorized",
            "Authentication required",
        ))
        .with_header(
            "www-authenticate",
            format!("Basic realm=\"{}\"", inner.settings.realm),
        )
        .into_http(&server);
    }
    let method = request.method().clone();
    let segments: Vec<String> = rest
        .split('/')
        .map(|s| percent_decode_str(s).decode_utf8_lossy().into_owned())
        .collect();
    if rest.ends_with('/') {
        let slashless = rest.trim_end_matches('/');
        return AriResponse::from(ApiError::not_found(format!(
            "ARI URLs do not end with a slash. Try /ari/{slashless}"
        )))
        .into_http(&server);
    }
    if method == Method::GET && router::is_events_path(&segments) {
        return websocket(inner, request, params).await;
    }
    let resolved = router::resolve(&method, &segments);
    let (handler, path_vars) = match resolved {
        Resolved::Handler(handler, vars) => (handler, vars),
        Resolved::NotFound => return router::not_found().into_http(&server),
        Resolved::MethodNotAllowed(allowed) => {
            let mut response: AriResponse =
                ApiError::new(405, "Method Not Allowed", "Invalid method").into();
            let mut allow: Vec<&str> = allowed;
            allow.push("OPTIONS");
            response = response.with_header("allow", allow.join(","));
            return response.into_http(&server);
        }
    };
    let content_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let bytes = match to_bytes(request.into_body(), MAX_BODY).await {
        Ok(bytes) => bytes,
        Err(_) => {
            return AriResponse::from(ApiError::new(
                413,
                "Request Entity Too Large",
                "Request body too large",
            ))
            .into_http(&server)
        }
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
                ordered = super::request::ordered_variables(&bytes);
            }
            Err(_) => {
                return AriResponse::from(ApiError::bad_request("Error parsing request body"))
                    .into_http(&server)
            }
        }
    }
    let request = AriRequest {
        path: path_vars.into_iter().collect(),
        params,
        body,
        ordered_variables: ordered,
    };
    tracing::trace!(?request, "ARI request");
    handler(&inner, &request).into_http(&server)
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

async fn websocket(
    inner: Arc<Inner>,
    request: Request,
    params: Vec<(String, String)>,
) -> Response<Body> {
    let server = server_header(&inner);
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
        return AriResponse::from(ApiError::bad_request(
            "HTTP request is missing param: [app]",
        ))
        .into_http(&server);
    }
    let subscribe_all = params
        .iter()
        .rev()
        .find(|(k, _)| k == "subscribeAll")
        .is_some_and(|(_, v)| super::request::ast_true(v));
    let upgrade = match WebSocketUpgrade::from_request(request, &()).await {
        Ok(upgrade) => upgrade,
        Err(_) => {
            return AriResponse::from(ApiError::new(426, "Upgrade Required", "Upgrade Required"))
                .into_http(&server)
        }
    };
    let registered = ws::register(&inner, apps, subscribe_all);
    let session = registered.id;
    let on_fail = inner.clone();
    let mut response = upgrade
        .on_failed_upgrade(move |_| ws::unregister(&on_fail, session))
        .on_upgrade(move |socket| ws::run_session(inner, socket, registered));
    if let Ok(value) = server.parse() {
        response.headers_mut().insert(header::SERVER, value);
    }
    response
}
