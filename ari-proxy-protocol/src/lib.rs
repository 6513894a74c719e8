//! The ARI proxy protocol: how an ARI application reaches many Asterisk
//! nodes over NATS, as the messages and subjects of CyCoreSystems'
//! `ari-proxy` (Go) define it, typed with serde.
//!
//! A proxy runs beside each Asterisk. It holds that node's ARI events
//! websocket and REST connection and bridges them to NATS; applications
//! talk only to NATS. This crate is the wire format both sides share: the
//! `ari-proxy` crate is the proxy, and any NATS client that speaks these
//! subjects and payloads is an application (the Go `ari-proxy/client`
//! included).
//!
//! # Subjects
//!
//! Every subject starts with a prefix, `ari.` unless configured
//! ([`Subjects`]). `<app>` is an ARI application name, `<node>` the proxy's
//! node name (see *Node identity* below). Both are single NATS subject
//! tokens: the proxy refuses names with `.`, `*`, `>` or whitespace
//! ([`SubjectError`]).
//!
//! | subject | direction | payload |
//! |---|---|---|
//! | `ari.ping` | application -> every proxy | anything (Go sends an empty [`Request`]); each proxy answers by publishing its [`Announcement`]s |
//! | `ari.announce` | proxy -> everyone | [`Announcement`], one per application the proxy serves; sent on every ping, at start and once a minute |
//! | `ari.event.<app>.<node>` | proxy -> applications | one ARI event: Asterisk's JSON with `asterisk_id` set to the node name ([`event`]) |
//! | `ari.dialogevent.<dialog>` | proxy -> applications | the same event with `dialog` set, for each dialog bound to a resource the event names |
//! | `ari.get[.<app>[.<node>]]` | request/reply | [`Request`] of a get or list kind -> [`Response`] with `key` or `keys` |
//! | `ari.data[.<app>[.<node>]]` | request/reply | [`Request`] of a data kind -> [`Response`] with `data` |
//! | `ari.command[.<app>[.<node>]]` | request/reply | [`Request`] of a command kind -> [`Response`] with only `error` |
//! | `ari.create[.<app>[.<node>]]` | request/reply, queue group `ariproxy` | [`Request`] of a create kind -> [`Response`] with the new resource's `key` |
//!
//! Which class a request kind travels in is [`RequestKind::class`]. A
//! request whose key names both the application and the node goes to
//! `<class>.<app>.<node>`: exactly one proxy answers. Without a node it goes
//! to `<class>.<app>`: every proxy of the application answers get, data and
//! command requests (the client keeps the first answer without an error, or
//! merges the `keys` of list answers), while create requests are taken by
//! one proxy of the queue group `ariproxy` (NATS picks one at random), which
//! is how a new call lands on some node. Replies go to the request's NATS
//! reply subject.
//!
//! # Keys
//!
//! A [`Key`] names a resource in the cluster: `kind` (`channel`, `bridge`,
//! ...), `id`, `node`, `app` and `dialog`; empty fields are left out of the
//! JSON and act as wildcards. Every key a proxy returns carries its `node`
//! and `app`, so an application that keeps the key reaches the resource's
//! node directly afterwards.
//!
//! # Dialogs
//!
//! A request whose key has a `dialog` binds the resources it touches or
//! creates (the channel, a new playback, recording, bridge, snoop channel)
//! to that dialog on the proxy that served it; afterwards every event
//! naming a bound resource is also published on `ari.dialogevent.<dialog>`
//! with `"dialog": "<dialog>"` in the event. An application instance that
//! originates a call under a dialog of its own thus receives that call's
//! events, whichever instance received the `StasisStart`.
//!
//! # Node identity
//!
//! The Go proxy names a node by Asterisk's entity id (`asterisk_id`, derived
//! from a MAC address): two Asterisks in containers or on cloned machines
//! share it and their calls get mixed up (ari-proxy issues 31 and 47). Here
//! a node is named by the proxy's configuration (a name unique in the
//! cluster; the proxy's default is derived from the host name and the ARI
//! URL, so two Asterisks on one host differ). The [`Announcement`] carries
//! both the node name and Asterisk's entity id, and a random `instance` per
//! proxy process, by which a proxy notices another one announcing its node
//! name and refuses to start.
//!
//! # Deliberate differences from the Go ari-proxy
//!
//! Each keeps Go applications working against this proxy:
//!
//! - **Node name.** `node` is the configured name, not Asterisk's entity id.
//!   Because Go applications build keys from an event's `asterisk_id`, the
//!   proxy sets `asterisk_id` in every event it publishes to the node name
//!   and keeps Asterisk's own value in `asterisk_entity_id` (only when they
//!   differ). Configure the node name to the entity id to get Go's naming
//!   back.
//! - **Announcement.** Carries `asterisk_id`, `instance` and `last_sequence` besides `node`
//!   and `application` (Go decoders ignore the extra fields).
//! - **One proxy, several applications.** One process serves every
//!   application it is configured with over one websocket, and announces
//!   and subscribes per application (Go runs one proxy per application).
//! - **Events verbatim.** The Go proxy decodes each event into its own
//!   structs and encodes it again, dropping what they lack; this proxy
//!   forwards Asterisk's JSON unchanged but for `asterisk_id` (and `dialog`
//!   on dialog subjects).
//! - **Typed errors.** The `error` string is kept (`"Not found"` for a 404,
//!   so Go's `IsNotFound` works, which it never does with the Go proxy's
//!   wrapped messages), and an `error_detail` object adds the class, the HTTP
//!   status and Asterisk's message ([`ErrorDetail`]).
//! - **Dialog bindings end.** A binding is removed when its resource ends
//!   (`ChannelDestroyed`, `BridgeDestroyed`, `PlaybackFinished`,
//!   `RecordingFinished`, `RecordingFailed`); Go keeps them forever.
//! - **Entity data** is Asterisk's JSON of the resource plus `key`
//!   ([`Entity`]), as Go's structs encode it, but with every field Asterisk
//!   sent, not only those Go knows.
//! - **A node whose Asterisk is unreachable leaves the create queue
//!   group** until its websocket is back, so creations without a node land
//!   on nodes that can serve them (a Go proxy stays in the group and
//!   answers `ARI connection is down`); requests addressed to the node are
//!   still answered, with [`ErrorClass::Unavailable`], and the node is not
//!   announced (neither to pings nor on its ticks) until it is back, when
//!   it announces itself at once.
//! - **A create for an application not served**, taken from the queue group
//!   on the bare `ari.create`, is answered with an error (a Go proxy would
//!   serve it as its own application).
//! - **Verbatim REST and sequence headers** are additions (below): a Go
//!   client never sends `AriRest` and ignores the headers.
//! - **Not served (yet):** the configuration, logging-channel and module
//!   kinds (`AsteriskConfig*`, `AsteriskLogging*`, `AsteriskModule*`)
//!   answer `Not implemented` ([`ErrorClass::NotImplemented`]); RabbitMQ is
//!   not a transport.
//!
//! # Persistence (an addition)
//!
//! A proxy may keep the events in a JetStream stream capturing
//! `<prefix>event.>` (its name is configuration; the stream is shared by
//! every proxy). Each event is published with the header `Nats-Msg-Id:
//! <node>-<instance>-<sequence>`, so a retried publish is stored once. Plain
//! subscribers see no difference; an application that reads through a
//! durable consumer of the stream (filtered on `ari.event.<app>.>`) resumes
//! after a restart where it stopped.
//!
//! # Verbatim REST (an addition)
//!
//! The typed kinds cover what Go's client can ask, not every operation of
//! every Asterisk release. The Rust SDK sends each operation through the
//! proxy as the kind `AriRest` instead, without a kind per operation: the
//! request's `ari_rest` field ([`AriRest`]) holds the HTTP method (`GET`,
//! `POST`, `PUT` or `DELETE`), the path below `/ari` (percent-encoded,
//! starting with `/`), the query as an array of `[name, value]` pairs and
//! the JSON body; the proxy sends it to its Asterisk as given and answers
//! with the response's `ari_rest` field ([`AriRestAnswer`]): the HTTP
//! status, and the body verbatim (`body` when it is UTF-8, `body_base64`
//! otherwise, as for a recording's file).
//!
//! ```json
//! {"kind":"AriRest","key":{"node":"pbx-1","app":"demo"},
//!  "ari_rest":{"method":"POST","path":"/channels",
//!              "query":[["endpoint","PJSIP/100"],["app","demo"]],
//!              "body":{"variables":{"A":"1"}}}}
//! {"error":"","ari_rest":{"status":200,"body":"{\"id\":\"1700000000.1\",...}"}}
//! ```
//!
//! An HTTP error status is an answer like any other (`"error":""`,
//! `ari_rest.status` 404 and Asterisk's message in `ari_rest.body`), so the
//! application reads it as it would read Asterisk's own. `error` is set
//! only when no answer came from Asterisk: the proxy's ARI connection is
//! down ([`ErrorClass::Unavailable`]) or failed
//! ([`ErrorClass::Transport`]), the request is malformed (no `ari_rest`,
//! another method, a path not starting with `/`:
//! [`ErrorClass::InvalidRequest`]), or the application is not served.
//!
//! [`RequestKind::class`] is `command` for `AriRest`, but a proxy serves it
//! on every class subject (`get`, `data`, `command` and `create`, with and
//! without the node), so a client picks the class for its routing: `create`
//! to have one proxy of the queue group take a creation, `<class>.<app>.<node>`
//! to reach the node that owns a resource. No dialog is bound by it. A Go
//! proxy answers it `Not implemented`.
//!
//! # Sequence headers (an addition)
//!
//! Every event on `ari.event.<app>.<node>` (on core NATS, and through the
//! JetStream store alike; not the `ari.dialogevent` copies) carries two NATS
//! headers:
//!
//! - [`INSTANCE_HEADER`] `Ari-Proxy-Instance`: the publishing proxy
//!   process's `instance`, as in its [`Announcement`];
//! - [`SEQUENCE_HEADER`] `Ari-Proxy-Seq`: a decimal number per instance and
//!   application: 1 for the application's first event, one more for each
//!   next.
//!
//! Events the proxy loses before publishing keep their numbers: one whose
//! publish failed for good leaves its gap; events missed on Asterisk's
//! websocket (the proxy fell behind) or that it refused (a frame that does
//! not decode, an event without an application) advance the numbering of
//! their application, or of every application the proxy serves when which
//! one is unknown, as it is for missed events. A receiver counts what it
//! lost between two events of one instance as `seq - last_seq - 1`: exact
//! when the application is known, never less than what it lost otherwise.
//! A new instance (a restarted proxy) starts again at 1. Through JetStream,
//! an event the proxy had to publish again may be stored after later ones:
//! it comes with its own, lower number. Go clients ignore headers.
//!
//! Each [`Announcement`] also carries `last_sequence`, the last number the
//! proxy process gave an event of the application, so that a receiver
//! learns of events lost at the end of a burst, which no later event's
//! number would reveal.
//!
//! # Example
//!
//! ```
//! use ari_proxy_protocol::{Key, Request, RequestKind, Subjects};
//!
//! let subjects = Subjects::default();
//! let key = Key::channel("1700000000.1").on("demo", "pbx-2");
//! let request = Request::new(RequestKind::ChannelAnswer, key.clone());
//! let subject = subjects.request_for(&request, "demo")?;
//! assert_eq!(subject, "ari.command.demo.pbx-2");
//! let json = serde_json::to_string(&request)?;
//! assert_eq!(
//!     json,
//!     r#"{"kind":"ChannelAnswer","key":{"kind":"channel","id":"1700000000.1","node":"pbx-2","app":"demo"}}"#
//! );
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod announcement;
pub mod event;
mod key;
mod params;
mod request;
mod request_kind;
mod response;
mod rest;
mod subject;

pub use announcement::Announcement;
pub use key::{EntityKind, Key};
pub use params::*;
pub use request::Request;
pub use request_kind::{RequestClass, RequestKind};
pub use response::{
    Entity, EntityData, ErrorClass, ErrorDetail, ProxyError, Response, NOT_FOUND_TEXT,
    NOT_IMPLEMENTED_TEXT,
};
pub use rest::{AriRest, AriRestAnswer, INSTANCE_HEADER, SEQUENCE_HEADER};
pub use subject::{SubjectError, Subjects, CREATE_QUEUE_GROUP, DEFAULT_PREFIX};
