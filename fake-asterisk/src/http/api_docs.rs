//! `GET /ari/api-docs/<file>`: the api-docs, as `ast_ari_get_docs` serves
//! them from `$ASTDATADIR/rest-api/` (where `make install` puts
//! `resources.json` and every declaration side by side).
//!
//! Asterisk routes these after authentication and the trailing-slash check,
//! before its handler tree: any method but `GET` is `405 Unsupported
//! method`; the rest of the path, not percent-decoded, is resolved as a file
//! below the folder (`realpath`): a name that is not there, or a path
//! leaving the folder, is `404 Resource not found`, the folder itself `403
//! Invalid access`. The document goes out as loaded, with one change: a
//! `basePath` becomes `http://<Host header>/ari`, or is removed when the
//! request has no `Host`.

use axum::http::{header, HeaderMap, Method};

use crate::error::ApiError;
use crate::ordered_json::OrderedJson;
use crate::rest::response::{AriBody, AriResponse};
use crate::world::Inner;

/// The folder's name inside the data dir, for paths that leave it and come back.
const DOCS_FOLDER: &str = "rest-api";

/// Answers `GET /ari/api-docs/{file}`; `file` is the raw rest of the path.
pub(crate) fn serve(
    inner: &Inner,
    method: &Method,
    file: &str,
    headers: &HeaderMap,
) -> AriResponse {
    if method != Method::GET {
        return ApiError::new(405, "Method Not Allowed", "Unsupported method").into();
    }
    let docs = match inner.emulation.docs.files() {
        Ok(docs) => docs,
        // Asterisk always has its docs; the fake says why it has none.
        Err(why) => return ApiError::not_found(why).into(),
    };
    let name = match locate(file, |name| docs.contains_key(name)) {
        Located::File(name) => name,
        Located::Folder => return ApiError::new(403, "Forbidden", "Invalid access").into(),
        Located::Missing => return ApiError::not_found("Resource not found").into(),
    };
    let Some(OrderedJson::Object(fields)) = docs.get(name) else {
        return ApiError::not_found("Resource not found").into();
    };
    let host = headers
        .get(header::HOST)
        .map(|host| String::from_utf8_lossy(host.as_bytes()).into_owned());
    let fields = fields
        .iter()
        .filter_map(|(key, value)| match (key.as_str(), &host) {
            ("basePath", Some(host)) => Some((
                key.clone(),
                OrderedJson::String(format!("http://{host}/ari")),
            )),
            // Without the host, Asterisk has no base path to give.
            ("basePath", None) => None,
            _ => Some((key.clone(), value.clone())),
        })
        .collect();
    AriResponse {
        status: 200,
        reason: "OK".into(),
        body: AriBody::JsonText(OrderedJson::Object(fields).to_json_string()),
        headers: Vec::new(),
    }
}

/// Where a path below the docs folder leads.
#[derive(Debug, PartialEq)]
enum Located<'a> {
    File(&'a str),
    Folder,
    Missing,
}

/// Resolves `path` as `realpath` would below a folder holding only the
/// files `exists` knows: `.` and empty segments stay, `..` goes up (and
/// back in through the folder's own name), a file cannot be gone through.
fn locate<'a>(path: &'a str, exists: impl Fn(&str) -> bool) -> Located<'a> {
    enum At<'a> {
        /// The data dir holding the docs folder.
        Parent,
        Folder,
        File(&'a str),
    }
    let mut at = At::Folder;
    for segment in path.split('/') {
        at = match (at, segment) {
            // `file/.` and `file/..` are ENOTDIR.
            (At::File(_), _) => return Located::Missing,
            (at, "" | ".") => at,
            (At::Folder, "..") => At::Parent,
            (At::Folder, name) if exists(name) => At::File(name),
            (At::Parent, DOCS_FOLDER) => At::Folder,
            // Anything else out there is not the docs (`realpath` checks
            // the result is inside the folder).
            _ => return Located::Missing,
        };
    }
    match at {
        At::File(name) => Located::File(name),
        At::Folder => Located::Folder,
        At::Parent => Located::Missing,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_resolve_as_realpath_would() {
        let exists = |name: &str| name == "channels.json" || name == "resources.json";
        assert_eq!(
            locate("channels.json", exists),
            Located::File("channels.json")
        );
        assert_eq!(
            locate("./channels.json", exists),
            Located::File("channels.json")
        );
        assert_eq!(
            locate("../rest-api/resources.json", exists),
            Located::File("resources.json")
        );
        assert_eq!(locate(".", exists), Located::Folder);
        assert_eq!(locate("nothing.json", exists), Located::Missing);
        assert_eq!(locate("api-docs/channels.json", exists), Located::Missing);
        assert_eq!(locate("channels.json/.", exists), Located::Missing);
        assert_eq!(locate("../../etc/passwd", exists), Located::Missing);
        assert_eq!(locate("%63hannels.json", exists), Located::Missing);
    }
}
