//! `impl VersionApi for Ari`: the few requests the hand-written handles
//! send (fetch a snapshot, play, record, stop a playback, create a bridge,
//! add channels), built with this release's operations and parameter
//! types.

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

use crate::context::{Context, ParamKind};
use crate::special::FOLLOWED;
use crate::{CodegenError, Runtime};

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
pub(super) fn version_api(ctx: &Context<'_>) -> Result<TokenStream, CodegenError> {
    let rt = &ctx.rt;
    let id = |name: &str| {
        let ident = format_ident!("{}", name);
        Given::Id(quote!(#ident))
    };
    let get_arms = FOLLOWED
        .iter()
        .map(|followed| {
            let kind = format_ident!("{}", followed.kind);
            let request = optional(request_of(
                ctx,
                followed.resource,
                followed.get,
                &[(followed.id_param, id("id"))],
            )?);
            Ok(quote! { #rt::ResourceKind::#kind => #request, })
        })
        .collect::<Result<Vec<_>, CodegenError>>()?;
    // `ResourceKind` is `non_exhaustive`: outside `ari_sdk` a match on it
    // needs a catch-all.
    let other_kinds = match ctx.options.runtime {
        Runtime::Crate => quote!(),
        Runtime::External => quote!(_ => None,),
    };
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
                    #other_kinds
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
