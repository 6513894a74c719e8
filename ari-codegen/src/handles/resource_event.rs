//! `impl ResourceEvent for Event`: what the events mean to the handles'
//! lifecycle (a call starts, a channel is destroyed, a playback finishes),
//! read from the fields of this release's events.

use proc_macro2::{Ident, TokenStream};
use quote::quote;

use crate::context::{Context, ModelInfo};
use crate::CodegenError;

/// Checks that `event` has `wire` of type `data_type`, required.
fn required_field<'m>(
    event: &'m ModelInfo,
    wire: &str,
    data_type: &str,
) -> Result<&'m Ident, CodegenError> {
    match event.field(wire) {
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
    let info = ctx
        .model(model_name)
        .ok_or_else(|| CodegenError::UnknownModel {
            owner: "handles".into(),
            model: model_name.into(),
        })?;
    required_field(info, wire, "string")
}

/// `impl ResourceEvent for Event`.
pub(super) fn resource_event(ctx: &Context<'_>) -> Result<TokenStream, CodegenError> {
    let rt = &ctx.rt;
    let channel_id = id_field(ctx, "Channel", "id")?;
    let bridge_id = id_field(ctx, "Bridge", "id")?;
    let playback_id = id_field(ctx, "Playback", "id")?;
    let recording_name = id_field(ctx, "LiveRecording", "name")?;
    let recording_cause = ctx
        .model("LiveRecording")
        .and_then(|m| m.field("cause"))
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
            .then(|| ctx.model(name))
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
        let text = |wire: &str| match m.field(wire).filter(|f| f.data_type == "string") {
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
