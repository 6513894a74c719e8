//! Which Asterisk the fake answers as, read from Asterisk's own api-docs.
//!
//! The REST handlers are written once, with Asterisk 20's behaviour. A
//! major chosen with [`FakeAsteriskBuilder::major`](crate::FakeAsteriskBuilder::major)
//! puts that major's api-docs in front of them:
//!
//! - **routes**: the request path is walked over the major's operations, as
//!   `ast_ari_invoke` walks the handler tree `make_ari_stubs.py` generates
//!   from the same files, so a path the major does not publish is
//!   `404 Resource not found` (or reads as a path variable, as it would
//!   there); an operation the major has and the fake does not implement is
//!   `501`, naming it;
//! - **parameters**: what the generated `ast_ari_*_cb` reads, and nothing
//!   more. It copies the query parameters the operation declares (atoi /
//!   `ast_true` / the string), splits those marked `allowMultiple` on commas
//!   (`400 Too many values for <name>` from 128 values on), and takes from a
//!   JSON body the fields named like its query parameters, or the whole body
//!   when the operation declares a `body` parameter. It checks neither
//!   `required` nor `allowableValues`: those checks, where Asterisk has them,
//!   are written by hand in `res/ari/resource_*.c` (`Endpoint must be
//!   specified`, ...), and the handlers have them;
//! - **api-docs**: `/ari/api-docs/...` serves the major's files;
//! - **version**: `/asterisk/info` reports the major's release (`RELEASE`).
//!
//! The files are Asterisk's (GPL-2.0) and are never part of this crate:
//! they are read at run time from the spec folder ([`locate_spec_dir`]).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use ari_spec::swagger::ParamType;
use ari_spec::{Api, SpecDir, SpecSource, MAJORS};

use crate::error::ApiError;
use crate::error::FakeError;
use crate::http::router::{self, Handler, RoutePattern};
use crate::ordered_json::OrderedJson;

/// The release `/asterisk/info` reports when no major is emulated.
pub(crate) const BASE_RELEASE: &str = "20.20.1";

/// Whether Asterisk `version` has what came in `since`, the first
/// `(major, minor)` release of each line that has it, oldest line first:
/// a release of a listed line from that one on, and any release of a line
/// after the last listed; not a line before or between them (one that
/// never got it). A version whose numbers cannot be read (a development
/// build) has everything.
pub(crate) fn release_has(version: &str, since: &[(u32, u32)]) -> bool {
    let mut numbers = version
        .split(['.', '-'])
        .map(|part| part.trim().parse::<u32>().ok());
    let (Some(Some(major)), Some(Some(minor))) = (numbers.next(), numbers.next()) else {
        return true;
    };
    for (line, first) in since {
        if *line == major {
            return minor >= *first;
        }
        if *line > major {
            return false;
        }
    }
    true
}

/// The major whose api-docs are served when none is emulated (the one the
/// handlers are written for).
const BASE_MAJOR: u32 = 20;

/// `MAX_VALS` of the generated `res_ari_*.c`: an `allowMultiple` query
/// parameter with this many values or more is refused.
const MAX_VALUES: usize = 128;

/// The spec folder: `explicit`, else `$ARI_SPEC_DIR`, else
/// `../shared/ari-spec` beside the workspace this crate was built in (the
/// same rule as the rest of the workspace's tools).
pub(crate) fn locate_spec_dir(explicit: Option<PathBuf>) -> SpecDir {
    SpecDir::locate(
        explicit,
        Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/..")),
    )
}

/// What the fake answers as.
#[derive(Debug)]
pub(crate) struct Emulation {
    /// The emulated major's operations; `None`: the handlers' own table
    /// (Asterisk 20's routes, parameters as the handlers read them).
    pub operations: Option<Arc<Vec<SpecOperation>>>,
    /// The api-docs served under `/ari/api-docs/`.
    pub docs: Arc<ApiDocs>,
}

