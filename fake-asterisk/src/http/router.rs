//! Routing as `ast_ari_invoke` does it: authenticate first, then walk the
//! path one percent-decoded segment at a time (a literal segment wins over a
//! `{variable}`), then pick the method: unknown paths are
//! `404 Resource not found`, unknown methods `405 Invalid method`.

use std::sync::Arc;

use axum::http::Method;

use crate::emulation::SpecOperation;
use crate::error::ApiError;
use crate::rest;
use crate::rest::request::AriRequest;
use crate::rest::response::AriResponse;
use crate::world::Inner;

/// A REST operation.
pub(crate) type Handler = fn(&Arc<Inner>, &AriRequest) -> AriResponse;

/// One route: method, path pattern below `/ari` (`{name}` segments are
/// variables) and handler (the `rest` function, its [`rest::Reply`] made a
/// response).
pub(crate) struct RouteDef {
    pub method: &'static str,
    pub pattern: &'static [&'static str],
    pub handler: Handler,
}

macro_rules! routes {
    ($( $method:literal [$($seg:literal),*] => $handler:path ),* $(,)?) => {
        &[ $( RouteDef {
            method: $method,
            pattern: &[$($seg),*],
            handler: |inner, req| rest::Reply::into_response($handler(inner, req)),
        } ),* ]
    };
}

