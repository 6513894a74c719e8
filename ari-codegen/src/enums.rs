//! The string enums: the allowed values of a model's field
//! (`models/<resource>.rs`) and of an operation's parameter
//! (`<resource>.rs`), alike.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::context::{Context, EnumInfo};
use crate::prose::doc_attrs;
use crate::templates::{render, Item};
use crate::CodegenError;

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