/// One operation of the emulated major.
#[derive(Debug)]
pub(crate) struct SpecOperation {
    method: &'static str,
    pattern: Vec<String>,
    /// `channels.originate`.
    name: String,
    /// The query parameters it declares: name and `allowMultiple`.
    query: Vec<(String, bool)>,
    /// It declares a `body` parameter: the generated code hands the whole
    /// JSON body to the resource.
    takes_body: bool,
    /// The fake's route of the same method and shape, with the names it
    /// gives the path variables.
    handler: Option<(Handler, &'static [&'static str])>,
}

impl RoutePattern for SpecOperation {
    fn method(&self) -> &'static str {
        self.method
    }
    fn segment(&self, depth: usize) -> Option<&str> {
        self.pattern.get(depth).map(String::as_str)
    }
    fn depth(&self) -> usize {
        self.pattern.len()
    }
}

/// What a request carries once the generated parameter parsing has read it.
#[derive(Debug)]
pub(crate) struct Admitted {
    /// The query and form parameters the operation declares.
    pub params: Vec<(String, String)>,
    /// The JSON body, or the fields of it the operation reads.
    pub body: Option<serde_json::Value>,
    /// The parameters split on commas (those marked `allowMultiple`).
    pub lists: Vec<String>,
}

impl SpecOperation {
    /// `channels.originate`, for messages.
    pub(crate) fn name(&self) -> &str {
        &self.name
    }

    /// `POST /channels/{channelId}`, for messages.
    pub(crate) fn route(&self) -> String {
        format!("{} /{}", self.method, self.pattern.join("/"))
    }

    /// The fake's handler and its path variable names, if it has one.
    pub(crate) fn handler(&self) -> Option<(Handler, &'static [&'static str])> {
        self.handler
    }

    /// Keeps what the generated `ast_ari_*_cb` of this operation reads from
    /// the query, the form and the JSON body, and refuses an `allowMultiple`
    /// value it would refuse.
    pub(crate) fn admit(
        &self,
        params: Vec<(String, String)>,
        body: Option<serde_json::Value>,
    ) -> Result<Admitted, ApiError> {
        let declared = |name: &str| self.query.iter().find(|(n, _)| n == name);
        let mut kept = Vec::with_capacity(params.len());
        for (name, value) in params {
            let Some((_, multiple)) = declared(&name) else {
                continue;
            };
            if *multiple && value.split(',').count() >= MAX_VALUES {
                return Err(ApiError::bad_request(format!(
                    "Too many values for {}",
                    snakify(&name)
                )));
            }
            kept.push((name, value));
        }
        let body = match body {
            Some(body) if self.takes_body => Some(body),
            Some(serde_json::Value::Object(fields)) => Some(serde_json::Value::Object(
                fields
                    .into_iter()
                    .filter(|(name, _)| declared(name).is_some())
                    .collect(),
            )),
            // Not an object: the generated code finds no field in it.
            Some(_) | None => None,
        };
        Ok(Admitted {
            params: kept,
            body,
            lists: self
                .query
                .iter()
                .filter(|(_, multiple)| *multiple)
                .map(|(name, _)| name.clone())
                .collect(),
        })
    }
}

/// `snakify` of `make_ari_stubs.py`: the C name Asterisk's messages use
/// for a parameter (`eventSource` is `event_source`).
fn snakify(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    let mut prior_lower = false;
    for c in name.chars() {
        if c.is_uppercase() && prior_lower {
            out.push('_');
        }
        let c = if c == '-' { '_' } else { c };
        prior_lower = c.is_lowercase();
        out.extend(c.to_lowercase());
    }
    out
}

/// A major's api-docs, read once per process and folder: many fakes of the
/// same major in one test binary share them.
#[derive(Debug)]
struct LoadedMajor {
    release: Option<String>,
    operations: Arc<Vec<SpecOperation>>,
    docs: Arc<ApiDocs>,
}

type MajorCache = Mutex<HashMap<(PathBuf, u32), Arc<LoadedMajor>>>;

fn major_cache() -> &'static MajorCache {
    static CACHE: OnceLock<MajorCache> = OnceLock::new();
    CACHE.get_or_init(Default::default)
}

impl Emulation {
    /// No major chosen: the handlers' own routes; the api-docs of
    /// Asterisk 20 if the spec folder has them (read on first request).
    pub(crate) fn base(spec_dir: &SpecDir) -> Emulation {
        Emulation {
            operations: None,
            docs: Arc::new(ApiDocs::new(spec_dir.major_dir(BASE_MAJOR))),
        }
    }

