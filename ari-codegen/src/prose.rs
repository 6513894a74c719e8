//! Doc text turned into attributes, and the links it carries.
//!
//! The generated docs carry no text of the api-docs (see `knowledge`), so
//! nothing here has to make Asterisk's HTML-ish prose safe for rustdoc.

use proc_macro2::TokenStream;
use quote::quote;

/// `#[doc = "..."]` attributes, one per line of `text`.
pub fn doc_attrs(text: &str) -> TokenStream {
    let lines = text.trim_end().lines().map(|line| {
        let line = if line.is_empty() {
            String::new()
        } else {
            format!(" {line}")
        };
        quote! { #[doc = #line] }
    });
    quote! { #(#lines)* }
}

/// `#![doc = "..."]` inner attributes, one per line of `text`.
pub fn inner_doc_attrs(text: &str) -> TokenStream {
    let lines = text.trim_end().lines().map(|line| {
        let line = if line.is_empty() {
            String::new()
        } else {
            format!(" {line}")
        };
        quote! { #![doc = #line] }
    });
    quote! { #(#lines)* }
}

/// `[`text`](target)`, or just `` `text` `` where the target is a raw
/// identifier, which intra-doc links cannot name.
pub(crate) fn doc_link(text: &str, target: &str) -> String {
    if target.contains("r#") {
        format!("`{text}`")
    } else {
        format!("[`{text}`]({target})")
    }
}
