//! Spec prose made safe for rustdoc, and doc text turned into attributes.
//!
//! Asterisk's descriptions are HTML-ish plain text (`<br />`, `{tech}/{resource}`,
//! `[...]`, bare URLs). Rendered as Markdown they would become broken
//! intra-doc links, unknown HTML tags, bare-URL warnings or, where a line is
//! indented, doctests. [`sanitize`] makes every line plain text.

use proc_macro2::TokenStream;
use quote::quote;

/// Spec prose as rustdoc-safe Markdown, one paragraph per blank line.
pub fn sanitize(text: &str) -> String {
    let text = text
        .replace("<br />", "\n")
        .replace("<br/>", "\n")
        .replace("<br>", "\n")
        .replace("\r\n", "\n");
    let mut lines: Vec<String> = Vec::new();
    for line in text.split('\n') {
        let line = line.trim();
        if line.is_empty() {
            // One blank line at most between paragraphs.
            if lines.last().is_some_and(|l| !l.is_empty()) {
                lines.push(String::new());
            }
            continue;
        }
        lines.push(escape_line(line));
    }
    while lines.last().is_some_and(|l| l.is_empty()) {
        lines.pop();
    }
    lines.join("\n")
}

fn escape_line(line: &str) -> String {
    let mut out = String::with_capacity(line.len() + 8);
    for (i, word) in line.split(' ').enumerate() {
        if i > 0 {
            out.push(' ');
        }
        if let Some(start) = word.find("http://").or_else(|| word.find("https://")) {
            let (before, tail) = word.split_at(start);
            let end = tail
                .find([')', ',', '"', '\'', '<', '>'])
                .unwrap_or(tail.len());
            let url = tail[..end].trim_end_matches('.');
            let rest = &tail[url.len()..];
            out.push_str(&escape_text(before));
            out.push('<');
            out.push_str(url);
            out.push('>');
            out.push_str(&escape_text(rest));
        } else {
            out.push_str(&escape_text(word));
        }
    }
    // A line that starts like a Markdown heading, quote or code fence is text.
    if out.starts_with('#') || out.starts_with("```") || out.starts_with('>') {
        out.insert(0, '\\');
    }
    out
}

fn escape_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '[' => out.push_str("\\["),
            ']' => out.push_str("\\]"),
            '`' => out.push_str("\\`"),
            '\t' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn makes_prose_plain() {
        assert_eq!(sanitize("a<br />b"), "a\nb");
        assert_eq!(sanitize("  indented\n\n\n\tnext  "), "indented\n\nnext");
        assert_eq!(
            sanitize("URI [channel:{id}] <tech>"),
            "URI \\[channel:{id}\\] &lt;tech&gt;"
        );
        assert_eq!(
            sanitize("see http://example.com/x. ok"),
            "see <http://example.com/x>. ok"
        );
        assert_eq!(sanitize("# not a heading"), "\\# not a heading");
        assert_eq!(sanitize("a `b"), "a \\`b");
    }
}