/// The ARI surface of Asterisk 20.
pub(crate) static ROUTES: &[RouteDef] = routes![
    "GET" ["applications"] => rest::applications::list,
    "GET" ["applications", "{applicationName}"] => rest::applications::get,
    "POST" ["applications", "{applicationName}", "subscription"] => rest::applications::subscribe,
    "DELETE" ["applications", "{applicationName}", "subscription"] => rest::applications::unsubscribe,
    "PUT" ["applications", "{applicationName}", "eventFilter"] => rest::applications::filter,
    "GET" ["asterisk", "config", "dynamic", "{configClass}", "{objectType}", "{id}"] => rest::asterisk::get_object,
    "PUT" ["asterisk", "config", "dynamic", "{configClass}", "{objectType}", "{id}"] => rest::asterisk::update_object,
    "DELETE" ["asterisk", "config", "dynamic", "{configClass}", "{objectType}", "{id}"] => rest::asterisk::delete_object,
    "GET" ["asterisk", "info"] => rest::asterisk::info,
    "GET" ["asterisk", "ping"] => rest::asterisk::ping,
    "GET" ["asterisk", "modules"] => rest::asterisk::list_modules,
    "GET" ["asterisk", "modules", "{moduleName}"] => rest::asterisk::get_module,
    "POST" ["asterisk", "modules", "{moduleName}"] => rest::asterisk::load_module,
    "DELETE" ["asterisk", "modules", "{moduleName}"] => rest::asterisk::unload_module,
    "PUT" ["asterisk", "modules", "{moduleName}"] => rest::asterisk::reload_module,
    "GET" ["asterisk", "logging"] => rest::asterisk::list_log_channels,
    "POST" ["asterisk", "logging", "{logChannelName}"] => rest::asterisk::add_log,
    "DELETE" ["asterisk", "logging", "{logChannelName}"] => rest::asterisk::delete_log,
    "PUT" ["asterisk", "logging", "{logChannelName}", "rotate"] => rest::asterisk::rotate_log,
    "GET" ["asterisk", "variable"] => rest::asterisk::get_global_var,
    "POST" ["asterisk", "variable"] => rest::asterisk::set_global_var,
    "GET" ["bridges"] => rest::bridges::list,
    "POST" ["bridges"] => rest::bridges::create,
    "POST" ["bridges", "{bridgeId}"] => rest::bridges::create_with_id,
    "GET" ["bridges", "{bridgeId}"] => rest::bridges::get,
    "DELETE" ["bridges", "{bridgeId}"] => rest::bridges::destroy,
    "GET" ["bridges", "{bridgeId}", "variable"] => rest::bridges::get_var,
    "POST" ["bridges", "{bridgeId}", "variable"] => rest::bridges::set_var,
    "GET" ["bridges", "{bridgeId}", "variables"] => rest::bridges::get_vars,
    "POST" ["bridges", "{bridgeId}", "variables"] => rest::bridges::set_vars,
    "POST" ["bridges", "{bridgeId}", "addChannel"] => rest::bridges::add_channel,
    "POST" ["bridges", "{bridgeId}", "removeChannel"] => rest::bridges::remove_channel,
    "POST" ["bridges", "{bridgeId}", "videoSource", "{channelId}"] => rest::bridges::set_video_source,
    "DELETE" ["bridges", "{bridgeId}", "videoSource"] => rest::bridges::clear_video_source,
    "POST" ["bridges", "{bridgeId}", "moh"] => rest::bridges::start_moh,
    "DELETE" ["bridges", "{bridgeId}", "moh"] => rest::bridges::stop_moh,
    "POST" ["bridges", "{bridgeId}", "play"] => rest::bridges::play,
    "POST" ["bridges", "{bridgeId}", "play", "{playbackId}"] => rest::bridges::play,
    "POST" ["bridges", "{bridgeId}", "record"] => rest::bridges::record,
    "GET" ["channels"] => rest::channels::list,
    "POST" ["channels"] => rest::channels::originate,
    "POST" ["channels", "create"] => rest::channels::create,
    "POST" ["channels", "externalMedia"] => rest::channels::external_media,
    "GET" ["channels", "{channelId}"] => rest::channels::get,
    "POST" ["channels", "{channelId}"] => rest::channels::originate,
    "DELETE" ["channels", "{channelId}"] => rest::channels::hangup,
    "POST" ["channels", "{channelId}", "continue"] => rest::channels::continue_in_dialplan,
    "POST" ["channels", "{channelId}", "move"] => rest::channels::move_to_app,
    "POST" ["channels", "{channelId}", "redirect"] => rest::channels::redirect,
    "POST" ["channels", "{channelId}", "answer"] => rest::channels::answer,
    "POST" ["channels", "{channelId}", "ring"] => rest::channels::ring,
    "DELETE" ["channels", "{channelId}", "ring"] => rest::channels::ring_stop,
    "POST" ["channels", "{channelId}", "progress"] => rest::channels::progress,
    "POST" ["channels", "{channelId}", "dtmf"] => rest::channels::send_dtmf,
    "POST" ["channels", "{channelId}", "mute"] => rest::channels::mute,
    "DELETE" ["channels", "{channelId}", "mute"] => rest::channels::unmute,
    "POST" ["channels", "{channelId}", "hold"] => rest::channels::hold,
    "DELETE" ["channels", "{channelId}", "hold"] => rest::channels::unhold,
    "POST" ["channels", "{channelId}", "moh"] => rest::channels::start_moh,
    "DELETE" ["channels", "{channelId}", "moh"] => rest::channels::stop_moh,
    "POST" ["channels", "{channelId}", "silence"] => rest::channels::start_silence,
    "DELETE" ["channels", "{channelId}", "silence"] => rest::channels::stop_silence,
    "POST" ["channels", "{channelId}", "play"] => rest::channels::play,
    "POST" ["channels", "{channelId}", "play", "{playbackId}"] => rest::channels::play,
    "POST" ["channels", "{channelId}", "record"] => rest::channels::record,
    "GET" ["channels", "{channelId}", "variable"] => rest::channels::get_var,
    "POST" ["channels", "{channelId}", "variable"] => rest::channels::set_var,
    "GET" ["channels", "{channelId}", "variables"] => rest::channels::get_vars,
    "POST" ["channels", "{channelId}", "variables"] => rest::channels::set_vars,
    "POST" ["channels", "{channelId}", "snoop"] => rest::channels::snoop,
    "POST" ["channels", "{channelId}", "snoop", "{snoopId}"] => rest::channels::snoop,
    "POST" ["channels", "{channelId}", "dial"] => rest::channels::dial,
    "GET" ["channels", "{channelId}", "rtp_statistics"] => rest::channels::rtp_statistics,
    "POST" ["channels", "{channelId}", "transfer_progress"] => rest::channels::transfer_progress,
    "GET" ["deviceStates"] => rest::device_states::list,
    "GET" ["deviceStates", "{deviceName}"] => rest::device_states::get,
    "PUT" ["deviceStates", "{deviceName}"] => rest::device_states::update,
    "DELETE" ["deviceStates", "{deviceName}"] => rest::device_states::delete,
    "GET" ["endpoints"] => rest::endpoints::list,
    "PUT" ["endpoints", "sendMessage"] => rest::endpoints::send_message,
    "POST" ["endpoints", "refer"] => rest::endpoints::refer,
    "GET" ["endpoints", "{tech}"] => rest::endpoints::list_by_tech,
    "GET" ["endpoints", "{tech}", "{resource}"] => rest::endpoints::get,
    "PUT" ["endpoints", "{tech}", "{resource}", "sendMessage"] => rest::endpoints::send_message_to_endpoint,
    "POST" ["endpoints", "{tech}", "{resource}", "refer"] => rest::endpoints::refer_to_endpoint,
    "POST" ["events", "user", "{eventName}"] => rest::events::user_event,
    "POST" ["events", "claim"] => rest::events::claim,
    "GET" ["mailboxes"] => rest::mailboxes::list,
    "GET" ["mailboxes", "{mailboxName}"] => rest::mailboxes::get,
    "PUT" ["mailboxes", "{mailboxName}"] => rest::mailboxes::update,
    "DELETE" ["mailboxes", "{mailboxName}"] => rest::mailboxes::delete,
    "GET" ["playbacks", "{playbackId}"] => rest::playbacks::get,
    "DELETE" ["playbacks", "{playbackId}"] => rest::playbacks::stop,
    "POST" ["playbacks", "{playbackId}", "control"] => rest::playbacks::control,
    "GET" ["recordings", "stored"] => rest::recordings::list_stored,
    "GET" ["recordings", "stored", "{recordingName}"] => rest::recordings::get_stored,
    "DELETE" ["recordings", "stored", "{recordingName}"] => rest::recordings::delete_stored,
    "GET" ["recordings", "stored", "{recordingName}", "file"] => rest::recordings::get_stored_file,
    "POST" ["recordings", "stored", "{recordingName}", "copy"] => rest::recordings::copy_stored,
    "GET" ["recordings", "live", "{recordingName}"] => rest::recordings::get_live,
    "DELETE" ["recordings", "live", "{recordingName}"] => rest::recordings::cancel,
    "POST" ["recordings", "live", "{recordingName}", "stop"] => rest::recordings::stop,
    "POST" ["recordings", "live", "{recordingName}", "pause"] => rest::recordings::pause,
    "DELETE" ["recordings", "live", "{recordingName}", "pause"] => rest::recordings::unpause,
    "POST" ["recordings", "live", "{recordingName}", "mute"] => rest::recordings::mute,
    "DELETE" ["recordings", "live", "{recordingName}", "mute"] => rest::recordings::unmute,
    "GET" ["sounds"] => rest::sounds::list,
    "GET" ["sounds", "{soundId}"] => rest::sounds::get,
];

