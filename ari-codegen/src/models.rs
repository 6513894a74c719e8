//! `models/`: one struct per concrete model, one enum per `LIST` of allowed
//! values, one file per resource that defines models.

use proc_macro2::TokenStream;
use quote::quote;

use crate::context::{Context, ModelInfo};
use crate::knowledge;
use crate::names::ident_text;
use crate::prose::{doc_attrs, inner_doc_attrs};
use crate::templates::{render, Item};
use crate::{emit, enums, events, names, CodegenError, GeneratedFile};
use ari_spec::ItemKey;

/// `models/mod.rs`: the files, all re-exported.
pub fn models_mod(ctx: &Context<'_>) -> Result<GeneratedFile, CodegenError> {
    let files: Vec<_> = ctx
        .model_files()
        .iter()
        .map(|r| names::snake_ident(r))
        .collect();
    let doc = inner_doc_attrs(&format!(
        "The models of Asterisk {}'s ARI, one file per api-docs resource that defines them.",
        ctx.options.major
    ));
    let tokens = quote! {
        #doc
        #( mod #files; )*
        #( pub use self::#files::*; )*
    };
    emit::file("models/mod.rs", &ctx.options.release, tokens)
}

/// `models/<resource>.rs`.
pub fn models_file(ctx: &Context<'_>, resource: &str) -> Result<GeneratedFile, CodegenError> {
    let doc = inner_doc_attrs(&format!("The models of `{resource}.json`."));
    let mut items = Vec::new();
    for model in ctx.models.iter().filter(|m| m.resource == resource) {
        items.push(model_struct(ctx, model)?);
        for e in &model.enums {
            items.push(enums::string_enum(ctx, e)?);
        }
    }
    if ctx.event_resource.as_deref() == Some(resource) && !ctx.events.is_empty() {
        items.push(events::event_enum(ctx)?);
    }
    let tokens = quote! {
        #doc
        #(#items)*
    };
    emit::file(
        &format!("models/{}.rs", names::snake(resource)),
        &ctx.options.release,
        tokens,
    )
}

fn model_struct(ctx: &Context<'_>, model: &ModelInfo) -> Result<TokenStream, CodegenError> {
    let name = names::type_ident(&model.name);
    let key = if model.is_event {
        ItemKey::Event {
            name: model.name.clone(),
        }
    } else {
        ItemKey::Model {
            name: model.name.clone(),
        }
    };
    let mut notes = Vec::new();
    if model.is_event {
        notes.push(format!(
            "An event: [`Event::{name}`] when decoded from the websocket (`\"type\": \"{}\"`).",
            model.name
        ));
    }
    let doc = doc_attrs(&render(&Item {
        title: &format!("`{}` (model of `{}.json`).", model.name, model.resource),
        summary: knowledge::model_summary(&model.name),
        notes: &notes,
        link: Some(&ctx.docs.model(&model.name)),
        since: ctx.since(&key).as_deref(),
    })?);
    let mut fields = Vec::new();
    for field in &model.fields {
        let ident = &field.ident;
        let ty = &field.ty;
        let wire = &field.wire;
        let mut notes = Vec::new();
        if field.declared_in != model.name {
            notes.push(format!("Inherited from `{}`.", field.declared_in));
        }
        if let Some(release) = &field.required_since {
            notes.push(format!(
                "Required from Asterisk {release} on; older releases of this major leave it out."
            ));
        }
        let field_doc = doc_attrs(&render(&Item {
            title: &format!(
                "`{wire}` (`{}`{}).",
                field.data_type,
                if field.required {
                    ", required"
                } else {
                    ", optional"
                }
            ),
            summary: None,
            notes: &notes,
            link: None,
            since: ctx
                .since(&ItemKey::Field {
                    model: field.declared_in.clone(),
                    field: wire.clone(),
                })
                .as_deref(),
        })?);
        let rename = if ident_text(ident) != *wire {
            quote!(#[serde(rename = #wire)])
        } else {
            quote!()
        };
        if field.required {
            fields.push(quote! {
                #field_doc
                #rename
                pub #ident: #ty,
            });
        } else {
            fields.push(quote! {
                #field_doc
                #rename
                #[serde(default, skip_serializing_if = "Option::is_none")]
                pub #ident: Option<#ty>,
            });
        }
    }
    Ok(quote! {
        #doc
        #[derive(Debug, Clone, PartialEq, ::serde::Serialize, ::serde::Deserialize)]
        pub struct #name {
            #(#fields)*
        }
    })
}
