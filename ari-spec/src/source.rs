//! The three places ARI api-docs come from, loaded into one typed [`Spec`].
//!
//! - a spec folder: `resources.json` + `api-docs/*.json` (+ an optional `RELEASE`);
//! - an Asterisk source checkout: the same files under `rest-api/`;
//! - a running Asterisk: `http(s)://HOST:8088/ari/api-docs/resources.json`, Basic auth.

use std::path::{Path, PathBuf};
use std::time::Duration;

use base64::Engine as _;
use serde::de::DeserializeOwned;

use crate::error::SpecError;
use crate::releases::ReleaseTable;
use crate::swagger::{ApiDeclaration, ResourceListing};

/// Where to load api-docs from.
///
/// Loading is blocking (a tool's one-off step); it may be called from inside
/// an async runtime, where it fetches on a thread of its own.
///
/// ```no_run
/// use ari_spec::{Api, SpecError, SpecSource};
///
/// // A running Asterisk, as ari.conf's user:
/// let live = SpecSource::Url {
///     url: "http://127.0.0.1:8088/ari".into(),
///     username: Some("asterisk".into()),
///     password: Some("secret".into()),
/// };
/// match live.load() {
///     Ok(spec) => println!("{} resources", Api::merge(&spec).resources.len()),
///     Err(SpecError::Unauthorized { url }) => eprintln!("{url}: check ari.conf"),
///     Err(other) => eprintln!("{other}"),
/// }
/// // An Asterisk source tree (its rest-api/ folder), or a spec folder:
/// let checkout = SpecSource::AsteriskCheckout("/usr/src/asterisk".into()).load()?;
/// let folder = SpecSource::from_arg("../shared/ari-spec/22").load()?;
/// # Ok::<(), SpecError>(())
/// ```
#[derive(Clone)]
pub enum SpecSource {
    /// A folder with `resources.json` and `api-docs/`.
    Dir(PathBuf),
    /// An Asterisk source checkout; the docs are in its `rest-api/`.
    AsteriskCheckout(PathBuf),
    /// A running Asterisk.
    Url {
        /// `http://HOST:8088/ari` or the full `.../ari/api-docs/resources.json`.
        url: String,
        /// The ARI user (ari.conf), if the server wants one.
        username: Option<String>,
        /// The ARI user's password.
        password: Option<String>,
    },
}

impl std::fmt::Debug for SpecSource {
    // Hand-written so that a password never reaches a log.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SpecSource::Dir(p) => f.debug_tuple("Dir").field(p).finish(),
            SpecSource::AsteriskCheckout(p) => f.debug_tuple("AsteriskCheckout").field(p).finish(),
            SpecSource::Url { url, username, .. } => f
                .debug_struct("Url")
                .field("url", url)
                .field("username", username)
                .finish_non_exhaustive(),
        }
    }
}

/// One release's api-docs as loaded: the listing and every declaration it names.
#[derive(Debug, Clone, PartialEq)]
pub struct Spec {
    /// The Asterisk release, where the source says (`RELEASE` file, or the
    /// caller); `None` for a server or checkout that does not tell.
    pub release: Option<String>,
    /// `resources.json`.
    pub listing: ResourceListing,
    /// The declarations, in listing order.
    pub declarations: Vec<LoadedDeclaration>,
}

/// A declaration with the resource name and the file it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadedDeclaration {
    /// `channels`.
    pub resource: String,
    /// `api-docs/channels.json`, relative to the listing.
    pub file: String,
    /// The document.
    pub declaration: ApiDeclaration,
}

impl SpecSource {
    /// Chooses the source a command-line argument names: a URL, a checkout
    /// (a folder with `rest-api/resources.json`) or a spec folder.
    pub fn from_arg(arg: &str) -> SpecSource {
        if arg.starts_with("http://") || arg.starts_with("https://") {
            return SpecSource::Url {
                url: arg.to_string(),
                username: None,
                password: None,
            };
        }
        let path = PathBuf::from(arg);
        if path.join("rest-api").join("resources.json").is_file() {
            SpecSource::AsteriskCheckout(path)
        } else {
            SpecSource::Dir(path)
        }
    }