    /// Emulates `major`: its operations now, its api-docs on first request.
    /// Returns the release its `RELEASE` file names, if any.
    pub(crate) fn major(
        spec_dir: &SpecDir,
        major: u32,
    ) -> Result<(Emulation, Option<String>), FakeError> {
        if !MAJORS.contains(&major) {
            return Err(FakeError::UnsupportedMajor(major));
        }
        let folder = spec_dir.major_dir(major);
        let key = (folder.clone(), major);
        let cached = major_cache()
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&key)
            .cloned();
        let loaded = match cached {
            Some(loaded) => loaded,
            None => {
                let spec =
                    spec_dir
                        .load_major(major)
                        .map_err(|source| FakeError::SpecUnavailable {
                            major,
                            folder: folder.clone(),
                            source,
                        })?;
                let loaded = Arc::new(LoadedMajor {
                    release: spec.release.clone(),
                    operations: Arc::new(operations(&Api::merge(&spec))),
                    docs: Arc::new(ApiDocs::new(folder)),
                });
                major_cache()
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .insert(key, loaded.clone());
                loaded
            }
        };
        let emulation = Emulation {
            operations: Some(loaded.operations.clone()),
            docs: loaded.docs.clone(),
        };
        Ok((emulation, loaded.release.clone()))
    }
}

/// Every operation of a release, each tied to the fake's route of the same
/// method and shape.
fn operations(api: &Api) -> Vec<SpecOperation> {
    api.operations()
        .map(|op| {
            let method = op.operation.http_method.as_str();
            let pattern: Vec<String> = op
                .api
                .path
                .trim_start_matches('/')
                .split('/')
                .map(str::to_string)
                .collect();
            let handler = router::ROUTES
                .iter()
                .find(|route| route.method == method && same_shape(route.pattern, &pattern))
                .map(|route| (route.handler, route.pattern));
            let params = &op.operation.parameters;
            SpecOperation {
                method,
                name: format!("{}.{}", op.resource.name, op.operation.nickname),
                query: params
                    .iter()
                    .filter(|p| p.param_type == ParamType::Query)
                    .map(|p| (p.name.clone(), p.is_multiple()))
                    .collect(),
                takes_body: params.iter().any(|p| p.param_type == ParamType::Body),
                pattern,
                handler,
            }
        })
        .collect()
}

/// Same literals at the same places, variables at the same places
/// (whatever their names).
fn same_shape(fake: &[&str], spec: &[String]) -> bool {
    fake.len() == spec.len()
        && fake.iter().zip(spec).all(|(a, b)| {
            let variable = |s: &str| s.starts_with('{');
            if variable(a) || variable(b) {
                variable(a) && variable(b)
            } else {
                *a == b
            }
        })
}

/// The api-docs of one major as Asterisk installs them: `resources.json`
/// and every declaration it lists, side by side in one folder
/// (`$ASTDATADIR/rest-api/`).
#[derive(Debug)]
pub(crate) struct ApiDocs {
    folder: PathBuf,
    files: OnceLock<Result<HashMap<String, OrderedJson>, String>>,
}

impl ApiDocs {
    fn new(folder: PathBuf) -> ApiDocs {
        ApiDocs {
            folder,
            files: OnceLock::new(),
        }
    }

    /// The documents by file name (`resources.json`, `channels.json`), or
    /// why there are none.
    pub(crate) fn files(&self) -> Result<&HashMap<String, OrderedJson>, &str> {
        self.files
            .get_or_init(|| read_docs(&self.folder))
            .as_ref()
            .map_err(String::as_str)
    }
}

