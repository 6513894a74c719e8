//! The cluster transport: REST as `AriRest` requests to the proxies, the
//! table of nodes kept up to date, and the events fed to the stream.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use ari_proxy_protocol::{AriRest, Key, RequestClass, Response, Subjects};
use async_nats::RequestErrorKind;
use bytes::Bytes;
use serde::Deserialize;
use tokio::sync::{mpsc, watch};

use super::claims::{Claim, Claims};
use super::owners::{Owner, Owners};
use super::route::{self, Target};
use super::settings::{ClusterSettings, Placement};
use crate::error::{Error, Unroutable};
use crate::request::{Method, Request};
use crate::resource::ResourceKind;
use crate::stream::feed::FeedItem;
use crate::sync::lock;

use super::nodes::Nodes;

/// Where the notices of the nodes and of the NATS connection go: the feed
/// of the event stream, once it is open.
pub(crate) type NoticeSink = Arc<Mutex<Option<mpsc::Sender<FeedItem>>>>;

/// An announced last event number: `(node, application, instance, last)`.
pub(crate) type Tail = (Arc<str>, String, String, u64);

/// Where the announced last numbers go: the feed's reader, once it runs.
pub(crate) type TailSink = Arc<Mutex<Option<mpsc::UnboundedSender<Tail>>>>;

/// A cluster client's transport, shared by its clones.
#[derive(Debug)]
pub(crate) struct Link {
    pub(crate) nats: async_nats::Client,
    pub(crate) settings: ClusterSettings,
    pub(crate) nodes: Arc<Nodes>,
    pub(crate) owners: Arc<Owners>,
    pub(crate) claims: Option<Claims>,
    /// The durable consumers (one per application), when the events are
    /// read through them.
    pub(crate) consumers: Vec<async_nats::jetstream::consumer::PullConsumer>,
    pub(crate) sink: NoticeSink,
    pub(crate) tails: TailSink,
    /// The event stream's feed was opened (one per client).
    pub(crate) feed_taken: AtomicBool,
    /// The next node of the round robin.
    next_node: AtomicUsize,
    /// The node of each channel of the last `GET /channels` over every
    /// node: where a call found by a listing lives.
    listed_channels: Mutex<HashMap<String, Arc<str>>>,
    /// Dropped with the link: the node watcher stops.
    _watcher: watch::Sender<()>,
}

/// Only the id of a created resource (or the name of a recording).
#[derive(Deserialize)]
struct Created {
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    name: Option<String>,
}

