//! `models/`: one struct per concrete model, one enum per `LIST` of allowed
//! values, one file per resource that defines models.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::context::{Context, EnumInfo, ModelInfo};
use crate::knowledge;
use crate::prose::{doc_attrs, inner_doc_attrs};
use crate::templates::{render, Item};
use crate::{emit, events, names, CodegenError, GeneratedFile};
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
            items.push(string_enum(ctx, e)?);
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
        let rename = if crate::context::ident_text(ident) != *wire {
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

/// A string enum with a catch-all `Other(String)`: Asterisk adds values in
/// minor releases, and an unknown one must not fail a decode.
pub fn string_enum(ctx: &Context<'_>, info: &EnumInfo) -> Result<TokenStream, CodegenError> {
    let rt = &ctx.rt;
    let name = format_ident!("{}", info.name);
    let notes =
        vec!["Values Asterisk adds later decode as `Other`, which keeps the string.".to_string()];
    let doc = doc_attrs(&render(&Item {
        title: &info.title,
        summary: None,
        notes: &notes,
        link: None,
        since: info.since.as_deref(),
    })?);
    let mut variants = Vec::new();
    let mut to_str = Vec::new();
    let mut from_str = Vec::new();
    for (wire, variant, since) in &info.values {
        let variant = format_ident!("{}", variant);
        let vdoc = doc_attrs(&render(&Item {
            title: &format!("`{}`", wire.replace('`', "'")),
            summary: None,
            notes: &[],
            link: None,
            since: since.as_deref(),
        })?);
        variants.push(quote! { #vdoc #variant, });
        to_str.push(quote! { #name::#variant => #wire, });
        from_str.push(quote! { #wire => #name::#variant, });
    }
    Ok(quote! {
        #doc
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum #name {
            #(#variants)*
            /// A value this module does not know, as Asterisk sent it.
            Other(String),
        }

        impl #name {
            /// The value as Asterisk writes it.
            pub fn as_str(&self) -> &str {
                match self {
                    #(#to_str)*
                    #name::Other(value) => value,
                }
            }

            /// The variant for a value; unknown values are kept in `Other`.
            pub fn from_wire(value: &str) -> #name {
                match value {
                    #(#from_str)*
                    other => #name::Other(other.to_string()),
                }
            }
        }

        impl ::std::fmt::Display for #name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::convert::From<&str> for #name {
            fn from(value: &str) -> #name {
                #name::from_wire(value)
            }
        }

        impl ::serde::Serialize for #name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for #name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<#name, D::Error> {
                #rt::deserialize_string_enum(deserializer, #name::from_wire)
            }
        }
    })
}
