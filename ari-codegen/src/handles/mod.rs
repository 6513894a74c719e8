//! `handles.rs` of a version module.
//!
//! The handles themselves (`ari_sdk::handles`) are hand-written and generic;
//! what differs by release is generated here, and none of it waits:
//!
//! - the module's names for the generic types (`pub type ChannelHandle =
//!   ChannelHandle<Ari>`) and `Ari::stasis_app` (here);
//! - on each handle, one method per operation of its resource whose path
//!   starts with the resource's id, returning the group method's builder,
//!   and the traits of the operations every major has ([`methods`]);
//! - `impl VersionApi for Ari`: the few requests the handles send, built
//!   with this release's parameter types ([`version_api`]);
//! - `impl ResourceEvent for Event`: the lifecycle meaning of events
//!   ([`resource_event`]).
//!
//! Which resources are followed, and what of them, is [`FOLLOWED`].
//! `Event::for_each_resource`, which every module has, is the events'
//! (`events.rs`).

mod methods;
mod resource_event;
mod version_api;

use quote::{format_ident, quote};

use crate::context::Context;
use crate::special::FOLLOWED;
use crate::{emit, CodegenError, GeneratedFile, Runtime};

/// Whether the module has what the handles need: events, and the four
/// followed resources with their models.
pub fn applies(ctx: &Context<'_>) -> bool {
    !ctx.events.is_empty()
        && FOLLOWED.iter().all(|f| {
            ctx.resources.iter().any(|r| r.name == f.resource) && ctx.model(f.model).is_some()
        })
}

/// `handles.rs`.
pub fn handles_file(ctx: &Context<'_>) -> Result<GeneratedFile, CodegenError> {
    let rt = &ctx.rt;
    let major = ctx.options.major;
    let handles_path = match ctx.options.runtime {
        Runtime::Crate => "crate::handles",
        Runtime::External => "ari_sdk::handles",
    };
    let module_doc = format!(
        " The handles of Asterisk {major}: [`ari_sdk::handles`]({handles_path}) for this module's [`Ari`]."
    );
    let mut operations = Vec::new();
    for followed in FOLLOWED {
        if let Some(resource) = ctx.resources.iter().find(|r| r.name == followed.resource) {
            operations.push(methods::handle_operations(ctx, followed, resource)?);
            operations.push(methods::common_operations(ctx, followed, resource)?);
        }
    }
    let version_api = version_api::version_api(ctx)?;
    let resource_event = resource_event::resource_event(ctx)?;
    let alias = |name: &str, what: &str| {
        let ident = format_ident!("{}", name);
        let doc = format!(
            " {what} of Asterisk {major}: [`{name}`]({handles_path}::{name}) for this module."
        );
        quote! {
            #[doc = #doc]
            pub type #ident = #rt::#ident<Ari>;
        }
    };
    let mut aliases = vec![
        alias("StasisApp", "A Stasis application"),
        alias("Call", "A call entering the application"),
    ];
    for followed in FOLLOWED {
        aliases.push(alias(followed.handle, &format!("A {}", followed.noun)));
    }
    let stasis_app_doc = [
        " The Stasis application of the config's applications: connects the".to_string(),
        " event stream and hands out calls and handles (see".to_string(),
        format!(" [`ari_sdk::handles`]({handles_path})). Needs a Tokio runtime."),
    ];
    let tokens = quote! {
        #![doc = #module_doc]

        use super::{Ari, Channel, Event, LiveRecording, Playback};

        #(#aliases)*

        impl Ari {
            #(#[doc = #stasis_app_doc])*
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