impl Link {
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        nats: async_nats::Client,
        settings: ClusterSettings,
        nodes: Arc<Nodes>,
        owners: Arc<Owners>,
        claims: Option<Claims>,
        consumers: Vec<async_nats::jetstream::consumer::PullConsumer>,
        sink: NoticeSink,
        tails: TailSink,
        watcher: watch::Sender<()>,
    ) -> Link {
        Link {
            nats,
            settings,
            nodes,
            owners,
            claims,
            consumers,
            sink,
            tails,
            feed_taken: AtomicBool::new(false),
            next_node: AtomicUsize::new(0),
            listed_channels: Mutex::default(),
            _watcher: watcher,
        }
    }

    /// Sends `request` where it belongs; `pin` names the node when the
    /// caller chose it. The status and body of Asterisk's answer.
    pub(crate) async fn send(
        &self,
        request: &Request,
        pin: Option<&str>,
    ) -> Result<(u16, Bytes), Error> {
        let operation = request.operation().name;
        let unroutable = |problem| Error::Unroutable { operation, problem };
        let target = route::target(request);
        if let Some(pin) = pin {
            let node = self.nodes.up(pin).ok_or_else(|| {
                unroutable(Unroutable::NodeDown {
                    node: pin.to_owned(),
                })
            })?;
            return match target {
                Target::Create { kind, id } => self.create(request, kind, id, node).await,
                _ => self.on_node(request, &node, class_of(request)).await,
            };
        }
        match target {
            Target::Resource { kind, id } => match self.owners.owner(kind, &id) {
                Some(Owner::Node(node)) => {
                    if self.nodes.up(&node).is_none() {
                        return Err(unroutable(Unroutable::NodeDown {
                            node: node.to_string(),
                        }));
                    }
                    self.on_node(request, &node, class_of(request)).await
                }
                Some(Owner::Ambiguous(nodes)) => Err(unroutable(Unroutable::Ambiguous {
                    kind: kind.as_str(),
                    id,
                    nodes: nodes.iter().map(ToString::to_string).collect(),
                })),
                None => self.everywhere(request).await,
            },
            Target::Create { kind, id } => {
                let known = id
                    .as_deref()
                    .and_then(|id| match self.owners.owner(kind, id) {
                        Some(Owner::Node(node)) => Some(node),
                        _ => None,
                    });
                let node = match known {
                    Some(node) => node,
                    None => self.place().map_err(unroutable)?,
                };
                self.create(request, kind, id, node).await
            }
            Target::OneOf { sources } => {
                let owner =
                    sources
                        .iter()
                        .find_map(|(kind, id)| match self.owners.owner(*kind, id) {
                            Some(Owner::Node(node)) => Some(node),
                            _ => None,
                        });
                let node = match owner {
                    Some(node) => node,
                    None => self.place().map_err(unroutable)?,
                };
                self.on_node(request, &node, class_of(request)).await
            }
            Target::Everywhere => self.everywhere(request).await,
        }
    }

    /// A new resource on `node`. With shared calls, a new channel gets an
    /// id of the client's, claimed before it exists, so that its events
    /// come to this instance however fast they come.
    async fn create(
        &self,
        request: &Request,
        kind: ResourceKind,
        id: Option<String>,
        node: Arc<str>,
    ) -> Result<(u16, Bytes), Error> {
        let mut own_id = None;
        let request = match (&self.claims, kind, id) {
            (Some(claims), ResourceKind::Channel, id) => {
                let mut request = request.clone();
                let id = match id {
                    Some(id) => id,
                    None => match query_value(&request, "channelId") {
                        Some(id) => id,
                        None => {
                            let id = uuid::Uuid::new_v4().to_string();
                            request.query("channelId", id.clone());
                            id
                        }
                    },
                };
                if claims.claim(&node, &id).await == Claim::Theirs {
                    tracing::warn!(channel = %id, "a channel id another instance claimed");
                }
                own_id = Some(id);
                std::borrow::Cow::Owned(request)
            }
            _ => std::borrow::Cow::Borrowed(request),
        };
        if let Some(id) = &own_id {
            self.owners.insert(ResourceKind::Channel, id, &node);
        }
        let answer = self.on_node(&request, &node, RequestClass::Create).await;
        match &answer {
            Ok((status, body)) if (200..300).contains(status) => {
                self.learn_created(kind, body, &node);
            }
            _ => {
                if let Some(id) = &own_id {
                    self.owners.remove(ResourceKind::Channel, id, &node);
                }
            }
        }
        answer
    }

    /// Records where the resource a creation answered with lives.
    fn learn_created(&self, kind: ResourceKind, body: &[u8], node: &Arc<str>) {
        if let Ok(created) = serde_json::from_slice::<Created>(body) {
            let id = match kind {
                ResourceKind::LiveRecording => created.name,
                _ => created.id,
            };
            if let Some(id) = id {
                self.owners.insert(kind, &id, node);
            }
        }
    }

    /// The node the placement picks for a new resource.
    fn place(&self) -> Result<Arc<str>, Unroutable> {
        let turn = self.next_node.fetch_add(1, Ordering::Relaxed);
        pick(&self.settings.placement, &self.nodes, &self.owners, turn)
    }

    /// Sends `request` to the proxy of `node`.
    async fn on_node(
        &self,
        request: &Request,
        node: &Arc<str>,
        class: RequestClass,
    ) -> Result<(u16, Bytes), Error> {
        let operation = request.operation().name;
        let app = self.nodes.application_on(node);
        let subjects: &Subjects = &self.settings.subjects;
        let subject = subjects.request(class, Some(app), Some(node));
        let mut rest = AriRest::new(request.operation().method.as_str(), request.path());
        rest.query = request
            .query_pairs()
            .iter()
            .map(|(name, value)| ((*name).to_owned(), value.clone()))
            .collect();
        rest.body = request.json_body().cloned();
        let message = ari_proxy_protocol::Request::ari_rest(rest, Key::node(app, &**node));
        let payload = serde_json::to_vec(&message).map_err(|error| Error::Unroutable {
            operation,
            problem: Unroutable::Proxy {
                node: node.to_string(),
                message: format!("cannot encode the request: {error}"),
            },
        })?;
        let proxy_error = |message: String| Error::Unroutable {
            operation,
            problem: Unroutable::Proxy {
                node: node.to_string(),
                message,
            },
        };
        let reply = match tokio::time::timeout(
            self.settings.request_timeout,
            self.nats.request(subject, payload.into()),
        )
        .await
        {
            Err(_) => return Err(Error::Timeout { operation }),
            Ok(Err(error)) => {
                return Err(match error.kind() {
                    RequestErrorKind::TimedOut => Error::Timeout { operation },
                    RequestErrorKind::NoResponders => Error::Unroutable {
                        operation,
                        problem: Unroutable::NodeDown {
                            node: node.to_string(),
                        },
                    },
                    _ => proxy_error(format!("NATS: {error}")),
                })
            }
            Ok(Ok(reply)) => reply,
        };
        let response: Response = serde_json::from_slice(&reply.payload)
            .map_err(|error| proxy_error(format!("unreadable answer: {error}")))?;
        if !response.error.is_empty() {
            return Err(proxy_error(response.error));
        }
        let Some(answer) = response.ari_rest else {
            return Err(proxy_error(
                "the answer has no `ari_rest` (a proxy that does not serve AriRest)".to_owned(),
            ));
        };
        let body = answer
            .body_bytes()
            .ok_or_else(|| proxy_error("the answer's body_base64 is not base64".to_owned()))?;
        Ok((answer.status, Bytes::from(body)))
    }

    /// Sends `request` to every node: a listing gets the arrays of all of
    /// them merged; anything else the answer of the node that has what it
    /// is about.
    async fn everywhere(&self, request: &Request) -> Result<(u16, Bytes), Error> {
        let operation = request.operation().name;
        let live = self.nodes.live();
        if live.is_empty() {
            return Err(Error::Unroutable {
                operation,
                problem: Unroutable::NoNode,
            });
        }
        let class = class_of(request);
        let answers =
            futures::future::join_all(live.iter().map(|node| self.on_node(request, node, class)))
                .await;
        let listing = request.operation().method == Method::Get
            && answers.iter().any(|answer| {
                matches!(answer, Ok((status, body)) if (200..300).contains(status) && is_json_array(body))
            });
        if listing {
            return self.merge_listing(request, &live, answers);
        }
        let mut found = None;
        let mut refused = None;
        let mut missing = None;
        let mut failed = None;
        for answer in answers {
            match answer {
                Ok((status, body)) if (200..300).contains(&status) => {
                    found.get_or_insert((status, body));
                }
                Ok((404, body)) => {
                    missing.get_or_insert((404, body));
                }
                Ok(other) => {
                    refused.get_or_insert(other);
                }
                Err(error) => {
                    failed.get_or_insert(error);
                }
            }
        }
        match (found, refused, missing, failed) {
            (Some(found), ..) => Ok(found),
            (None, Some(refused), ..) => Ok(refused),
            // A node that could not answer may have had it.
            (None, None, _, Some(error)) => Err(error),
            (None, None, Some(missing), None) => Ok(missing),
            (None, None, None, None) => Err(Error::Unroutable {
                operation,
                problem: Unroutable::NoNode,
            }),
        }
    }

    /// Every node's array in one; an error unless every node answered one.
    fn merge_listing(
        &self,
        request: &Request,
        live: &[Arc<str>],
        answers: Vec<Result<(u16, Bytes), Error>>,
    ) -> Result<(u16, Bytes), Error> {
        let operation = request.operation().name;
        let expected = answers.len();
        let mut merged = Vec::with_capacity(
            answers
                .iter()
                .map(|answer| answer.as_ref().map_or(0, |(_, body)| body.len()))
                .sum::<usize>()
                + 2,
        );
        merged.push(b'[');
        let mut answered = 0;
        let channels = request.path() == "/channels";
        let mut listed = HashMap::new();
        for (node, answer) in live.iter().zip(answers) {
            let Ok((status, body)) = answer else {
                continue;
            };
            if !(200..300).contains(&status) || !is_json_array(&body) {
                continue;
            }
            answered += 1;
            let inner = array_items(&body);
            if !inner.is_empty() {
                if merged.len() > 1 {
                    merged.push(b',');
                }
                merged.extend_from_slice(inner);
            }
            if channels {
                if let Ok(ids) = serde_json::from_slice::<Vec<Created>>(&body) {
                    for id in ids.into_iter().filter_map(|created| created.id) {
                        listed.insert(id, Arc::clone(node));
                    }
                }
            }
        }
        merged.push(b']');
        if answered < expected {
            return Err(Error::Unroutable {
                operation,
                problem: Unroutable::Incomplete { answered, expected },
            });
        }
        if channels {
            *lock(&self.listed_channels) = listed;
        }
        Ok((200, Bytes::from(merged)))
    }

    /// Whether this instance serves the call of channel `id`, found by a
    /// listing (after a gap): always, unless the calls are shared and
    /// another instance claimed it.
    pub(crate) async fn claim_listed(&self, id: &str) -> bool {
        let Some(claims) = &self.claims else {
            return true;
        };
        let node = lock(&self.listed_channels).get(id).cloned();
        match node {
            Some(node) => claims.claim(&node, id).await != Claim::Theirs,
            // Not in the last listing: not recovered by this instance.
            None => false,
        }
    }

    /// The node `kind` `id` lives on, when known.
    pub(crate) fn node_of(&self, kind: ResourceKind, id: &str) -> Option<String> {
        match self.owners.owner(kind, id) {
            Some(Owner::Node(node)) => Some(node.to_string()),
            Some(Owner::Ambiguous(_)) => None,
            // A call a listing found (recovered after a gap).
            None if kind == ResourceKind::Channel => {
                lock(&self.listed_channels).get(id).map(ToString::to_string)
            }
            None => None,
        }
    }
}