fn read_docs(folder: &Path) -> Result<HashMap<String, OrderedJson>, String> {
    let unavailable = |why: String| {
        format!(
            "The fake Asterisk has no api-docs to serve: {why}. Point ARI_SPEC_DIR \
             (or --spec-dir) at the spec folder, the one holding <major>/resources.json."
        )
    };
    // The typed load checks the files are api-docs and lists the declarations.
    let spec = SpecSource::Dir(folder.to_path_buf())
        .load()
        .map_err(|e| unavailable(error_chain(&e)))?;
    let files = std::iter::once("resources.json".to_string())
        .chain(spec.declarations.iter().map(|d| d.file.clone()));
    let mut docs = HashMap::new();
    for file in files {
        let path = folder.join(&file);
        let text = std::fs::read(&path)
            .map_err(|e| unavailable(format!("cannot read {}: {e}", path.display())))?;
        let json: OrderedJson = serde_json::from_slice(&text)
            .map_err(|e| unavailable(format!("{}: {e}", path.display())))?;
        let name = file.rsplit('/').next().unwrap_or(&file).to_string();
        docs.insert(name, json);
    }
    Ok(docs)
}

/// An error and its causes on one line (`cannot read /x/20: No such file ...`).
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snakify_as_make_ari_stubs() {
        assert_eq!(snakify("eventSource"), "event_source");
        assert_eq!(snakify("media"), "media");
        assert_eq!(snakify("channelId"), "channel_id");
        assert_eq!(snakify("ABC"), "abc");
    }

    fn operation(pattern: &str, query: &[(&str, bool)], takes_body: bool) -> SpecOperation {
        SpecOperation {
            method: "POST",
            pattern: pattern.split('/').map(str::to_string).collect(),
            name: "channels.teleport".into(),
            query: query.iter().map(|(n, m)| (n.to_string(), *m)).collect(),
            takes_body,
            handler: None,
        }
    }

    #[test]
    fn an_operation_the_fake_lacks_is_501_naming_it() {
        let ops = [operation("channels/{channelId}/teleport", &[], false)];
        let segments: Vec<String> = ["channels", "abc", "teleport"].map(String::from).to_vec();
        let router::Resolved::Unimplemented(op) =
            router::resolve_emulated(&ops, &axum::http::Method::POST, &segments)
        else {
            panic!("teleport has no handler");
        };
        let response = router::unimplemented(op);
        assert_eq!(response.status, 501);
        let crate::rest::response::AriBody::Json(body) = response.body else {
            panic!("a JSON error");
        };
        assert_eq!(
            body["message"],
            "Method not implemented: the fake Asterisk does not implement channels.teleport \
             (POST /channels/{channelId}/teleport)"
        );
    }

    #[test]
    fn only_what_the_generated_parsing_reads_is_admitted() {
        let params = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        let op = operation("x", &[("app", false), ("media", true)], false);
        let admitted = op
            .admit(
                params(&[("app", "a"), ("api_key", "u:p"), ("other", "1")]),
                Some(serde_json::json!({"media": ["m"], "variables": {"V": "1"}})),
            )
            .expect("admitted");
        assert_eq!(admitted.params, params(&[("app", "a")]));
        assert_eq!(admitted.body, Some(serde_json::json!({"media": ["m"]})));
        assert_eq!(admitted.lists, vec!["media".to_string()]);

        let with_body = operation("x", &[], true);
        let body = serde_json::json!({"variables": {"V": "1"}, "anything": 1});
        let admitted = with_body
            .admit(Vec::new(), Some(body.clone()))
            .expect("admitted");
        assert_eq!(admitted.body, Some(body));

        let many = vec!["m"; MAX_VALUES].join(",");
        let refused = op
            .admit(params(&[("media", &many)]), None)
            .expect_err("128 values");
        assert_eq!(refused.body["message"], "Too many values for media");
        let fewer = vec!["m"; MAX_VALUES - 1].join(",");
        assert!(op.admit(params(&[("media", &fewer)]), None).is_ok());
    }

    #[test]
    fn shapes_match_by_literals_and_variable_places() {
        let spec = |p: &str| p.split('/').map(str::to_string).collect::<Vec<_>>();
        assert!(same_shape(
            &["channels", "{channelId}"],
            &spec("channels/{id}")
        ));
        assert!(!same_shape(
            &["channels", "externalMedia"],
            &spec("channels/{channelId}")
        ));
        assert!(!same_shape(&["channels"], &spec("channels/{channelId}")));
    }
}
