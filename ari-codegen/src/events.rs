//! The `Event` enum: one variant per subtype of `Event`, decoded by looking
//! at `type` first and then straight into the concrete struct. The decoding
//! machinery is the runtime's (`ari_sdk::decode`); the generated part is the
//! dispatch table (`DecodeEvent`), and the resources each event carries
//! (`Event::for_each_resource`, what the handles sort events by).

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::context::{Context, ModelInfo};
use crate::prose::doc_attrs;
use crate::special::{self, Followed};
use crate::templates::{render, Item};
use crate::{names, CodegenError};
use ari_spec::DataType;

/// `Event`, `EventType` and their impls.
pub fn event_enum(ctx: &Context<'_>) -> Result<TokenStream, CodegenError> {
    let rt = &ctx.rt;
    let events: Vec<&ModelInfo> = ctx
        .events
        .iter()
        .filter_map(|name| ctx.models.iter().find(|m| &m.name == name))
        .collect();
    let idents: Vec<_> = events.iter().map(|m| names::type_ident(&m.name)).collect();
    let wires: Vec<&str> = events.iter().map(|m| m.name.as_str()).collect();

    let variants = events.iter().zip(&idents).map(|(model, ident)| {
        let doc = match crate::knowledge::model_summary(&model.name) {
            Some(summary) => format!(" [`{}`]: {summary}", model.name),
            None => format!(" [`{}`].", model.name),
        };
        quote! { #[doc = #doc] #ident(Box<#ident>), }
    });
    let type_variants = events.iter().zip(&idents).map(|(model, ident)| {
        let doc = format!(" `{}`", model.name);
        quote! { #[doc = #doc] #ident, }
    });
    let string_accessor = |field: &str| -> Vec<TokenStream> {
        events
            .iter()
            .zip(&idents)
            .map(|(model, ident)| {
                match model
                    .fields
                    .iter()
                    .find(|f| f.wire == field && f.data_type == "string")
                {
                    Some(f) if f.required => {
                        let fi = &f.ident;
                        quote! { Event::#ident(e) => Some(e.#fi.as_str()), }
                    }
                    Some(f) => {
                        let fi = &f.ident;
                        quote! { Event::#ident(e) => e.#fi.as_deref(), }
                    }
                    None => quote! { Event::#ident(_) => None, },
                }
            })
            .collect()
    };
    let application_arms = string_accessor("application");
    let asterisk_id_arms = string_accessor("asterisk_id");
    let timestamp_arms: Vec<TokenStream> = events
        .iter()
        .zip(&idents)
        .map(|(model, ident)| {
            match model
                .fields
                .iter()
                .find(|f| f.wire == "timestamp" && f.data_type == "Date")
            {
                Some(f) if f.required => {
                    let fi = &f.ident;
                    quote! { Event::#ident(e) => Some(&e.#fi), }
                }
                Some(f) => {
                    let fi = &f.ident;
                    quote! { Event::#ident(e) => e.#fi.as_ref(), }
                }
                None => quote! { Event::#ident(_) => None, },
            }
        })
        .collect();

    let enum_doc = doc_attrs(&render(&Item {
        title: &format!(
            "An event of Asterisk {}'s websocket: one variant per subtype of `Event`.",
            ctx.options.major
        ),
        summary: None,
        link: None,
        notes: &[
            "[`Event::from_json`] finds the frame's top-level `type` first and decodes the frame once, straight into that variant's struct, wherever `type` stands among the keys; a type this module does not know is kept whole in [`Event::Unknown`]. A frame with two top-level `type` keys is refused.".to_string(),
            "`Deserialize` (`serde_json::from_str`, `from_slice`, `from_value`, an event inside a larger document) works with any deserializer and is as fast as [`Event::from_json`] when `type` is the first key, as Asterisk writes it. When `type` comes later (a proxy that reorders keys), the entries before it are buffered as `serde_json::Value`s first: the slow path; [`Event::from_json`] is the fast one for a frame held as text.".to_string(),
            "Each variant boxes its struct, so an `Event` stays small to move however large its biggest event (a transfer carries a dozen channels and bridges).".to_string(),
            "The fields every event has are reachable without a match: [`Event::application`], [`Event::timestamp`], [`Event::asterisk_id`], [`Event::type_name`].".to_string(),
        ],
        since: None,
    })?);

    let resource_methods = event_resource_methods(ctx);
    Ok(quote! {
        #enum_doc
        #[derive(Debug, Clone, PartialEq)]
        #[non_exhaustive]
        pub enum Event {
            #(#variants)*
            /// An event of a type this module does not know, kept whole.
            Unknown(#rt::UnknownEvent),
        }

        /// The type of an [`Event`], without its data: cheap to copy, compare
        /// and filter on.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum EventType {
            #(#type_variants)*
            /// A type this module does not know.
            Unknown,
        }

        impl EventType {
            /// Every known type, in the api-docs' order.
            pub const ALL: &'static [EventType] = &[ #(EventType::#idents,)* ];

            /// The type's name, as in the frame's `type`; `""` for `Unknown`.
            pub fn as_str(self) -> &'static str {
                match self {
                    #(EventType::#idents => #wires,)*
                    EventType::Unknown => "",
                }
            }

            /// The type named `name`; `Unknown` for a name this module does not know.
            pub fn from_name(name: &str) -> EventType {
                match name {
                    #(#wires => EventType::#idents,)*
                    _ => EventType::Unknown,
                }
            }
        }

        impl Event {
            /// Decodes one websocket frame, in one pass whatever the order
            /// of its keys.
            ///
            /// Fails only when the frame is not a JSON object with one
            /// top-level string `type`, or when a known type's data does not
            /// match its model.
            pub fn from_json(json: &str) -> ::std::result::Result<Event, ::serde_json::Error> {
                #rt::decode_event_json(json)
            }

            /// The event's type.
            pub fn event_type(&self) -> EventType {
                match self {
                    #(Event::#idents(_) => EventType::#idents,)*
                    Event::Unknown(_) => EventType::Unknown,
                }
            }

            /// The frame's `type`.
            pub fn type_name(&self) -> &str {
                match self {
                    #(Event::#idents(_) => #wires,)*
                    Event::Unknown(e) => &e.type_name,
                }
            }

            /// The application that receives the event.
            pub fn application(&self) -> Option<&str> {
                match self {
                    #(#application_arms)*
                    Event::Unknown(e) => e.application.as_deref(),
                }
            }

            /// When Asterisk created the event.
            pub fn timestamp(&self) -> Option<&#rt::Timestamp> {
                match self {
                    #(#timestamp_arms)*
                    Event::Unknown(e) => e.timestamp.as_ref(),
                }
            }

            /// The Asterisk instance that raised the event (clusters).
            pub fn asterisk_id(&self) -> Option<&str> {
                match self {
                    #(#asterisk_id_arms)*
                    Event::Unknown(e) => e.asterisk_id.as_deref(),
                }
            }
        }

        impl ::serde::Serialize for Event {
            /// The frame as Asterisk writes it, `type` first.
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error> {
                match self {
                    #(Event::#idents(e) => #rt::serialize_tagged(serializer, #wires, e),)*
                    Event::Unknown(e) => e.serialize(serializer),
                }
            }
        }

        impl<'de> ::serde::Deserialize<'de> for Event {
            /// One pass when `type` is the first key; when it comes later,
            /// the entries before it are buffered first (the slow path; see
            /// [`Event`]).
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Event, D::Error> {
                #rt::deserialize_event(deserializer)
            }
        }

        impl #rt::DecodeEvent for Event {
            type Kind = EventType;

            fn kind(name: &str) -> ::std::option::Option<EventType> {
                match EventType::from_name(name) {
                    EventType::Unknown => None,
                    kind => Some(kind),
                }
            }

            fn decode<'de, D: ::serde::Deserializer<'de>>(kind: EventType, deserializer: D) -> ::std::result::Result<Event, D::Error> {
                Ok(match kind {
                    #(EventType::#idents => Event::#idents(::serde::Deserialize::deserialize(deserializer)?),)*
                    EventType::Unknown => return Err(::serde::de::Error::custom("no struct for an unknown event type")),
                })
            }

            fn unknown(event: #rt::UnknownEvent) -> Event {
                Event::Unknown(event)
            }
        }

        impl #rt::EventKind for EventType {
            const COUNT: usize = EventType::ALL.len() + 1;

            fn index(self) -> usize {
                self as usize
            }

            fn from_type_name(name: &str) -> EventType {
                EventType::from_name(name)
            }
        }

        impl #rt::StreamEvent for Event {
            type Kind = EventType;

            fn decode(frame: &str) -> ::std::result::Result<Event, ::serde_json::Error> {
                Event::from_json(frame)
            }

            fn type_name(&self) -> &str {
                Event::type_name(self)
            }

            fn kind(&self) -> EventType {
                self.event_type()
            }

            fn for_each_resource(&self, f: &mut dyn FnMut(#rt::ResourceKind, &str)) {
                Event::for_each_resource(self, f)
            }
        }

        #resource_methods

        #(
            impl ::std::convert::From<#idents> for Event {
                fn from(event: #idents) -> Event {
                    Event::#idents(Box::new(event))
                }
            }
        )*
    })
}

/// The statements calling `f` for the resources a value of model `model`
/// names: its id, and the channel or bridge its `target_uri` names.
fn report(ctx: &Context<'_>, followed: &Followed, value: &TokenStream) -> TokenStream {
    let rt = &ctx.rt;
    let kind = format_ident!("{}", followed.kind);
    let Some(info) = ctx.model(followed.model) else {
        return quote!();
    };
    let id = match info.field(followed.id_field) {
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
    let target = match info.field("target_uri") {
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

/// On `Event`: `for_each_resource` and `concerns`, for every module, from
/// every event field typed as a followed model ([`special::FOLLOWED`]).
pub fn event_resource_methods(ctx: &Context<'_>) -> TokenStream {
    let rt = &ctx.rt;
    let mut arms = Vec::new();
    for name in &ctx.events {
        let Some(event) = ctx.model(name) else {
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
            let Some(followed) = special::FOLLOWED.iter().find(|x| x.model == model_name) else {
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