/// The node `placement` picks among the live ones, `turn` counting the
/// picks for the round robin.
fn pick(
    placement: &Placement,
    nodes: &Nodes,
    owners: &Owners,
    turn: usize,
) -> Result<Arc<str>, Unroutable> {
    if let Placement::Node(name) = placement {
        return nodes
            .up(name)
            .ok_or_else(|| Unroutable::NodeDown { node: name.clone() });
    }
    let live = nodes.live();
    if live.is_empty() {
        return Err(Unroutable::NoNode);
    }
    let node = match placement {
        Placement::LeastCalls => live
            .iter()
            .min_by_key(|node| owners.channels_on(node))
            .cloned(),
        _ => live.get(turn % live.len()).cloned(),
    };
    node.ok_or(Unroutable::NoNode)
}

/// The subject class a request travels in.
fn class_of(request: &Request) -> RequestClass {
    match request.operation().method {
        Method::Get => RequestClass::Get,
        _ => RequestClass::Command,
    }
}

/// The value of query parameter `name`, if the request sets it.
fn query_value(request: &Request, name: &str) -> Option<String> {
    request
        .query_pairs()
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, value)| value.clone())
}

fn trim(body: &[u8]) -> &[u8] {
    let start = body
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(body.len());
    let end = body
        .iter()
        .rposition(|b| !b.is_ascii_whitespace())
        .map_or(start, |end| end + 1);
    &body[start..end.max(start)]
}

