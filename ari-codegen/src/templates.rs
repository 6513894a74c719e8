//! The askama templates of every piece of prose the generator writes
//! (`templates/`): file headers, doc comments, the version matrix.

use askama::Template;

/// The first lines of every generated file.
#[derive(Template)]
#[template(path = "header.txt", escape = "none")]
pub struct Header<'a> {
    pub release: &'a str,
}

/// A factual title, our one-line summary (first, when there is one), extra
/// notes, the link to Asterisk's documentation and the release it appeared
/// in. Nothing of the api-docs' prose.
#[derive(Template)]
#[template(path = "item.md", escape = "none")]
pub struct Item<'a> {
    pub title: &'a str,
    pub summary: Option<&'a str>,
    pub notes: &'a [String],
    pub link: Option<&'a str>,
    pub since: Option<&'a str>,
}

/// One line of a list of parameters in an operation's doc.
pub struct ParamLine {
    pub name: String,
    pub text: String,
}

/// One documented error status; the reason only when it is a short label
/// (`knowledge::error_reason`).
pub struct ErrorLine {
    pub status: String,
    pub kind: String,
    pub reason: Option<String>,
}

/// An operation's doc: on its group method and on its request builder.
#[derive(Template)]
#[template(path = "operation.md", escape = "none")]
pub struct Operation<'a> {
    pub summary: Option<&'a str>,
    pub link: &'a str,
    pub method: &'a str,
    pub path: &'a str,
    pub resource: &'a str,
    pub nickname: &'a str,
    pub arguments: &'a [ParamLine],
    pub options: &'a [ParamLine],
    pub response: &'a str,
    pub error_path: &'a str,
    pub errors: &'a [ErrorLine],
    pub since: Option<&'a str>,
}

/// A version module's doc.
#[derive(Template)]
#[template(path = "module.md", escape = "none")]
pub struct Module<'a> {
    pub major: u32,
    pub release: &'a str,
    pub api_version: &'a str,
    pub operation_count: usize,
    pub resource_count: usize,
    pub model_count: usize,
    pub event_count: usize,
    pub feature: &'a str,
    pub client_path: &'a str,
    pub groups: &'a str,
    pub docs_home: &'a str,
    pub docs_note: Option<&'a str>,
    pub example: Option<&'a str>,
}

/// A column of the version matrix: one major.
pub struct MatrixColumn {
    pub major: u32,
    pub release: String,
}

/// A row of the version matrix.
pub struct MatrixRow {
    pub name: String,
    pub detail: String,
    pub cells: Vec<String>,
}

/// `API_MATRIX.md`.
#[derive(Template)]
#[template(path = "api_matrix.md", escape = "none")]
pub struct ApiMatrix<'a> {
    pub releases: &'a str,
    pub columns: &'a [MatrixColumn],
    pub operations: &'a [MatrixRow],
    pub events: &'a [MatrixRow],
}

/// Renders a template; the templates are plain text, so rendering fails only
/// on a bug, reported as an error all the same.
pub fn render(template: &impl Template) -> Result<String, crate::CodegenError> {
    template
        .render()
        .map(|text| normalize(&text))
        .map_err(|e| crate::CodegenError::Template(e.to_string()))
}

/// Trailing spaces off every line, one blank line at most in a row, one
/// final newline.
fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut blank = 0;
    for line in text.trim().lines() {
        let line = line.trim_end();
        if line.is_empty() {
            blank += 1;
            if blank > 1 {
                continue;
            }
        } else {
            blank = 0;
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}
