//! Spec -> Rust: the generator of `ari-sdk`'s version modules.
//!
//! From the merged [`Api`] of one Asterisk release, [`generate`] writes one
//! version module (`ari-sdk/src/generated/vNN/`): the models, the [`Event`]
//! enum, and per resource a group of endpoint methods with their request
//! builders. Code is built with `quote`, formatted with `prettyplease`, named
//! with `heck`; every piece of prose comes from the askama templates in
//! `templates/` and the project's own one-line summaries (`knowledge.rs`).
//! Of the api-docs only the facts are used, never their descriptions, and
//! every operation, model and event links to Asterisk's documentation
//! (`asterisk_docs.rs`). [`api_matrix`] writes `API_MATRIX.md`.
//!
//! The output is deterministic: it depends on nothing but the spec (in spec
//! order), the options and the release history.
//!
//! The modules, each using only those before it: `names`, `prose`,
//! `templates`, `emit`, `asterisk_docs`, and the hand-kept knowledge of ARI
//! (`fixups`: what the api-docs get wrong; `knowledge`: our summaries;
//! `special`: the handles' tables); `context` (the spec worked out once);
//! `enums`, `events`, `models`, `resources`; `handles`; `module` (`mod.rs`);
//! then `share` and `matrix`, which read generated files.
//!
//! [`Event`]: https://docs.rs/ari-sdk
//!
//! ```no_run
//! use ari_codegen::{generate, Options};
//! use ari_spec::{Api, SpecSource};
//!
//! let spec = SpecSource::Dir("../shared/ari-spec/20".into()).load()?;
//! let api = Api::merge(&spec);
//! let files = generate(&api, &Options::sdk(20, "20.20.1"), &ari_codegen::NoHistory)?;
//! for file in files {
//!     println!("{}: {} bytes", file.path, file.contents.len());
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod asterisk_docs;
mod context;
mod emit;
mod enums;
mod events;
pub mod fixups;
mod handles;
mod knowledge;
mod matrix;
mod models;
mod module;
pub mod names;
pub mod prose;
mod resources;
mod share;
mod special;
mod templates;

use ari_spec::{Api, ItemKey};
use proc_macro2::TokenStream;
use quote::quote;

pub use matrix::{api_matrix, MatrixInput};
pub use share::{share, ModuleFiles, SharedModules};

/// Where the generated code finds the runtime.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Runtime {
    /// Inside `ari-sdk`: `crate::runtime`.
    Crate,
    /// Outside it (the generator's snapshot tests): `::ari_sdk::runtime`.
    External,
}

/// What to generate.
#[derive(Debug, Clone)]
pub struct Options {
    /// The Asterisk major (`20`).
    pub major: u32,
    /// The release the spec is from (`20.20.1`), named in every file header.
    pub release: String,
    /// Where the runtime is.
    pub runtime: Runtime,
    /// The module's path as users write it, for doc examples
    /// (`ari_sdk::v20`); `None` leaves the examples out.
    pub module_path: Option<String>,
}

impl Options {
    /// The options `cargo xtask regen` uses for `ari_sdk::vNN`.
    pub fn sdk(major: u32, release: impl Into<String>) -> Options {
        Options {
            major,
            release: release.into(),
            runtime: Runtime::Crate,
            module_path: Some(format!("ari_sdk::v{major}")),
        }
    }

    fn runtime_path(&self) -> TokenStream {
        match self.runtime {
            Runtime::Crate => quote!(crate::runtime),
            Runtime::External => quote!(::ari_sdk::runtime),
        }
    }
}

/// Answers "since which release does this major have this item": the
/// release history, or a stand-in.
pub trait Since {
    /// The release of the module's major in which `key` first appeared
    /// (what the per-release guard checks before sending).
    fn first_release(&self, key: &ItemKey) -> Option<String>;

