//! `handles.rs` of a version module, and the events' resource accessors.
//!
//! The handles themselves (`ari_sdk::handles`) are hand-written and generic;
//! what differs by release is generated here, and none of it waits:
//!
//! - the module's names for the generic types (`pub type ChannelHandle =
//!   ChannelHandle<Ari>`) and `Ari::stasis_app`;
//! - on each handle, one method per operation of its resource whose path
//!   starts with the resource's id, returning the group method's builder;
//! - `impl VersionApi for Ari`: the few requests the handles send, built
//!   with this release's parameter types;
//! - `impl ResourceEvent for Event`: the lifecycle meaning of events;
//! - on `Event`, [`event_resource_methods`]: `for_each_resource` and
//!   `concerns`, from every event field typed as a followed model.

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

use crate::context::{
    ident_text, Context, FieldInfo, ModelInfo, OperationInfo, ParamKind, ResourceInfo,
};
use crate::resources::doc_link;
use crate::{emit, names, CodegenError, GeneratedFile, Runtime};
use ari_spec::swagger::HttpMethod;
use ari_spec::DataType;

/// A followed kind of resource: its runtime name, model, id field, and the
/// resource (and path prefix) of its operations.
struct Followed {
    kind: &'static str,
    model: &'static str,
    id_field: &'static str,
    /// Whether the model has a `target_uri` naming the channel or bridge.
    targets: bool,
    resource: &'static str,
    id_param: &'static str,
    path_prefix: &'static str,
    handle: &'static str,
}

const FOLLOWED: &[Followed] = &[
    Followed {
        kind: "Channel",
        model: "Channel",
        id_field: "id",
        targets: false,
        resource: "channels",
        id_param: "channelId",
        path_prefix: "/channels/",
        handle: "ChannelHandle",
    },
    Followed {
        kind: "Bridge",
        model: "Bridge",
        id_field: "id",
        targets: false,
        resource: "bridges",
        id_param: "bridgeId",
        path_prefix: "/bridges/",
        handle: "BridgeHandle",
    },
    Followed {
        kind: "Playback",
        model: "Playback",
        id_field: "id",
        targets: true,
        resource: "playbacks",
        id_param: "playbackId",
        path_prefix: "/playbacks/",
        handle: "PlaybackHandle",
    },
    Followed {
        kind: "LiveRecording",
        model: "LiveRecording",
        id_field: "name",
        targets: true,
        resource: "recordings",
        id_param: "recordingName",
        path_prefix: "/recordings/live/",
        handle: "LiveRecordingHandle",
    },
];

/// Operations (nicknames) the channel and bridge handles do by hand:
/// `play` and `record` start staged and give handles (`handles/media.rs`),
/// awaited to their end by default. The raw requests stay on `ari()`.
const BY_HAND: &[&str] = &["play", "playWithId", "record"];

/// Names the hand-written handles define: a generated method of the same
/// name would clash.
const RESERVED: &[&str] = &[
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

fn model<'c>(ctx: &'c Context<'_>, name: &str) -> Option<&'c ModelInfo> {
    ctx.models.iter().find(|m| m.name == name)
}

fn field<'m>(model: &'m ModelInfo, wire: &str) -> Option<&'m FieldInfo> {
    model.fields.iter().find(|f| f.wire == wire)
}

/// Whether the module has what the handles need: the four resources and
/// their models (the generator's own test fixture has none of them).
pub fn applies(ctx: &Context<'_>) -> bool {
    ctx.options.runtime == Runtime::Crate
        && !ctx.events.is_empty()
        && FOLLOWED.iter().all(|f| {
            ctx.resources.iter().any(|r| r.name == f.resource) && model(ctx, f.model).is_some()
        })
}