/// What walking the tree needs of a route: its method and the segments of
/// its path pattern.
pub(crate) trait RoutePattern {
    /// `GET`, `POST`, ...
    fn method(&self) -> &'static str;
    /// The pattern's segment at `depth` (`{name}` for a variable).
    fn segment(&self, depth: usize) -> Option<&str>;
    /// How many segments the pattern has.
    fn depth(&self) -> usize;
}

impl RoutePattern for RouteDef {
    fn method(&self) -> &'static str {
        self.method
    }
    fn segment(&self, depth: usize) -> Option<&str> {
        self.pattern.get(depth).copied()
    }
    fn depth(&self) -> usize {
        self.pattern.len()
    }
}

/// The outcome of walking a route table.
pub(crate) enum Walk<'r, R> {
    /// The route for this path and method.
    Found(&'r R),
    /// The path exists, but not with this method (`Allow` lists the ones that do).
    MethodNotAllowed(Vec<&'static str>),
    /// No such path.
    NotFound,
}

/// The outcome of routing a request.
pub(crate) enum Resolved<'a> {
    /// A handler, with path variables bound, and the emulated major's
    /// operation when one is emulated.
    Handler(
        Handler,
        Vec<(&'static str, String)>,
        Option<&'a SpecOperation>,
    ),
    /// An operation of the emulated major the fake does not implement.
    Unimplemented(&'a SpecOperation),
    /// The path exists, but not with this method (`Allow` lists the ones that do).
    MethodNotAllowed(Vec<&'static str>),
    /// No such path.
    NotFound,
}

/// The websocket route (`GET /ari/events`) is matched before this table.
pub(crate) fn is_events_path(segments: &[String]) -> bool {
    segments.len() == 1 && segments[0] == "events"
}

/// Walks `routes` for `segments` (already split and percent-decoded).
pub(crate) fn walk<'r, R: RoutePattern>(
    routes: &'r [R],
    method: &Method,
    segments: &[String],
) -> Walk<'r, R> {
    let mut candidates: Vec<&R> = routes.iter().collect();
    for (depth, segment) in segments.iter().enumerate() {
        let reach: Vec<&R> = candidates
            .iter()
            .copied()
            .filter(|r| r.depth() > depth)
            .collect();
        let literal: Vec<&R> = reach
            .iter()
            .copied()
            .filter(|r| r.segment(depth) == Some(segment.as_str()))
            .collect();
        candidates = if literal.is_empty() {
            reach
                .into_iter()
                .filter(|r| r.segment(depth).is_some_and(|s| s.starts_with('{')))
                .collect()
        } else {
            literal
        };
        if candidates.is_empty() {
            return Walk::NotFound;
        }
    }
    let at_node: Vec<&R> = candidates
        .iter()
        .copied()
        .filter(|r| r.depth() == segments.len())
        .collect();
    if let Some(route) = at_node.iter().find(|r| r.method() == method.as_str()) {
        return Walk::Found(route);
    }
    let mut allowed: Vec<&'static str> = at_node.iter().map(|r| r.method()).collect();
    if is_events_path(segments) {
        // The websocket is the node's GET, served before this table.
        allowed.push("GET");
    }
    allowed.sort_by_key(|m| METHOD_ORDER.iter().position(|o| o == m));
    allowed.dedup();
    Walk::MethodNotAllowed(allowed)
}

/// Routes a request over the handlers' own table (Asterisk 20's routes).
pub(crate) fn resolve(method: &Method, segments: &[String]) -> Resolved<'static> {
    match walk(ROUTES, method, segments) {
        Walk::Found(route) => Resolved::Handler(route.handler, bind(route.pattern, segments), None),
        Walk::MethodNotAllowed(allowed) => Resolved::MethodNotAllowed(allowed),
        Walk::NotFound => Resolved::NotFound,
    }
}

