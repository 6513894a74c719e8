//! What the generator knows of ARI beyond the api-docs, for the handles: the
//! hand-kept tables of ARI facts, in one place.
//!
//! The api-docs describe resources, operations and models one by one; they
//! do not say which resources an application follows through their life,
//! which operations end them, or which methods the hand-written handles
//! (`ari_sdk::handles`) already have. Those facts are kept here:
//!
//! - [`FOLLOWED`]: the kinds of resource the handles follow (channel,
//!   bridge, playback, live recording), one row per kind with everything
//!   the generator needs of it: its model and id, its resource and path,
//!   the operation that fetches its snapshot, its handle and the trait of
//!   the operations every major has. The handles' methods, the
//!   `VersionApi` impl, `Event::for_each_resource` and the type aliases are
//!   all generated from these rows.
//! - [`ENDING_OPERATIONS`]: the operations that end their object, where a
//!   404 means "already done" (`ok_if_gone`).
//! - [`BY_HAND`]: the operations the handles do by hand, so no method is
//!   generated for them.
//! - [`RESERVED`]: the names of the hand-written handles' own methods, which
//!   no generated method may take.
//!
//! Beside it, the other hand-kept knowledge: [`fixups`](crate::fixups) (what
//! the api-docs get wrong or cannot say) and `knowledge` (our own one-line
//! summaries).

/// A kind of resource the handles follow.
pub struct Followed {
    /// The `ResourceKind` variant.
    pub kind: &'static str,
    /// What the docs call one ("live recording").
    pub noun: &'static str,
    /// Its model.
    pub model: &'static str,
    /// The model's id field (wire name).
    pub id_field: &'static str,
    /// Whether the model has a `target_uri` naming the channel or bridge.
    pub targets: bool,
    /// The resource of its operations.
    pub resource: &'static str,
    /// The path parameter naming it.
    pub id_param: &'static str,
    /// The paths of its operations start with this and the id.
    pub path_prefix: &'static str,
    /// The operation (nickname) that fetches its snapshot.
    pub get: &'static str,
    /// The runtime's handle type.
    pub handle: &'static str,
    /// The trait (`ari_sdk::handles::ChannelOps`, ...) of its operations
    /// that every major has with the same shape (the id and nothing else),
    /// for code generic over majors: the snapshot's GET and
    /// [`common_ops`](Followed::common_ops). A major without one of them
    /// fails to generate.
    pub ops_trait: &'static str,
    /// The operations (nicknames) of [`ops_trait`](Followed::ops_trait)
    /// besides the GET, each answered with nothing.
    pub common_ops: &'static [&'static str],
}

/// The kinds of resource the handles follow, in the order the generated
/// code lists them.
pub const FOLLOWED: &[Followed] = &[
    Followed {
        kind: "Channel",
        noun: "channel",
        model: "Channel",
        id_field: "id",
        targets: false,
        resource: "channels",
        id_param: "channelId",
        path_prefix: "/channels/",
        get: "get",
        handle: "ChannelHandle",
        ops_trait: "ChannelOps",
        common_ops: &[
            "answer",
            "hangup",
            "continueInDialplan",
            "ring",
            "ringStop",
            "hold",
            "unhold",
            "startMoh",
            "stopMoh",
            "startSilence",
            "stopSilence",
        ],
    },
    Followed {
        kind: "Bridge",
        noun: "bridge",
        model: "Bridge",
        id_field: "id",
        targets: false,
        resource: "bridges",
        id_param: "bridgeId",
        path_prefix: "/bridges/",
        get: "get",
        handle: "BridgeHandle",
        ops_trait: "BridgeOps",
        common_ops: &["destroy", "startMoh", "stopMoh"],
    },
    Followed {
        kind: "Playback",
        noun: "playback",
        model: "Playback",
        id_field: "id",
        targets: true,
        resource: "playbacks",
        id_param: "playbackId",
        path_prefix: "/playbacks/",
        get: "get",
        handle: "PlaybackHandle",
        ops_trait: "PlaybackOps",
        common_ops: &["stop"],
    },
    Followed {
        kind: "LiveRecording",
        noun: "live recording",
        model: "LiveRecording",
        id_field: "name",
        targets: true,
        resource: "recordings",
        id_param: "recordingName",
        path_prefix: "/recordings/live/",
        get: "getLive",
        handle: "LiveRecordingHandle",
        ops_trait: "LiveRecordingOps",
        common_ops: &["stop", "cancel", "pause", "unpause", "mute", "unmute"],
    },
];

/// The operations that end a handle's object (`resource`, `nickname`): on a
/// handle, a 404 means it has already ended, which is what was asked. Their
/// request builders get `ok_if_gone`, and the handles' methods set it.
pub const ENDING_OPERATIONS: &[(&str, &str)] = &[
    ("channels", "hangup"),
    ("bridges", "destroy"),
    ("playbacks", "stop"),
];

/// Whether `resource.nickname` ends its object (see [`ENDING_OPERATIONS`]).
pub fn ends_object(resource: &str, nickname: &str) -> bool {
    ENDING_OPERATIONS.contains(&(resource, nickname))
}

/// Operations (nicknames) the channel and bridge handles do by hand:
/// `play` and `record` start staged and give handles (`handles/media.rs`),
/// awaited to their end by default. The raw requests stay on `ari()`.
pub const BY_HAND: &[&str] = &["play", "playWithId", "record"];

/// Names the hand-written handles define: a generated method of the same
/// name would clash.
pub const RESERVED: &[&str] = &[
    "id",
    "ari",
    "app",
    "events",
    "ended",
    "end_reason",
    "play",
    "record",
    "prompt",
    "target",
    "finished",
    "from_core",
    "clone",
    "fmt",
];