/// The statements calling `f` for the resources a value of model `model`
/// names: its id, and the channel or bridge its `target_uri` names.
fn report(ctx: &Context<'_>, followed: &Followed, value: &TokenStream) -> TokenStream {
    let rt = &ctx.rt;
    let kind = format_ident!("{}", followed.kind);
    let Some(info) = model(ctx, followed.model) else {
        return quote!();
    };
    let id = match field(info, followed.id_field) {
        Some(id) if id.data_type == "string" => {
            let ident = &id.ident;
            if id.required {
                quote! { f(#rt::ResourceKind::#kind, &#value.#ident); }
            } else {
                quote! { if let Some(id) = &#value.#ident { f(#rt::ResourceKind::#kind, id); } }
            }
        }
        _ => quote!(),
    };
    let target = match field(info, "target_uri") {
        Some(t) if followed.targets && t.data_type == "string" => {
            let ident = &t.ident;
            if t.required {
                quote! { #rt::for_each_target(&#value.#ident, f); }
            } else {
                quote! { if let Some(uri) = &#value.#ident { #rt::for_each_target(uri, f); } }
            }
        }
        _ => quote!(),
    };
    quote! { #id #target }
}

/// `Event::for_each_resource` and `Event::concerns`, for every module.
pub fn event_resource_methods(ctx: &Context<'_>) -> TokenStream {
    let rt = &ctx.rt;
    let mut arms = Vec::new();
    for name in &ctx.events {
        let Some(event) = model(ctx, name) else {
            continue;
        };
        let mut statements = Vec::new();
        for f in &event.fields {
            let (data_type, list) = match DataType::parse(&f.data_type) {
                DataType::List(inner) => (*inner, true),
                other => (other, false),
            };
            let DataType::Model(model_name) = data_type else {
                continue;
            };
            let Some(followed) = FOLLOWED.iter().find(|x| x.model == model_name) else {
                continue;
            };
            let ident = &f.ident;
            let value = quote!(value);
            let body = report(ctx, followed, &value);
            statements.push(match (f.required, list) {
                (true, false) => quote! { { let value = &e.#ident; #body } },
                (false, false) => quote! { if let Some(value) = &e.#ident { #body } },
                (true, true) => quote! { for value in &e.#ident { #body } },
                (false, true) => quote! {
                    if let Some(values) = &e.#ident { for value in values { #body } }
                },
            });
        }
        if !statements.is_empty() {
            let variant = names::type_ident(name);
            arms.push(quote! { Event::#variant(e) => { #(#statements)* } });
        }
    }
    // A module whose events carry no followed resource (the generator's
    // own fixture) reports nothing.
    let body = if arms.is_empty() {
        quote!(let _ = f;)
    } else {
        quote! {
            match self {
                #(#arms)*
                _ => {}
            }
        }
    };
    quote! {
        impl Event {
            /// Calls `f` with every channel, bridge, playback and live
            /// recording the event carries, and the channel or bridge a
            /// carried playback or recording runs on (its `target_uri`).
            pub fn for_each_resource(&self, f: &mut dyn FnMut(#rt::ResourceKind, &str)) {
                #body
            }

            /// Whether the event is about the resource `kind` `id` (see
            /// [`Event::for_each_resource`]): what a handle's events are
            /// filtered on, without decoding anything again.
            pub fn concerns(&self, kind: #rt::ResourceKind, id: &str) -> bool {
                let mut found = false;
                self.for_each_resource(&mut |k, i| found = found || (k == kind && i == id));
                found
            }
        }
    }
}

/// A value the handles hand to a request, before it meets the parameter.
enum Given {
    /// A `&str` for a path parameter.
    Id(TokenStream),
    /// A `&str` or `String`.
    Str(TokenStream),
    /// A `Vec<String>`.
    Strs(TokenStream),
    /// An `Option<&str>`.
    OptStr(TokenStream),
    /// An `Option<i64>`.
    OptInt(TokenStream),
    /// An `Option<bool>`.
    OptBool(TokenStream),
}

/// The expression turning `given` (named `value` when optional) into the
/// argument of a parameter of kind `kind`.
fn convert(
    module: &Ident,
    kind: &ParamKind,
    given: &Given,
    op: &str,
    wire: &str,
) -> Result<TokenStream, CodegenError> {
    let mismatch = || CodegenError::BadOperation {
        operation: op.to_string(),
        problem: format!("parameter `{wire}` has a type the handles cannot fill"),
    };
    let value = match given {
        Given::Id(e) | Given::Str(e) | Given::Strs(e) => e.clone(),
        Given::OptStr(_) | Given::OptInt(_) | Given::OptBool(_) => quote!(value),
    };
    Ok(match (kind, given) {
        (ParamKind::Path, Given::Id(_)) => value,
        (ParamKind::Str, Given::Str(_) | Given::OptStr(_)) => value,
        (ParamKind::Str, Given::Strs(_)) => quote!(#value.join(",")),
        (ParamKind::StrList, Given::Strs(_)) => value,
        (ParamKind::StrList, Given::Str(_) | Given::OptStr(_)) => quote!([#value]),
        (ParamKind::Enum(e), Given::Str(_) | Given::OptStr(_)) => {
            quote!(super::#module::#e::from_wire(#value))
        }
        (ParamKind::EnumList(e), Given::Strs(_)) => {
            quote!(#value.iter().map(|v| super::#module::#e::from_wire(v)))
        }
        (ParamKind::Int, Given::OptInt(_)) | (ParamKind::Bool, Given::OptBool(_)) => value,
        _ => return Err(mismatch()),
    })
}

/// `Some(request)` of `resource.nickname` with the given parameters, or
/// `None` when the release has no such operation.
fn request_of(
    ctx: &Context<'_>,
    resource: &str,
    nickname: &str,
    given: &[(&str, Given)],
) -> Result<Option<TokenStream>, CodegenError> {
    let Some(res) = ctx.resources.iter().find(|r| r.name == resource) else {
        return Ok(None);
    };
    let Some(op) = res.operations.iter().find(|o| o.nickname == nickname) else {
        return Ok(None);
    };
    let module = &res.module;
    let method = &op.method_ident;
    let op_name = format!("{resource}.{nickname}");
    let find = |wire: &str| given.iter().find(|(w, _)| *w == wire).map(|(_, g)| g);
    let mut args = Vec::new();
    for p in op.path_params.iter().chain(&op.required) {
        let Some(value) = find(&p.wire) else {
            return Err(CodegenError::BadOperation {
                operation: op_name,
                problem: format!("the handles give no value for required `{}`", p.wire),
            });
        };
        if matches!(
            value,
            Given::OptStr(_) | Given::OptInt(_) | Given::OptBool(_)
        ) {
            return Err(CodegenError::BadOperation {
                operation: op_name,
                problem: format!("required `{}` is optional for the handles", p.wire),
            });
        }
        args.push(convert(module, &p.kind, value, &op_name, &p.wire)?);
    }
    let mut setters = Vec::new();
    for p in &op.optional {
        let Some(value) = find(&p.wire) else {
            continue;
        };
        let setter = &p.ident;
        let arg = convert(module, &p.kind, value, &op_name, &p.wire)?;
        setters.push(match value {
            Given::OptStr(e) | Given::OptInt(e) | Given::OptBool(e) => quote! {
                let builder = match #e { Some(value) => builder.#setter(#arg), None => builder };
            },
            _ => quote! { let builder = builder.#setter(#arg); },
        });
    }
    Ok(Some(quote! {
        {
            let builder = self.#module().#method(#(#args),*);
            #(#setters)*
            builder.into_request()
        }
    }))
}

fn required_request(
    ctx: &Context<'_>,
    resource: &str,
    nickname: &str,
    given: &[(&str, Given)],
) -> Result<TokenStream, CodegenError> {
    request_of(ctx, resource, nickname, given)?.ok_or_else(|| CodegenError::BadOperation {
        operation: format!("{resource}.{nickname}"),
        problem: "the handles need this operation, which the release does not have".into(),
    })
}

fn optional(request: Option<TokenStream>) -> TokenStream {
    match request {
        Some(request) => quote!(Some(#request)),
        None => quote!(None),
    }
}

/// `impl VersionApi for Ari`.
fn version_api(ctx: &Context<'_>) -> Result<TokenStream, CodegenError> {
    let rt = &ctx.rt;
    let id = |name: &str| {
        let ident = format_ident!("{}", name);
        Given::Id(quote!(#ident))
    };
    let get_arms = [
        ("Channel", "channels", "get", "channelId"),
        ("Bridge", "bridges", "get", "bridgeId"),
        ("Playback", "playbacks", "get", "playbackId"),
        ("LiveRecording", "recordings", "getLive", "recordingName"),
    ]
    .iter()
    .map(|(kind, resource, nickname, param)| {
        let kind = format_ident!("{}", kind);
        let request = optional(request_of(ctx, resource, nickname, &[(param, id("id"))])?);
        Ok(quote! { #rt::ResourceKind::#kind => #request, })
    })
    .collect::<Result<Vec<_>, CodegenError>>()?;
    let play = |resource: &str, param: &'static str| {
        request_of(
            ctx,
            resource,
            "playWithId",
            &[
                (param, id("target_id")),
                ("playbackId", id("playback_id")),
                ("media", Given::Strs(quote!(media))),
            ],
        )
        .map(optional)
    };
    let play_channel = play("channels", "channelId")?;
    let play_bridge = play("bridges", "bridgeId")?;
    let record = |resource: &str, param: &'static str| {
        request_of(
            ctx,
            resource,
            "record",
            &[
                (param, id("target_id")),
                (
                    "name",
                    Given::Str(quote!(options.name.as_deref().unwrap_or_default())),
                ),
                ("format", Given::Str(quote!(options.format.as_str()))),
                (
                    "maxDurationSeconds",
                    Given::OptInt(quote!(options.max_duration_seconds)),
                ),
                (
                    "maxSilenceSeconds",
                    Given::OptInt(quote!(options.max_silence_seconds)),
                ),
                (
                    "ifExists",
                    Given::OptStr(quote!(options.if_exists.map(|policy| policy.as_str()))),
                ),
                ("beep", Given::OptBool(quote!(options.beep))),
                (
                    "terminateOn",
                    Given::OptStr(quote!(options.terminate_on.map(|key| key.as_str()))),
                ),
            ],
        )
        .map(optional)
    };
    let record_channel = record("channels", "channelId")?;
    let record_bridge = record("bridges", "bridgeId")?;
    let stop_playback = required_request(
        ctx,
        "playbacks",
        "stop",
        &[("playbackId", id("playback_id"))],
    )?;
    let create_bridge = required_request(
        ctx,
        "bridges",
        "createWithId",
        &[
            ("bridgeId", id("bridge_id")),
            ("type", Given::Strs(quote!(types))),
        ],
    )?;
    let add_channels = required_request(
        ctx,
        "bridges",
        "addChannel",
        &[
            ("bridgeId", id("bridge_id")),
            ("channel", Given::Strs(quote!(channels))),
        ],
    )?;
    let claim = request_of(
        ctx,
        "events",
        "claimChannel",
        &[
            ("channelId", Given::Str(quote!(channel_id))),
            ("application", Given::Str(quote!(application))),
        ],
    )?
    .map(|request| quote!(Some(#request)))
    // A major without broadcast (before 20).
    .unwrap_or_else(|| {
        quote!({
            let _ = (channel_id, application);
            None
        })
    });
    Ok(quote! {
        impl #rt::VersionApi for Ari {
            type Event = Event;

            fn http(&self) -> &#rt::Client {
                &self.client
            }

            fn connect_events(&self) -> ::std::result::Result<#rt::EventStream<Event>, #rt::StreamError> {
                self.event_stream()
            }

            fn get_request(&self, kind: #rt::ResourceKind, id: &str) -> Option<#rt::Request> {
                match kind {
                    #(#get_arms)*
                }
            }

            fn play_request(
                &self,
                target: #rt::ResourceKind,
                target_id: &str,
                playback_id: &str,
                media: Vec<String>,
            ) -> Option<#rt::Request> {
                match target {
                    #rt::ResourceKind::Channel => #play_channel,
                    #rt::ResourceKind::Bridge => #play_bridge,
                    _ => None,
                }
            }

            fn stop_playback_request(&self, playback_id: &str) -> #rt::Request {
                #stop_playback
            }

            fn record_request(
                &self,
                target: #rt::ResourceKind,
                target_id: &str,
                options: &#rt::RecordOptions,
            ) -> Option<#rt::Request> {
                match target {
                    #rt::ResourceKind::Channel => #record_channel,
                    #rt::ResourceKind::Bridge => #record_bridge,
                    _ => None,
                }
            }

            fn create_bridge_request(&self, bridge_id: &str, types: Vec<String>) -> #rt::Request {
                #create_bridge
            }

            fn claim_request(&self, channel_id: &str, application: &str) -> Option<#rt::Request> {
                #claim
            }

            fn add_channels_request(&self, bridge_id: &str, channels: Vec<String>) -> #rt::Request {
                #add_channels
            }
        }
    })
}

/// Checks that `event` has `wire` of type `data_type`, required.
fn required_field<'m>(
    event: &'m ModelInfo,
    wire: &str,
    data_type: &str,
) -> Result<&'m Ident, CodegenError> {
    match field(event, wire) {
        Some(f) if f.required && f.data_type == data_type => Ok(&f.ident),
        _ => Err(CodegenError::BadOperation {
            operation: event.name.clone(),
            problem: format!("the handles need a required `{wire}` of type `{data_type}`"),
        }),
    }
}

/// The model's required string id field (`Channel.id`, `LiveRecording.name`).
fn id_field<'c>(
    ctx: &'c Context<'_>,
    model_name: &str,
    wire: &str,
) -> Result<&'c Ident, CodegenError> {
    let info = model(ctx, model_name).ok_or_else(|| CodegenError::UnknownModel {
        owner: "handles".into(),
        model: model_name.into(),
    })?;
    required_field(info, wire, "string")
}

/// `impl ResourceEvent for Event`.
fn resource_event(ctx: &Context<'_>) -> Result<TokenStream, CodegenError> {
    let rt = &ctx.rt;
    let channel_id = id_field(ctx, "Channel", "id")?;
    let bridge_id = id_field(ctx, "Bridge", "id")?;
    let playback_id = id_field(ctx, "Playback", "id")?;
    let recording_name = id_field(ctx, "LiveRecording", "name")?;
    let recording_cause = model(ctx, "LiveRecording")
        .and_then(|m| field(m, "cause"))
        .filter(|f| f.data_type == "string")
        .map(|f| {
            let ident = &f.ident;
            if f.required {
                quote!(Some(e.recording.#ident.as_str()))
            } else {
                quote!(e.recording.#ident.as_deref())
            }
        })
        .unwrap_or_else(|| quote!(None));
    let event = |name: &str| {
        ctx.events
            .iter()
            .any(|e| e == name)
            .then(|| model(ctx, name))
            .flatten()
    };
    let mut arms = Vec::new();
    let s = quote!(#rt::Signal);
    if let Some(m) = event("StasisStart") {
        let channel = required_field(m, "channel", "Channel")?;
        let args = required_field(m, "args", "List[string]")?;
        arms.push(quote! {
            Event::StasisStart(e) => #s::StasisStart {
                channel: &e.#channel,
                channel_id: &e.#channel.#channel_id,
                args: &e.#args,
            },
        });
    }
    if let Some(m) = event("StasisEnd") {
        let channel = required_field(m, "channel", "Channel")?;
        arms.push(quote! {
            Event::StasisEnd(e) => #s::StasisEnd { channel_id: &e.#channel.#channel_id },
        });
    }
    if let Some(m) = event("ChannelDestroyed") {
        let channel = required_field(m, "channel", "Channel")?;
        let cause = required_field(m, "cause", "int")?;
        let cause_txt = required_field(m, "cause_txt", "string")?;
        arms.push(quote! {
            Event::ChannelDestroyed(e) => #s::ChannelDestroyed {
                channel_id: &e.#channel.#channel_id,
                cause: e.#cause,
                cause_txt: &e.#cause_txt,
            },
        });
    }
    if let Some(m) = event("ChannelDtmfReceived") {
        let channel = required_field(m, "channel", "Channel")?;
        let digit = required_field(m, "digit", "string")?;
        arms.push(quote! {
            Event::ChannelDtmfReceived(e) => #s::Dtmf {
                channel_id: &e.#channel.#channel_id,
                digit: &e.#digit,
            },
        });
    }
    if let Some(m) = event("PlaybackStarted") {
        let playback = required_field(m, "playback", "Playback")?;
        arms.push(quote! {
            Event::PlaybackStarted(e) => #s::PlaybackStarted { playback_id: &e.#playback.#playback_id },
        });
    }
    if let Some(m) = event("PlaybackFinished") {
        let playback = required_field(m, "playback", "Playback")?;
        let state = id_field(ctx, "Playback", "state")?;
        arms.push(quote! {
            Event::PlaybackFinished(e) => #s::PlaybackFinished {
                playback: &e.#playback,
                playback_id: &e.#playback.#playback_id,
                state: e.#playback.#state.as_str(),
            },
        });
    }
    if let Some(m) = event("RecordingStarted") {
        let recording = required_field(m, "recording", "LiveRecording")?;
        arms.push(quote! {
            Event::RecordingStarted(e) => #s::RecordingStarted { name: &e.#recording.#recording_name },
        });
    }
    if let Some(m) = event("RecordingFinished") {
        let recording = required_field(m, "recording", "LiveRecording")?;
        arms.push(quote! {
            Event::RecordingFinished(e) => #s::RecordingFinished {
                recording: &e.#recording,
                name: &e.#recording.#recording_name,
            },
        });
    }
    if let Some(m) = event("RecordingFailed") {
        let recording = required_field(m, "recording", "LiveRecording")?;
        arms.push(quote! {
            Event::RecordingFailed(e) => #s::RecordingFailed {
                recording: &e.#recording,
                name: &e.#recording.#recording_name,
                cause: #recording_cause,
            },
        });
    }
    if let Some(m) = event("CallBroadcast") {
        let channel = required_field(m, "channel", "Channel")?;
        let application = required_field(m, "application", "string")?;
        let text = |wire: &str| match field(m, wire).filter(|f| f.data_type == "string") {
            Some(f) if f.required => {
                let ident = &f.ident;
                quote!(Some(e.#ident.as_str()))
            }
            Some(f) => {
                let ident = &f.ident;
                quote!(e.#ident.as_deref())
            }
            None => quote!(None),
        };
        let (caller, called) = (text("caller"), text("called"));
        arms.push(quote! {
            Event::CallBroadcast(e) => #s::CallBroadcast {
                channel_id: &e.#channel.#channel_id,
                application: &e.#application,
                caller: #caller,
                called: #called,
            },
        });
    }
    if let Some(m) = event("BridgeDestroyed") {
        let bridge = required_field(m, "bridge", "Bridge")?;
        arms.push(quote! {
            Event::BridgeDestroyed(e) => #s::BridgeDestroyed { bridge_id: &e.#bridge.#bridge_id },
        });
    }
    Ok(quote! {
        impl #rt::ResourceEvent for Event {
            type Channel = Channel;
            type Playback = Playback;
            type LiveRecording = LiveRecording;

            fn for_each_resource(&self, f: &mut dyn FnMut(#rt::ResourceKind, &str)) {
                Event::for_each_resource(self, f)
            }

            fn signal(&self) -> #rt::Signal<'_, Event> {
                match self {
                    #(#arms)*
                    _ => #s::Other,
                }
            }
        }
    })
}

/// The operations of one handle.
fn handle_operations(
    ctx: &Context<'_>,
    followed: &Followed,
    resource: &ResourceInfo,
) -> Result<TokenStream, CodegenError> {
    let rt = &ctx.rt;
    let handle = format_ident!("{}", followed.handle);
    let module = &resource.module;
    let exact = format!("{}{{{}}}", followed.path_prefix, followed.id_param);
    let mut methods = Vec::new();
    for op in &resource.operations {
        if !operates_on(op, followed) {
            continue;
        }
        // Creating under a chosen id is not an operation on the resource.
        if op.path == exact && op.method == HttpMethod::Post {
            continue;
        }
        if BY_HAND.contains(&op.nickname.as_str()) {
            continue;
        }
        let method = &op.method_ident;
        if RESERVED.contains(&ident_text(method).as_str()) {
            return Err(CodegenError::NameClash {
                scope: followed.handle.into(),
                name: ident_text(method),
                what: format!(
                    "operation {}.{} and a hand-written method",
                    resource.name, op.nickname
                ),
            });
        }
        let builder = format_ident!("{}", op.builder);
        let mut params = Vec::new();
        let mut args = Vec::new();
        for p in op.path_params.iter().skip(1).chain(&op.required) {
            let ident = &p.ident;
            let ty = match &p.kind {
                ParamKind::Enum(e) => quote!(super::#module::#e),
                ParamKind::EnumList(e) => quote!(impl IntoIterator<Item = super::#module::#e>),
                _ => crate::resources::arg_type(ctx, p),
            };
            params.push(quote!(#ident: #ty));
            args.push(quote!(#ident));
        }
        let doc = format!(
            " `{} {}` (`{}.{}`) on this {}: {}.",
            op.method.as_str(),
            op.path,
            resource.name,
            op.nickname,
            followed
                .kind
                .to_lowercase()
                .replace("liverecording", "live recording"),
            doc_link(
                &format!("{}::{}", resource.group, ident_text(method)),
                &format!("super::{}::{}::{}", module, resource.group, method)
            ),
        );
        // Our summary first where we wrote one; the factual line otherwise.
        let summary: Vec<String> =
            crate::knowledge::operation_summary(&resource.name, &op.nickname)
                .map(|s| format!(" {s}"))
                .into_iter()
                .collect();
        // Ending what is already gone is done, not an error, for a handle.
        let gone_is_done =
            ENDING_OPERATIONS.contains(&(resource.name.as_str(), op.nickname.as_str()));
        let call = if gone_is_done {
            quote!(self.ari().#module().#method(self.id(), #(#args),*).ok_if_gone())
        } else {
            quote!(self.ari().#module().#method(self.id(), #(#args),*))
        };
        let doc_gone: Vec<String> = gone_is_done
            .then(|| {
                format!(
                    " A {} that is already gone counts as done (not a 404 error).",
                    followed.kind.to_lowercase()
                )
            })
            .into_iter()
            .collect();
        methods.push(quote! {
            #(#[doc = #summary] #[doc = ""])*
            #[doc = #doc]
            #(#[doc = ""] #[doc = #doc_gone])*
            pub fn #method(&self, #(#params),*) -> super::#module::#builder {
                #call
            }
        });
    }
    Ok(quote! {
        impl #rt::#handle<Ari> {
            #(#methods)*
        }
    })
}

/// The handle operations every major has with the same shape (the id and
/// nothing else), which `ari_sdk::handles::{ChannelOps, ...}` declare for
/// code generic over majors: `(handle, trait, the snapshot's GET, the rest)`.
/// A major without one of them fails to generate.
const COMMON_OPERATIONS: &[(&str, &str, &str, &[&str])] = &[
    (
        "ChannelHandle",
        "ChannelOps",
        "get",
        &[
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
    ),
    (
        "BridgeHandle",
        "BridgeOps",
        "get",
        &["destroy", "startMoh", "stopMoh"],
    ),
    ("PlaybackHandle", "PlaybackOps", "get", &["stop"]),
    (
        "LiveRecordingHandle",
        "LiveRecordingOps",
        "getLive",
        &["stop", "cancel", "pause", "unpause", "mute", "unmute"],
    ),
];

/// `impl ChannelOps for ChannelHandle<Ari>` (and the others): each method
/// sends what the inherent method of the same name builds.
fn common_operations(
    ctx: &Context<'_>,
    followed: &Followed,
    resource: &ResourceInfo,
) -> Result<TokenStream, CodegenError> {
    let rt = &ctx.rt;
    let Some((_, trait_name, get, unit)) = COMMON_OPERATIONS
        .iter()
        .find(|(h, ..)| *h == followed.handle)
    else {
        return Ok(quote!());
    };
    let handle = format_ident!("{}", followed.handle);
    let trait_ident = format_ident!("{}", trait_name);
    let model = format_ident!("{}", followed.model);
    let method_of = |nickname: &str| {
        resource
            .operations
            .iter()
            .find(|op| op.nickname == nickname)
            .map(|op| op.method_ident.clone())
            .ok_or_else(|| CodegenError::BadOperation {
                operation: format!("{}.{nickname}", resource.name),
                problem: format!("missing, and `{trait_name}` needs it in every major"),
            })
    };
    let get_method = method_of(get)?;
    let mut methods = vec![quote! {
        fn #get_method(&self) -> #rt::ResponseFuture<super::#model> {
            #rt::#handle::<Ari>::#get_method(self).send()
        }
    }];
    for nickname in unit.iter() {
        let method = method_of(nickname)?;
        methods.push(quote! {
            fn #method(&self) -> #rt::ResponseFuture<()> {
                #rt::#handle::<Ari>::#method(self).send()
            }
        });
    }
    Ok(quote! {
        impl #rt::#trait_ident for #rt::#handle<Ari> {
            type Snapshot = super::#model;
            #(#methods)*
        }
    })
}

/// The operations that end a handle's object (`resource`, `nickname`): on a
/// handle, a 404 means it has already ended, which is what was asked.
pub(crate) const ENDING_OPERATIONS: &[(&str, &str)] = &[
    ("channels", "hangup"),
    ("bridges", "destroy"),
    ("playbacks", "stop"),
];

/// Whether the operation's path starts with the resource's id.
fn operates_on(op: &OperationInfo, followed: &Followed) -> bool {
    op.path_params
        .first()
        .is_some_and(|p| p.wire == followed.id_param)
        && op.path.starts_with(&format!(
            "{}{{{}}}",
            followed.path_prefix, followed.id_param
        ))
}

/// `handles.rs`.
pub fn handles_file(ctx: &Context<'_>) -> Result<GeneratedFile, CodegenError> {
    let rt = &ctx.rt;
    let major = ctx.options.major;
    let module_doc = format!(
        " The handles of Asterisk {major}: [`ari_sdk::handles`](crate::handles) for this module's [`Ari`]."
    );
    let mut operations = Vec::new();
    for followed in FOLLOWED {
        if let Some(resource) = ctx.resources.iter().find(|r| r.name == followed.resource) {
            operations.push(handle_operations(ctx, followed, resource)?);
            operations.push(common_operations(ctx, followed, resource)?);
        }
    }
    let version_api = version_api(ctx)?;
    let resource_event = resource_event(ctx)?;
    let alias = |name: &str, what: &str| {
        let ident = format_ident!("{}", name);
        let doc = format!(
            " {what} of Asterisk {major}: [`{name}`]({rt_path}::{name}) for this module.",
            rt_path = "crate::handles"
        );
        quote! {
            #[doc = #doc]
            pub type #ident = #rt::#ident<Ari>;
        }
    };
    let aliases = [
        alias("StasisApp", "A Stasis application"),
        alias("Call", "A call entering the application"),
        alias("ChannelHandle", "A channel"),
        alias("BridgeHandle", "A bridge"),
        alias("PlaybackHandle", "A playback"),
        alias("LiveRecordingHandle", "A live recording"),
    ];
    let tokens = quote! {
        #![doc = #module_doc]

        use super::{Ari, Channel, Event, LiveRecording, Playback};

        #(#aliases)*

        impl Ari {
            /// The Stasis application of the config's applications: connects the
            /// event stream and hands out calls and handles (see
            /// [`ari_sdk::handles`](crate::handles)). Needs a Tokio runtime.
            pub fn stasis_app(&self) -> ::std::result::Result<StasisApp, #rt::StreamError> {
                #rt::StasisApp::new(self.clone())
            }
        }

        #(#operations)*

        #version_api

        #resource_event
    };
    emit::file("handles.rs", &ctx.options.release, tokens)
}