fn is_json_array(body: &[u8]) -> bool {
    let body = trim(body);
    body.first() == Some(&b'[') && body.last() == Some(&b']')
}

/// What is between an array's brackets, trimmed.
fn array_items(body: &[u8]) -> &[u8] {
    let body = trim(body);
    trim(&body[1..body.len() - 1])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cluster_of(names: &[&str]) -> Nodes {
        let nodes = Nodes::new(vec!["demo".into()]);
        for name in names {
            nodes.announced(
                &ari_proxy_protocol::Announcement {
                    node: (*name).into(),
                    application: "demo".into(),
                    asterisk_id: String::new(),
                    instance: format!("{name}-1"),
                    last_sequence: None,
                },
                tokio::time::Instant::now(),
            );
        }
        nodes
    }

    #[test]
    fn placements_pick_in_turn_the_least_busy_or_the_named_node() {
        let nodes = cluster_of(&["n1", "n2", "n3"]);
        let owners = Owners::default();
        let turns: Vec<_> = (0..4)
            .map(|turn| pick(&Placement::RoundRobin, &nodes, &owners, turn).unwrap())
            .collect();
        assert_eq!(turns, ["n1", "n2", "n3", "n1"].map(Arc::<str>::from));

        let (n1, n3) = (Arc::<str>::from("n1"), Arc::<str>::from("n3"));
        owners.insert(ResourceKind::Channel, "a", &n1);
        owners.insert(ResourceKind::Channel, "b", &n3);
        let least = pick(&Placement::LeastCalls, &nodes, &owners, 0).unwrap();
        assert_eq!(&*least, "n2");

        let named = pick(&Placement::Node("n3".into()), &nodes, &owners, 0).unwrap();
        assert_eq!(&*named, "n3");
        assert_eq!(
            pick(&Placement::Node("n9".into()), &nodes, &owners, 0),
            Err(Unroutable::NodeDown { node: "n9".into() })
        );
        assert_eq!(
            pick(&Placement::RoundRobin, &cluster_of(&[]), &owners, 0),
            Err(Unroutable::NoNode)
        );
    }

    #[test]
    fn arrays_are_recognised_and_opened() {
        assert!(is_json_array(b" [1, 2] \n"));
        assert!(!is_json_array(b"{\"a\":[1]}"));
        assert!(!is_json_array(b""));
        assert_eq!(array_items(b" [ {\"id\":1} ] "), b"{\"id\":1}");
        assert_eq!(array_items(b"[]"), b"");
    }
}
