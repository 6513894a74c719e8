//! Where a request goes: the node of the resource it is about, a node
//! chosen for a new resource, or every node.

use percent_encoding::percent_decode_str;

use crate::request::{Method, Request};
use crate::resource::ResourceKind;

/// A request's destination.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Target {
    /// The node of this resource.
    Resource { kind: ResourceKind, id: String },
    /// A new resource of this kind: on the node the placement picks (or
    /// the one it names with its id, when that id is known).
    Create {
        kind: ResourceKind,
        /// The id the request names (`POST /channels/{channelId}`), if any.
        id: Option<String>,
    },
    /// One node: the node of the first resource the `source` parameter
    /// names (`channel:<id>`, `bridge:<id>`), else any node up (a user
    /// event, which every node would otherwise raise once).
    OneOf {
        sources: Vec<(ResourceKind, String)>,
    },
    /// Every node: a listing (the arrays merged), or a request about
    /// something not known on any node in particular (the answer of the
    /// node that has it).
    Everywhere,
}

/// The destination of `request`, from its method and path.
pub(crate) fn target(request: &Request) -> Target {
    let method = request.operation().method;
    let mut segments = request.path().split('/').filter(|s| !s.is_empty());
    let collection = segments.next().unwrap_or("");
    let first = segments.next();
    let second = segments.next();
    let decoded = |segment: &str| percent_decode_str(segment).decode_utf8_lossy().into_owned();
    let kind = match collection {
        "events" if first == Some("user") && method == Method::Post => {
            return Target::OneOf {
                sources: sources_of(request),
            };
        }
        "channels" => ResourceKind::Channel,
        "bridges" => ResourceKind::Bridge,
        "playbacks" => ResourceKind::Playback,
        "recordings" if first == Some("live") => {
            return match second {
                Some(name) => Target::Resource {
                    kind: ResourceKind::LiveRecording,
                    id: decoded(name),
                },
                None => Target::Everywhere,
            };
        }
        _ => return Target::Everywhere,
    };
    match (first, second) {
        // `GET /channels`: a listing. `POST /channels`: an originate.
        (None, _) if method == Method::Post => Target::Create { kind, id: None },
        (None, _) => Target::Everywhere,
        // `POST /channels/create`, `POST /channels/externalMedia`.
        (Some("create" | "externalMedia"), None)
            if kind == ResourceKind::Channel && method == Method::Post =>
        {
            Target::Create { kind, id: None }
        }
        // `POST /channels/{id}` (originate with an id), `POST /bridges/{id}`
        // (create or update): where the id lives if it is known.
        (Some(id), None) if method == Method::Post && kind != ResourceKind::Playback => {
            Target::Create {
                kind,
                id: Some(decoded(id)),
            }
        }
        (Some(id), _) => Target::Resource {
            kind,
            id: decoded(id),
        },
    }
}

/// The resources a `source` parameter names (`channel:<id>,bridge:<id>`).
fn sources_of(request: &Request) -> Vec<(ResourceKind, String)> {
    request
        .query_pairs()
        .iter()
        .filter(|(name, _)| *name == "source")
        .flat_map(|(_, value)| value.split(','))
        .filter_map(|source| {
            let (kind, id) = source.split_once(':')?;
            let kind = match kind {
                "channel" => ResourceKind::Channel,
                "bridge" => ResourceKind::Bridge,
                _ => return None,
            };
            Some((kind, id.to_owned()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::OperationMeta;

    fn request(method: Method, path: &'static str, params: &[(&'static str, &str)]) -> Request {
        let op: &'static OperationMeta = Box::leak(Box::new(OperationMeta {
            name: "test",
            method,
            path,
            errors: &[],
            since: &[],
            params_since: &[],
        }));
        Request::new(op, params)
    }

    #[test]
    fn requests_go_to_their_resource_a_placement_or_everywhere() {
        let channel = |id: &str| Target::Resource {
            kind: ResourceKind::Channel,
            id: id.into(),
        };
        assert_eq!(
            target(&request(
                Method::Post,
                "/channels/{channelId}/answer",
                &[("channelId", "17.1")]
            )),
            channel("17.1")
        );
        assert_eq!(
            target(&request(
                Method::Delete,
                "/channels/{channelId}",
                &[("channelId", "a b")]
            )),
            channel("a b")
        );
        assert_eq!(
            target(&request(Method::Post, "/channels", &[])),
            Target::Create {
                kind: ResourceKind::Channel,
                id: None
            }
        );
        assert_eq!(
            target(&request(
                Method::Post,
                "/channels/{channelId}",
                &[("channelId", "x")]
            )),
            Target::Create {
                kind: ResourceKind::Channel,
                id: Some("x".into())
            }
        );
        assert_eq!(
            target(&request(Method::Post, "/channels/externalMedia", &[])),
            Target::Create {
                kind: ResourceKind::Channel,
                id: None
            }
        );
        assert_eq!(
            target(&request(Method::Get, "/channels", &[])),
            Target::Everywhere
        );
        assert_eq!(
            target(&request(
                Method::Post,
                "/bridges/{bridgeId}/addChannel",
                &[("bridgeId", "b")]
            )),
            Target::Resource {
                kind: ResourceKind::Bridge,
                id: "b".into()
            }
        );
        assert_eq!(
            target(&request(
                Method::Post,
                "/recordings/live/{recordingName}/stop",
                &[("recordingName", "r")]
            )),
            Target::Resource {
                kind: ResourceKind::LiveRecording,
                id: "r".into()
            }
        );
        assert_eq!(
            target(&request(Method::Get, "/recordings/stored", &[])),
            Target::Everywhere
        );
        assert_eq!(
            target(&request(Method::Get, "/asterisk/info", &[])),
            Target::Everywhere
        );
        assert_eq!(
            target(&request(
                Method::Post,
                "/applications/{app}/subscription",
                &[("app", "a")]
            )),
            Target::Everywhere
        );
    }
}