    /// The release of every major line that got `key` after the line's
    /// first release (`["20.15.0", "21.10.0", "22.5.0"]`), ascending; by
    /// default the module's own [`first_release`](Since::first_release).
    /// The same in every major, so an operation's table, and the item, can
    /// be shared by the majors that have it alike.
    fn line_releases(&self, key: &ItemKey) -> Vec<String> {
        self.first_release(key).into_iter().collect()
    }

    /// What the docs say after "Available since Asterisk":
    /// [`line_releases`](Since::line_releases) as a list ("20.15.0,
    /// 21.10.0 and 22.5.0").
    fn doc_since(&self, key: &ItemKey) -> Option<String> {
        match self.line_releases(key).as_slice() {
            [] => None,
            [one] => Some(one.clone()),
            [init @ .., last] => Some(format!("{} and {last}", init.join(", "))),
        }
    }
}

impl<F> Since for F
where
    F: Fn(&ItemKey) -> Option<String>,
{
    fn first_release(&self, key: &ItemKey) -> Option<String> {
        self(key)
    }
}

/// No history: the docs say nothing about releases.
#[derive(Debug, Clone, Copy)]
pub struct NoHistory;

impl Since for NoHistory {
    fn first_release(&self, _key: &ItemKey) -> Option<String> {
        None
    }
}

/// One generated file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedFile {
    /// Relative to the module's folder, `/`-separated (`models/channels.rs`).
    pub path: String,
    /// The file's text.
    pub contents: String,
}

/// Why a module could not be generated.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CodegenError {
    /// The spec uses a name twice where Rust needs it once.
    #[error("name clash in {scope}: `{name}` ({what})")]
    NameClash {
        /// The module or type.
        scope: String,
        /// The Rust name.
        name: String,
        /// What the two things are.
        what: String,
    },
    /// A type names a model the spec does not define.
    #[error("{owner}: unknown model `{model}`")]
    UnknownModel {
        /// The field or operation.
        owner: String,
        /// The name.
        model: String,
    },
    /// A path parameter that the path does not name, or the reverse.
    #[error("{operation}: {problem}")]
    BadOperation {
        /// `channels.originate`.
        operation: String,
        /// What is wrong.
        problem: String,
    },
    /// The generated tokens are not valid Rust (a generator bug).
    #[error("generated code of {file} does not parse: {message}")]
    InvalidCode {
        /// The file.
        file: String,
        /// syn's message.
        message: String,
    },
    /// A template failed to render.
    #[error("template: {0}")]
    Template(String),
    /// A correction of the api-docs (`fixups::UPSTREAM_BUGS`) no longer
    /// applies: Asterisk fixed its api-docs, or changed.
    #[error("fixup {fixup} no longer applies: {problem}; remove or narrow it")]
    StaleFixup {
        /// The fixup's name.
        fixup: &'static str,
        /// What the api-docs say now.
        problem: String,
    },
}

/// Generates one version module from the merged spec of one release.
///
/// Files come back in a fixed order: `mod.rs`, `models/mod.rs`, one
/// `models/<resource>.rs` per resource that defines models, one
/// `<resource>.rs` per resource with REST operations, and `handles.rs` when
/// the module has channels, bridges, playbacks and recordings.
pub fn generate(
    api: &Api,
    options: &Options,
    since: &dyn Since,
) -> Result<Vec<GeneratedFile>, CodegenError> {
    let mut api = api.clone();
    fixups::apply(&mut api)?;
    let ctx = context::Context::new(&api, options, since)?;
    let mut files = Vec::new();
    files.push(module::root(&ctx)?);
    files.push(models::models_mod(&ctx)?);
    for resource in ctx.model_files() {
        files.push(models::models_file(&ctx, &resource)?);
    }
    for resource in &ctx.resources {
        files.push(resources::resource_file(&ctx, resource)?);
    }
    if handles::applies(&ctx) {
        files.push(handles::handles_file(&ctx)?);
    }
    Ok(files)
}
