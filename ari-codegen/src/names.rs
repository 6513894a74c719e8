//! Rust names for spec names: heck's case conversions plus keyword handling.
//!
//! - types and variants: UpperCamelCase (`Channel`, `ChannelState`, `PreRing`);
//! - fields, parameters and methods: snake_case (`channel_id`, `claim_channel`);
//! - a name that is a Rust keyword becomes a raw identifier (`r#type`, `r#move`);
//!   the few keywords that cannot be raw (`self`, `crate`, ...) get a `_` suffix.
//! - characters that are no part of an identifier are spelled out (`#` is
//!   `Hash`, `*` is `Star`).

use heck::{ToSnakeCase, ToUpperCamelCase};
use proc_macro2::{Ident, Span};

/// Keywords that must be written `r#...` to be identifiers.
const RAW_KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "do", "dyn",
    "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl", "in", "let",
    "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref", "return",
    "static", "struct", "trait", "true", "try", "type", "typeof", "unsafe", "unsized", "use",
    "virtual", "where", "while", "yield",
];

/// Keywords that cannot be raw identifiers.
const NON_RAW_KEYWORDS: &[&str] = &["self", "Self", "super", "crate", "_"];

/// Words for characters that can't be in an identifier.
fn spell_symbol(c: char) -> Option<&'static str> {
    Some(match c {
        '#' => " Hash ",
        '*' => " Star ",
        '+' => " Plus ",
        '@' => " At ",
        '&' => " And ",
        '%' => " Percent ",
        _ => return None,
    })
}

fn spell_symbols(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        match spell_symbol(c) {
            Some(word) => out.push_str(word),
            None if c.is_alphanumeric() => out.push(c),
            None => out.push(' '),
        }
    }
    out
}

/// `channelId` -> `channel_id`, as a string (no keyword handling).
pub fn snake(name: &str) -> String {
    spell_symbols(name).to_snake_case()
}

/// `bridge_type` -> `BridgeType`, `Pre-ring` -> `PreRing`, `#` -> `Hash`.
pub fn camel(name: &str) -> String {
    let camel = spell_symbols(name).to_upper_camel_case();
    if camel.starts_with(|c: char| c.is_ascii_digit()) {
        format!("V{camel}")
    } else {
        camel
    }
}

/// An identifier for `name` as written, raw or suffixed where it is a keyword.
pub fn ident(name: &str) -> Ident {
    if NON_RAW_KEYWORDS.contains(&name) {
        Ident::new(&format!("{name}_"), Span::call_site())
    } else if RAW_KEYWORDS.contains(&name) {
        Ident::new_raw(name, Span::call_site())
    } else {
        Ident::new(name, Span::call_site())
    }
}

/// A model's type name: the spec's own name where it is one (`RESTResponse`,
/// `CallerID`), else its UpperCamelCase.
pub fn type_name(name: &str) -> String {
    let valid = name.starts_with(|c: char| c.is_ascii_uppercase())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if valid && !NON_RAW_KEYWORDS.contains(&name) {
        name.to_string()
    } else {
        camel(name)
    }
}

/// A model's type identifier ([`type_name`]).
pub fn type_ident(name: &str) -> Ident {
    ident(&type_name(name))
}

/// A snake_case identifier for a spec name.
pub fn snake_ident(name: &str) -> Ident {
    ident(&snake(name))
}

/// An UpperCamelCase identifier for a spec name.
pub fn camel_ident(name: &str) -> Ident {
    ident(&camel(name))
}

/// An identifier as written in docs (`move`, not `r#move`).
pub fn ident_text(ident: &Ident) -> String {
    let text = ident.to_string();
    text.strip_prefix("r#").map(str::to_string).unwrap_or(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cases() {
        assert_eq!(snake("channelId"), "channel_id");
        assert_eq!(snake("originateWithId"), "originate_with_id");
        assert_eq!(snake("sendDTMF"), "send_dtmf");
        assert_eq!(snake("transfer_progress"), "transfer_progress");
        assert_eq!(snake("rtpstatistics"), "rtpstatistics");
        assert_eq!(camel("originateWithId"), "OriginateWithId");
        assert_eq!(camel("Pre-ring"), "PreRing");
        assert_eq!(camel("Dialing Offhook"), "DialingOffhook");
        assert_eq!(camel("NOT_INUSE"), "NotInuse");
        assert_eq!(camel("#"), "Hash");
        assert_eq!(camel("*"), "Star");
        assert_eq!(camel("dtmf_#"), "DtmfHash");
        assert_eq!(camel("8k"), "V8k");
        assert_eq!(type_name("RESTResponse"), "RESTResponse");
        assert_eq!(type_name("CallerID"), "CallerID");
        assert_eq!(type_name("sound-file"), "SoundFile");
    }

    #[test]
    fn keywords() {
        assert_eq!(snake_ident("type").to_string(), "r#type");
        assert_eq!(snake_ident("move").to_string(), "r#move");
        assert_eq!(snake_ident("self").to_string(), "self_");
        assert_eq!(camel_ident("Self").to_string(), "Self_");
        assert_eq!(snake_ident("channel").to_string(), "channel");
    }
}