/// Routes a request over an emulated major's operations: the path is
/// matched as that major's handler tree would match it, then served by the
/// fake's handler of the same shape.
pub(crate) fn resolve_emulated<'a>(
    operations: &'a [SpecOperation],
    method: &Method,
    segments: &[String],
) -> Resolved<'a> {
    match walk(operations, method, segments) {
        Walk::Found(operation) => match operation.handler() {
            Some((handler, pattern)) => {
                Resolved::Handler(handler, bind(pattern, segments), Some(operation))
            }
            None => Resolved::Unimplemented(operation),
        },
        Walk::MethodNotAllowed(allowed) => Resolved::MethodNotAllowed(allowed),
        Walk::NotFound => Resolved::NotFound,
    }
}

/// The path variables of `pattern` (by its names) bound to `segments`.
fn bind(pattern: &'static [&'static str], segments: &[String]) -> Vec<(&'static str, String)> {
    pattern
        .iter()
        .zip(segments)
        .filter_map(|(pattern, value)| {
            pattern
                .strip_prefix('{')
                .and_then(|p| p.strip_suffix('}'))
                .map(|name| (name, value.clone()))
        })
        .collect()
}

/// `enum ast_http_method`: the order in which Asterisk lists methods.
const METHOD_ORDER: &[&str] = &["GET", "POST", "HEAD", "PUT", "DELETE"];