    /// Loads the listing and every declaration it names.
    pub fn load(&self) -> Result<Spec, SpecError> {
        match self {
            SpecSource::Dir(dir) => load_dir(dir),
            SpecSource::AsteriskCheckout(root) => {
                std::fs::metadata(root).map_err(|source| SpecError::Io {
                    path: root.clone(),
                    source,
                })?;
                let dir = root.join("rest-api");
                if !dir.join("resources.json").is_file() {
                    return Err(SpecError::NotASpec { path: root.clone() });
                }
                load_dir(&dir)
            }
            SpecSource::Url {
                url,
                username,
                password,
            } => {
                // reqwest's blocking client must not be built or dropped on a
                // thread that runs an async runtime (it panics there), and
                // callers may well be inside one: fetch on a thread of our own.
                std::thread::scope(|scope| {
                    scope
                        .spawn(|| load_url(url, username.as_deref(), password.as_deref()))
                        .join()
                        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
                })
            }
        }
    }
}

fn load_dir(dir: &Path) -> Result<Spec, SpecError> {
    // A folder that is not there is an I/O error; one without a listing is
    // not a spec.
    std::fs::metadata(dir).map_err(|source| SpecError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    let listing_path = dir.join("resources.json");
    if !listing_path.is_file() {
        return Err(SpecError::NotASpec {
            path: dir.to_path_buf(),
        });
    }
    let listing: ResourceListing = read_json_file(&listing_path)?;
    let mut declarations = Vec::with_capacity(listing.apis.len());
    for api in &listing.apis {
        let file = api.relative_file();
        let declaration = read_json_file(&dir.join(&file))?;
        declarations.push(LoadedDeclaration {
            resource: api.name().to_string(),
            file,
            declaration,
        });
    }
    let release = match std::fs::read_to_string(dir.join("RELEASE")) {
        Ok(text) => Some(text.trim().to_string()).filter(|s| !s.is_empty()),
        Err(_) => None,
    };
    Ok(Spec {
        release,
        listing,
        declarations,
    })
}

fn read_json_file<T: DeserializeOwned>(path: &Path) -> Result<T, SpecError> {
    let bytes = std::fs::read(path).map_err(|source| SpecError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    serde_json::from_slice(&bytes).map_err(|e| SpecError::json(path.display().to_string(), e))
}

/// The listing URL for what a user typed: `http://h:8088/ari` gets
/// `/api-docs/resources.json` appended; a URL ending in `.json` is kept.
pub fn listing_url(url: &str) -> String {
    let url = url.trim_end_matches('/');
    if url.ends_with(".json") {
        url.to_string()
    } else if url.ends_with("/api-docs") {
        format!("{url}/resources.json")
    } else {
        format!("{url}/api-docs/resources.json")
    }
}

fn load_url(url: &str, username: Option<&str>, password: Option<&str>) -> Result<Spec, SpecError> {
    let listing_url = listing_url(url);
    let base = listing_url
        .rsplit_once('/')
        .map(|(base, _)| base.to_string())
        .unwrap_or_default();
    let client = reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .map_err(|source| SpecError::Unreachable {
            url: listing_url.clone(),
            source,
        })?;
    let auth = username.map(|user| {
        let raw = format!("{user}:{}", password.unwrap_or(""));
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(raw)
        )
    });
    let get = |url: &str| -> Result<Vec<u8>, SpecError> {
        let mut request = client.get(url);
        if let Some(auth) = &auth {
            request = request.header(reqwest::header::AUTHORIZATION, auth);
        }
        let response = request.send().map_err(|source| SpecError::Unreachable {
            url: url.to_string(),
            source,
        })?;
        match response.status().as_u16() {
            200 => {}
            401 => {
                return Err(SpecError::Unauthorized {
                    url: url.to_string(),
                })
            }
            status => {
                return Err(SpecError::HttpStatus {
                    url: url.to_string(),
                    status,
                })
            }
        }
        response
            .bytes()
            .map(|b| b.to_vec())
            .map_err(|source| SpecError::Unreachable {
                url: url.to_string(),
                source,
            })
    };
    let listing: ResourceListing = serde_json::from_slice(&get(&listing_url)?)
        .map_err(|e| SpecError::json(listing_url.clone(), e))?;
    let mut declarations = Vec::with_capacity(listing.apis.len());
    for api in &listing.apis {
        // The listing names `/api-docs/x.{format}`; the server serves it beside
        // resources.json.
        let file = api.relative_file();
        let file_name = file.rsplit('/').next().unwrap_or(&file);
        let decl_url = format!("{base}/{file_name}");
        let declaration = serde_json::from_slice(&get(&decl_url)?)
            .map_err(|e| SpecError::json(decl_url.clone(), e))?;
        declarations.push(LoadedDeclaration {
            resource: api.name().to_string(),
            file,
            declaration,
        });
    }
    Ok(Spec {
        release: None,
        listing,
        declarations,
    })
}

/// The shared spec folder: `<major>/` for the newest release of each major and
/// `history/` for every release.
///
/// ```
/// use std::path::Path;
///
/// use ari_spec::{Api, SpecDir};
///
/// // `$ARI_SPEC_DIR`, else `../shared/ari-spec` beside the workspace root.
/// let spec_dir = SpecDir::locate(None, Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/..")));
/// let newest_20 = spec_dir.load_major(20)?;
/// assert_eq!(newest_20.release.as_deref(), Some("20.20.1"));
/// // Any release of history/releases.tsv, from the snapshot holding its files:
/// let older = Api::merge(&spec_dir.load_release("20.17.0")?);
/// assert!(older.operation("events", "claimChannel").is_none());
/// # Ok::<(), ari_spec::SpecError>(())
/// ```
#[derive(Debug, Clone)]
pub struct SpecDir {
    root: PathBuf,
}

/// The environment variable that overrides the spec folder.
pub const SPEC_DIR_ENV: &str = "ARI_SPEC_DIR";

/// The majors the SDK knows.
pub const MAJORS: std::ops::RangeInclusive<u32> = 13..=23;

impl SpecDir {
    /// A spec folder at `root`.
    pub fn new(root: impl Into<PathBuf>) -> SpecDir {
        SpecDir { root: root.into() }
    }

    /// `explicit` if given, else `$ARI_SPEC_DIR`, else `../shared/ari-spec`
    /// relative to the workspace root (`workspace_root`).
    pub fn locate(explicit: Option<PathBuf>, workspace_root: &Path) -> SpecDir {
        let root = explicit
            .or_else(|| std::env::var_os(SPEC_DIR_ENV).map(PathBuf::from))
            .unwrap_or_else(|| workspace_root.join("..").join("shared").join("ari-spec"));
        SpecDir { root }
    }

    /// The folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The folder of a major's newest release.
    pub fn major_dir(&self, major: u32) -> PathBuf {
        self.root.join(major.to_string())
    }

    /// Loads a major's newest release.
    pub fn load_major(&self, major: u32) -> Result<Spec, SpecError> {
        if !MAJORS.contains(&major) {
            return Err(SpecError::UnknownRelease(major.to_string()));
        }
        SpecSource::Dir(self.major_dir(major)).load()
    }

    /// The `history/` folder.
    pub fn history_dir(&self) -> PathBuf {
        self.root.join("history")
    }

    /// The folder of one `history/` snapshot.
    pub fn snapshot_dir(&self, snapshot: &str) -> PathBuf {
        self.history_dir().join(snapshot)
    }

    /// `history/releases.tsv`.
    pub fn release_table(&self) -> Result<ReleaseTable, SpecError> {
        ReleaseTable::load(&self.history_dir().join("releases.tsv"))
    }

    /// Loads one snapshot of `history/` by folder name; its `release` is the
    /// snapshot's name (the first release with those files).
    pub fn load_snapshot(&self, snapshot: &str) -> Result<Spec, SpecError> {
        if snapshot.is_empty() || snapshot.contains(['/', '\\']) || snapshot.starts_with('.') {
            return Err(SpecError::UnknownRelease(snapshot.to_string()));
        }
        let mut spec = SpecSource::Dir(self.snapshot_dir(snapshot)).load()?;
        spec.release.get_or_insert_with(|| snapshot.to_string());
        Ok(spec)
    }

    /// Loads any release of `history/releases.tsv` (`20.17.0`) from the
    /// snapshot that holds its api-docs; its `release` is the tag asked for.
    pub fn load_release(&self, tag: &str) -> Result<Spec, SpecError> {
        let table = self.release_table()?;
        let release = table
            .get(tag)
            .ok_or_else(|| SpecError::UnknownRelease(tag.to_string()))?;
        let mut spec = SpecSource::Dir(self.snapshot_dir(&release.snapshot)).load()?;
        spec.release = Some(release.tag.clone());
        Ok(spec)
    }
}
