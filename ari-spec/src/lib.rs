//! A typed model of the Asterisk REST Interface (ARI) api-docs.
//!
//! Asterisk describes ARI in Swagger 1.1: a resource listing
//! (`resources.json`) and one API declaration per resource
//! (`api-docs/channels.json`, ...). This crate
//!
//! - loads them from a spec folder, an Asterisk source checkout or a running
//!   Asterisk ([`SpecSource`]) into one typed [`Spec`];
//! - merges a release into one [`Api`] (operations, models, events);
//!
//! ```no_run
//! use ari_spec::{Api, SpecSource};
//!
//! let spec = SpecSource::Dir("../shared/ari-spec/20".into()).load()?;
//! let api = Api::merge(&spec);
//! assert!(api.operation("channels", "originate").is_some());
//! # Ok::<(), ari_spec::SpecError>(())
//! ```

#![warn(missing_docs)]

pub mod api;
pub mod data_type;
pub mod error;
pub mod item;
pub mod source;
pub mod swagger;

pub use api::{Api, OperationRef, Resource};
pub use data_type::DataType;
pub use error::SpecError;
pub use item::ItemKey;
pub use source::{Spec, SpecDir, SpecSource, MAJORS};