/// An `Allow` (or `Access-Control-Allow-Methods`) value as res_ari writes
/// it: `OPTIONS` first, then the node's methods, e.g. `OPTIONS,GET,POST`.
pub(crate) fn allow_value(allowed: &[&str]) -> String {
    std::iter::once("OPTIONS")
        .chain(allowed.iter().copied())
        .collect::<Vec<_>>()
        .join(",")
}

/// `501 Not Implemented` (Asterisk's answer for an operation without an
/// implementation), naming the operation the fake lacks.
pub(crate) fn unimplemented(operation: &SpecOperation) -> AriResponse {
    ApiError::new(
        501,
        "Not Implemented",
        format!(
            "Method not implemented: the fake Asterisk does not implement {} ({})",
            operation.name(),
            operation.route()
        ),
    )
    .into()
}

/// `404 Resource not found`, the answer for paths ARI does not have.
pub(crate) fn not_found() -> AriResponse {
    ApiError::not_found("Resource not found").into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn segs(path: &str) -> Vec<String> {
        path.split('/').map(str::to_string).collect()
    }

    #[test]
    fn literal_segments_win_over_variables() {
        match resolve(&Method::POST, &segs("channels/create")) {
            Resolved::Handler(h, vars, _) => {
                assert!(vars.is_empty());
                let create = ROUTES
                    .iter()
                    .find(|r| r.method == "POST" && r.pattern == ["channels", "create"])
                    .map(|r| r.handler as usize);
                assert_eq!(Some(h as usize), create);
            }
            _ => panic!("channels/create must resolve"),
        }
        match resolve(&Method::GET, &segs("channels/create")) {
            Resolved::MethodNotAllowed(allowed) => assert_eq!(allowed, vec!["POST"]),
            _ => panic!("GET channels/create is a 405"),
        }
        match resolve(&Method::OPTIONS, &segs("channels/abc")) {
            Resolved::MethodNotAllowed(allowed) => {
                assert_eq!(allow_value(&allowed), "OPTIONS,GET,POST,DELETE")
            }
            _ => panic!("no OPTIONS handler"),
        }
        match resolve(&Method::POST, &segs("events")) {
            Resolved::MethodNotAllowed(allowed) => assert_eq!(allowed, vec!["GET"]),
            _ => panic!("GET channels/create is a 405"),
        }
        match resolve(&Method::GET, &segs("channels/abc/variable")) {
            Resolved::Handler(_, vars, _) => {
                assert_eq!(vars, vec![("channelId", "abc".to_string())])
            }
            _ => panic!("variable route"),
        }
        assert!(matches!(
            resolve(&Method::GET, &segs("sounds/digits/1")),
            Resolved::NotFound
        ));
        assert!(matches!(
            resolve(&Method::GET, &segs("nothing")),
            Resolved::NotFound
        ));
        assert!(matches!(
            resolve(&Method::GET, &segs("recordings")),
            Resolved::MethodNotAllowed(_)
        ));
    }
}
