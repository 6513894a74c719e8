//! One merged [`Api`] per release: every resource's operations, every model,
//! and the events (the subtypes of `Event`).

use indexmap::IndexMap;

use crate::source::Spec;
use crate::swagger::{ApiDeclaration, ApiPath, Model, Operation};

/// Everything one release publishes.
#[derive(Debug, Clone, PartialEq)]
pub struct Api {
    /// The Asterisk release (`20.20.1`), where known.
    pub release: Option<String>,
    /// ARI's own version (`8.0.0`).
    pub api_version: String,
    /// The resources, in listing order.
    pub resources: Vec<Resource>,
    /// Every model of every declaration, first definition first.
    pub models: IndexMap<String, Model>,
    /// For each model, the resource that defines it.
    pub model_resources: IndexMap<String, String>,
}

/// One resource (`channels`) with its declaration.
#[derive(Debug, Clone, PartialEq)]
pub struct Resource {
    /// `channels`.
    pub name: String,
    /// `api-docs/channels.json`.
    pub file: String,
    /// The listing's description.
    pub description: Option<String>,
    /// The document.
    pub declaration: ApiDeclaration,
}

/// An operation with the resource and path it belongs to.
#[derive(Debug, Clone, Copy)]
pub struct OperationRef<'a> {
    /// The resource.
    pub resource: &'a Resource,
    /// The path.
    pub api: &'a ApiPath,
    /// The operation.
    pub operation: &'a Operation,
}

/// The root of the event hierarchy.
pub const EVENT_MODEL: &str = "Event";
/// The root of everything sent on the websocket.
pub const MESSAGE_MODEL: &str = "Message";

impl Api {
    /// Merges a loaded spec. Where two declarations define the same model the
    /// first wins ([`crate::validate()`] reports the second).
    pub fn merge(spec: &Spec) -> Api {
        let mut models = IndexMap::new();
        let mut model_resources = IndexMap::new();
        let mut resources = Vec::with_capacity(spec.declarations.len());
        for (loaded, listed) in spec.declarations.iter().zip(&spec.listing.apis) {
            for (name, model) in &loaded.declaration.models {
                if !models.contains_key(name) {
                    models.insert(name.clone(), model.clone());
                    model_resources.insert(name.clone(), loaded.resource.clone());
                }
            }
            resources.push(Resource {
                name: loaded.resource.clone(),
                file: loaded.file.clone(),
                description: listed.description.clone(),
                declaration: loaded.declaration.clone(),
            });
        }
        Api {
            release: spec.release.clone(),
            api_version: spec.listing.api_version.clone(),
            resources,
            models,
            model_resources,
        }
    }

    /// A resource by name.
    pub fn resource(&self, name: &str) -> Option<&Resource> {
        self.resources.iter().find(|r| r.name == name)
    }

    /// A model by name.
    pub fn model(&self, name: &str) -> Option<&Model> {
        self.models.get(name)
    }

    /// Every operation, the `/events` websocket upgrade included, in file order.
    pub fn operations(&self) -> impl Iterator<Item = OperationRef<'_>> {
        self.resources.iter().flat_map(|resource| {
            resource.declaration.apis.iter().flat_map(move |api| {
                api.operations.iter().map(move |operation| OperationRef {
                    resource,
                    api,
                    operation,
                })
            })
        })
    }

    /// Every REST operation (all but the websocket upgrade).
    pub fn rest_operations(&self) -> impl Iterator<Item = OperationRef<'_>> {
        self.operations().filter(|o| !o.operation.is_websocket())
    }

    /// An operation by resource and nickname.
    pub fn operation(&self, resource: &str, nickname: &str) -> Option<OperationRef<'_>> {
        self.operations()
            .find(|o| o.resource.name == resource && o.operation.nickname == nickname)
    }

    /// The models that extend `name`, directly or further down, in the order
    /// the `subTypes` lists give, each once.
    pub fn descendants(&self, name: &str) -> Vec<&Model> {
        let mut out: Vec<&Model> = Vec::new();
        let mut stack: Vec<&str> = vec![name];
        // `subTypes` may loop (validate reports it); visit each model once.
        let mut visited = std::collections::HashSet::new();
        while let Some(current) = stack.pop() {
            if !visited.insert(current) {
                continue;
            }
            let Some(model) = self.models.get(current) else {
                continue;
            };
            for sub in model.sub_types.iter().rev() {
                stack.push(sub);
            }
            if current != name && !out.iter().any(|m| m.id == current) {
                out.push(model);
            }
        }
        // Models may instead name their parent with `extends`.
        for model in self.models.values() {
            if model.extends.as_deref() == Some(name) && !out.iter().any(|m| m.id == model.id) {
                out.push(model);
            }
        }
        out
    }

    /// The events: every model below `Event`.
    pub fn events(&self) -> Vec<&Model> {
        self.descendants(EVENT_MODEL)
    }

    /// The chain of parents of a model, nearest first (`StasisStart` ->
    /// `Event`, `Message`).
    pub fn ancestors(&self, name: &str) -> Vec<&Model> {
        let mut out = Vec::new();
        let mut current = name.to_string();
        while let Some(parent) = self.parent_of(&current) {
            if out.iter().any(|m: &&Model| m.id == parent.id) {
                break; // a cycle: validate reports it
            }
            current = parent.id.clone();
            out.push(parent);
        }
        out
    }

    /// The model that lists `name` as a subtype (or that `name` extends).
    pub fn parent_of(&self, name: &str) -> Option<&Model> {
        if let Some(parent) = self
            .models
            .get(name)
            .and_then(|m| m.extends.as_deref())
            .and_then(|p| self.models.get(p))
        {
            return Some(parent);
        }
        self.models
            .values()
            .find(|m| m.sub_types.iter().any(|s| s == name))
    }
}
