//! A typed model of the Asterisk REST Interface (ARI) api-docs: load,
//! validate, merge, diff and release history.
//!
//! Asterisk describes ARI in Swagger 1.1: a resource listing
//! (`resources.json`) and one API declaration per resource
//! (`api-docs/channels.json`, ...). This crate
//!
//! - **loads** them from a spec folder, an Asterisk source checkout (its
//!   `rest-api/`) or a running Asterisk (`http(s)://HOST:8088/ari`, Basic
//!   auth) — [`SpecSource`] — into one typed [`Spec`] ([`swagger`] is the raw
//!   model; keys it does not know are kept in `unknown` maps, never
//!   dropped). Bad input is a typed [`SpecError`]: `Io` (missing file or
//!   folder), `Json` (with line and column), `NotASpec`, `Unreachable`,
//!   `Unauthorized` (401), `HttpStatus`;
//! - **validates** a release ([`validate()`]): every referenced type
//!   resolves, paths and path parameters agree, nicknames and models are
//!   unique, subtypes and discriminators exist, unknown keys and status codes
//!   written as strings are reported — each [`Diagnostic`] naming file, API
//!   path, operation and parameter or field;
//! - **merges** a release into one [`Api`] (operations, models, events);
//! - **diffs** two releases ([`diff()`]): operations, parameters, models,
//!   events, fields and allowable values added, removed or changed, as text
//!   or JSON;
//! - computes the **history** of every item ([`History`]): per release line
//!   (13 … 23), the intervals of releases that have it, computed from the
//!   release snapshots of `history/`, checked against the `since` lists the
//!   spec carries itself ([`since`]).
//!
//! Items are named by [`ItemKey`] (`channels.originate`,
//! `channels.originate(endpoint)`, `model Channel`, `event StasisStart`,
//! `Channel.state`, `Channel.state = Up`). `cargo xtask spec validate`,
//! `cargo xtask spec diff A B` and `cargo xtask spec since ITEM` put all of
//! this on the command line.
//!
//! ```
//! use std::path::Path;
//!
//! use ari_spec::{diff, validate, Api, History, ItemKey, Severity, SpecDir};
//!
//! // `$ARI_SPEC_DIR`, else `../shared/ari-spec` beside the workspace.
//! let spec_dir = SpecDir::locate(None, Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/..")));
//!
//! let spec = spec_dir.load_major(20)?;
//! assert_eq!(spec.release.as_deref(), Some("20.20.1"));
//! // Asterisk's own files have warnings (see below), never errors.
//! assert!(validate(&spec).iter().all(|d| d.severity == Severity::Warning));
//!
//! let v20 = Api::merge(&spec);
//! let v19 = Api::merge(&spec_dir.load_major(19)?);
//! let claim = ItemKey::operation("events", "claimChannel");
//! assert!(diff(&v19, &v20).change(&claim).is_some());
//!
//! let history = History::load(&spec_dir)?;
//! assert_eq!(history.first_release(20, &claim), Some("20.20.0"));
//! assert_eq!(history.first_release(21, &claim), None);
//! # Ok::<(), ari_spec::SpecError>(())
//! ```
//!
//! # Known inconsistencies in Asterisk's api-docs
//!
//! [`validate()`] over the 11 `<major>/` folders and the 74 snapshots of
//! `history/` (every release 13.0.0 … 23.4.1) finds no error and exactly the
//! warnings below; `tests/validate.rs` asserts this list, so a regression or
//! a new inconsistency fails. Release ranges are inclusive.
//!
//! 1. **`descriptioni`** (for `description`) on parameter `variables` of
//!    `endpoints.sendMessage` (`api-docs/endpoints.json`, path
//!    `/endpoints/sendMessage`) and of `endpoints.sendMessageToEndpoint`
//!    (path `/endpoints/{tech}/{resource}/sendMessage`): every release. The
//!    parameter thus has no `description`.
//! 2. **`defalutValue`** (for `defaultValue`, value `"normal"`) on parameter
//!    `reason` of `channels.hangup` (`api-docs/channels.json`, path
//!    `/channels/{channelId}`): 13.0.0 … 16.30.1; fixed in 17.0.0. The
//!    default is not machine-readable there.
//! 3. **`__note`** (a comment about `core show translation`) on parameter
//!    `format` of `sounds.list` (`api-docs/sounds.json`, path `/sounds`):
//!    every release.
//! 4. **Status codes written as strings**, `"404"` and `"409"`, in
//!    `channels.move` (`api-docs/channels.json`, path
//!    `/channels/{channelId}/move`): wherever `move` exists, 13.26.0 …
//!    13.38.3 and 16.3.0 … 23.4.1. [`swagger::StatusCode`] reads both forms.
//! 5. **Path parameters not marked `required`** in `api-docs/endpoints.json`:
//!    `tech` of `endpoints.listByTech` (`/endpoints/{tech}`), `tech` and
//!    `resource` of `endpoints.get` (`/endpoints/{tech}/{resource}`) and of
//!    `endpoints.sendMessageToEndpoint` (every release), and of
//!    `endpoints.referToEndpoint` (`/endpoints/{tech}/{resource}/refer`,
//!    wherever it exists: 18.20.0 … 18.26.4 and 20.5.0 … 23.4.1). A path
//!    cannot omit them; a client must treat them as required.
//! 6. **`swaggerVersion` `1.2`** in `api-docs/events.json` (it uses the
//!    websocket `upgrade` of Swagger 1.2) while the listing and the other
//!    declarations say `1.1`: every release.
//! 7. **Declarations' `apiVersion` lags the listing's** (all 11
//!    declarations each time): 13.2.0 … 13.3.2 (`1.6.0` vs `1.7.0`), 13.26.0
//!    (`1.10.0` vs `1.10.1`), 13.27.0 … 13.31.0 (`1.10.0` vs `1.10.2`),
//!    13.32.0 … 13.38.3 (`1.10.0` vs `1.11.2`), 14.0.0 … 14.1.2 (`1.7.0` vs
//!    `1.10.0`), and every release from 15.0.0 on (`2.0.0` vs the release's
//!    ARI version, `3.0.0` … `11.0.0`, as `releases.tsv` gives it). The
//!    listing's is ARI's version; [`Api::api_version`] is the listing's.
//!
//! Not found anywhere, though checked: unresolved types (the `Variables`
//! response class of `getChannelVars` and `getBridgeVars` resolves: 20.20.0,
//! 22.10.0 and 23.4.0 define the model), `{param}`s without path
//! parameters, duplicate nicknames, duplicate models, missing subtypes or
//! discriminators, unknown keys inside `allowableValues`.
//!
//! ## The spec's `since` lists against the release snapshots
//!
//! [`History::since_disagreements`] (rule in [`since`]), asserted by
//! `tests/history.rs`. The 120 `since` lists (11 declarations, 109
//! operations; carried from 20.13.0, 21.8.0, 22.3.0 and 23.0.0 on, the same
//! list in every snapshot) agree with the snapshots on every line but these:
//!
//! 1. **`events.claimChannel`**: its `since` list says `20.17.0`, `22.7.0`
//!    and `23.1.0`; the release snapshots first carry it in **20.20.0**,
//!    **22.10.0** and **23.4.0** (20.17.0 … 20.19.0, 22.7.0 … 22.9.0 and
//!    23.1.0 … 23.3.0 shipped without it). Both agree that the 21 line never
//!    got it.
//! 2. **`bridges.createWithId`**: its `since` list says `12.2.0`, which
//!    claims 13.0.0; 13.0.0 … 13.1.1 shipped the operation under the
//!    nickname `create_or_update_with_id`, and `createWithId` first appears
//!    in **13.2.0**. The list dates the operation, the snapshots its name.
//!
//! ## The history is not monotonic
//!
//! [`History::timeline`] keeps every interval: 14.0.0 lacks what 13 gained
//! after 14 branched (`channels.move`, `channels.rtpstatistics`,
//! `applications.filter`, `asterisk.ping`, `bridges.setVideoSource`,
//! `bridges.clearVideoSource`) and 16 brought it back; 19 lacks
//! `endpoints.refer` that 18.20.0 and 20.5.0 have; `claimChannel`,
//! `getChannelVars` and friends reached 20, 22 and 23 late and never 21;
//! within a line, model `TextMessageVariable` went away in 13.32.0, 16.9.0
//! and 17.3.0 and model `ExternalMedia` lived only in 16.6.0 … 16.6.2.

#![warn(missing_docs)]

pub mod api;
pub mod data_type;
pub mod diff;
pub mod error;
pub mod history;
pub mod item;
pub mod releases;
pub mod since;
pub mod source;
pub mod swagger;
pub mod validate;
pub mod version;

pub use api::{Api, OperationRef, Resource};
pub use data_type::DataType;
pub use diff::{diff, ApiDiff, AttributeChange, Change, ChangeKind};
pub use error::SpecError;
pub use history::{History, Interval, Subject, Timeline};
pub use item::ItemKey;
pub use releases::{Release, ReleaseTable};
pub use since::{SinceClaim, SinceDisagreement, SinceList};
pub use source::{Spec, SpecDir, SpecSource, MAJORS};
pub use validate::{validate, Check, Diagnostic, Location, Severity};
pub use version::Version;
