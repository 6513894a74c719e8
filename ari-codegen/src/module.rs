//! `mod.rs` of a version module: the module's doc, `Ari` with one accessor per
//! resource, the submodules and the re-exported models.

use quote::{format_ident, quote};

use crate::context::Context;
use crate::prose::{doc_attrs, inner_doc_attrs};
use crate::templates::{render, Item, Module};
use crate::{emit, CodegenError, GeneratedFile, Runtime};

pub fn root(ctx: &Context<'_>) -> Result<GeneratedFile, CodegenError> {
    let rt = &ctx.rt;
    let major = ctx.options.major;
    let release = &ctx.options.release;
    let groups = ctx
        .resources
        .iter()
        .map(|r| format!("[`{}()`](Ari::{})", r.module, r.module))
        .collect::<Vec<_>>()
        .join(", ");
    let example = ctx.options.module_path.as_ref().map(|path| {
        format!(
            "use {path}::{{Ari, Event}};\n\n\
             # async fn run() -> Result<(), ari_sdk::Error> {{\n\
             let ari = Ari::connect(ari_sdk::Config::from_env()?).await?;\n\
             let info = ari.asterisk().get_info().send().await?;\n\
             println!(\"{{info:?}}\");\n\
             let frame = r#\"{{\"type\":\"NoSuchEvent\",\"application\":\"app\"}}\"#;\n\
             assert!(matches!(Event::from_json(frame), Ok(Event::Unknown(_))));\n\
             # Ok(())\n\
             # }}"
        )
    });
    let client_path = match ctx.options.runtime {
        Runtime::Crate => "crate::Client",
        Runtime::External => "ari_sdk::Client",
    };
    let has_info = ctx
        .resources
        .iter()
        .any(|r| r.name == "asterisk" && r.operations.iter().any(|o| o.nickname == "getInfo"));
    let module_doc = inner_doc_attrs(&render(&Module {
        major,
        release,
        api_version: &ctx.api.api_version,
        operation_count: ctx.resources.iter().map(|r| r.operations.len()).sum(),
        resource_count: ctx.resources.len(),
        model_count: ctx.models.iter().filter(|m| !m.is_event).count(),
        event_count: ctx.events.len(),
        feature: &format!("asterisk-{major}"),
        client_path,
        groups: &groups,
        docs_home: &ctx.docs.home(),
        docs_note: ctx.docs.note(major).as_deref(),
        example: if has_info { example.as_deref() } else { None },
    })?);

    let modules: Vec<_> = ctx.resources.iter().map(|r| &r.module).collect();
    let accessors = ctx.resources.iter().map(|r| {
        let module = &r.module;
        let group = format_ident!("{}", r.group);
        let doc = format!(" The operations of the `{}` resource.", r.name);
        quote! {
            #[doc = #doc]
            pub fn #module(&self) -> #module::#group<'_> {
                #module::#group::new(&self.client)
            }
        }
    });
    let ari_doc = doc_attrs(&render(&Item {
        title: &format!("The ARI of Asterisk {major}: a [`Client`]({client_path}) and the operations of every resource."),
        summary: None,
        link: None,
        notes: &[
            "Cheap to clone. Dereferences to the client, which is shared with any other version module's `Ari`.".to_string(),
        ],
        since: None,
    })?);
    let event_stream = if ctx.events.is_empty() {
        quote!()
    } else {
        quote! {
            /// Connects the `/events` websocket of the config's applications:
            /// a stream of this module's [`Event`]s that reconnects by itself.
            /// Needs a Tokio runtime.
            pub fn event_stream(&self) -> ::std::result::Result<#rt::EventStream<Event>, #rt::StreamError> {
                self.client.connect_event_stream()
            }
        }
    };
    let handles = if crate::handles::applies(ctx) {
        quote! {
            mod handles;
            pub use self::handles::*;
        }
    } else {
        quote!()
    };
    let major_literal = proc_macro2::Literal::u32_unsuffixed(major);
    let release_doc = format!(" The release this module was generated from: `{release}`.");
    let tokens = quote! {
        #module_doc

        mod models;
        pub use self::models::*;

        #( pub mod #modules; )*

        #handles

        #ari_doc
        #[derive(Debug, Clone)]
        pub struct Ari {
            client: #rt::Client,
        }

        impl Ari {
            /// The Asterisk major of this module.
            pub const MAJOR: u32 = #major_literal;
            #[doc = #release_doc]
            pub const RELEASE: &'static str = #release;

            /// Wraps a client.
            pub fn new(client: #rt::Client) -> Ari {
                Ari { client }
            }

            /// A client for `config`, after checking (unless the config turns
            /// the check off) that the server runs this module's major.
            pub async fn connect(config: #rt::Config) -> ::std::result::Result<Ari, #rt::Error> {
                #rt::Client::connect(config, Ari::MAJOR).await.map(Ari::new)
            }

            /// The client.
            pub fn client(&self) -> &#rt::Client {
                &self.client
            }

            #(#accessors)*

            #event_stream
        }

        impl ::std::ops::Deref for Ari {
            type Target = #rt::Client;

            fn deref(&self) -> &#rt::Client {
                &self.client
            }
        }

        impl ::std::convert::From<#rt::Client> for Ari {
            fn from(client: #rt::Client) -> Ari {
                Ari::new(client)
            }
        }
    };
    emit::file("mod.rs", release, tokens)
}
