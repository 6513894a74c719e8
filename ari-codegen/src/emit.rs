//! Tokens to a file: parsed with syn, printed with prettyplease, under the
//! header every generated file starts with.

use proc_macro2::TokenStream;

use crate::templates::{self, Header};
use crate::{CodegenError, GeneratedFile};

/// Formats `tokens` as the file `path`.
pub fn file(path: &str, release: &str, tokens: TokenStream) -> Result<GeneratedFile, CodegenError> {
    let syntax: syn::File = syn::parse2(tokens).map_err(|e| CodegenError::InvalidCode {
        file: path.to_string(),
        message: e.to_string(),
    })?;
    syntax_file(path, release, &syntax)
}

/// Formats a parsed file as the file `path`, generated from `release`
/// (`22.10.1`, or a list when the file serves several majors).
pub fn syntax_file(
    path: &str,
    release: &str,
    syntax: &syn::File,
) -> Result<GeneratedFile, CodegenError> {
    let header = templates::render(&Header { release })?;
    let body = space_items(&prettyplease::unparse(syntax));
    Ok(GeneratedFile {
        path: path.to_string(),
        contents: format!("{header}\n{body}"),
    })
}

/// A blank line between items (prettyplease writes them back to back), so
/// the files read, and diff, like hand-written code: after the module doc,
/// and wherever an item starts right after a block or a statement-like line
/// of the same indentation ended.
fn space_items(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 16);
    let mut previous: Option<&str> = None;
    for line in text.lines() {
        if let Some(prev) = previous {
            if needs_blank(prev, line) {
                out.push('\n');
            }
        }
        out.push_str(line);
        out.push('\n');
        previous = Some(line);
    }
    out
}

fn indent(line: &str) -> usize {
    line.len() - line.trim_start().len()
}

fn needs_blank(prev: &str, line: &str) -> bool {
    let (p, l) = (prev.trim_start(), line.trim_start());
    if l.is_empty() || p.is_empty() {
        return false;
    }
    if p.starts_with("//!") {
        return !l.starts_with("//!");
    }
    let starts_item = [
        "///", "#[", "pub ", "fn ", "impl", "static ", "mod ", "const ", "type ", "enum ",
        "struct ",
    ]
    .iter()
    .any(|s| l.starts_with(s));
    let ends_item =
        p == "}" || p == "};" || p.ends_with("{}") || (p.ends_with(';') && !p.starts_with("///"));
    // A run of one-line declarations (`mod a;`, `pub use a::*;`) stays together.
    let declaration = |s: &str| {
        ["mod ", "pub mod ", "use ", "pub use "]
            .iter()
            .find(|k| s.starts_with(*k))
            .copied()
    };
    let same_run = declaration(p).is_some() && declaration(p) == declaration(l);
    starts_item && ends_item && !same_run && indent(prev) == indent(line)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spaces_items_not_fields() {
        let text = "//! Doc.\nmod a;\nmod b;\npub use a::*;\npub struct S {\n    /// x\n    pub x: u8,\n    /// y\n    pub y: u8,\n}\nimpl S {\n    fn f() {}\n    /// g\n    fn g() {\n        let a = 1;\n        let b = 2;\n    }\n    fn h() {}\n}\n";
        assert_eq!(
            space_items(text),
            "//! Doc.\n\nmod a;\nmod b;\n\npub use a::*;\n\npub struct S {\n    /// x\n    pub x: u8,\n    /// y\n    pub y: u8,\n}\n\nimpl S {\n    fn f() {}\n\n    /// g\n    fn g() {\n        let a = 1;\n        let b = 2;\n    }\n\n    fn h() {}\n}\n"
        );
    }
}
