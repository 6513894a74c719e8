//! Checks of one loaded release: does every name resolve, does every path
//! agree with its parameters, is anything written that the model does not
//! know.
//!
//! Errors are what would make generated code wrong (a type that names no
//! model, a `{param}` without a path parameter, two operations with one
//! nickname); warnings are what Asterisk's own files do and a client copes
//! with (typo'd keys, status codes written as strings). The crate docs list
//! every finding on Asterisk's published files.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::fmt;

use serde::Serialize;

use crate::data_type::DataType;
use crate::source::Spec;
use crate::swagger::{
    AllowableValues, ApiDeclaration, ApiPath, Model, Operation, ParamType, Parameter, StatusCode,
    UnknownKeys, FILE_HEADER_KEYS,
};

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Odd but usable: Asterisk's own files have these.
    Warning,
    /// The spec contradicts itself; code generated from it would be wrong.
    Error,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Warning => "warning",
            Severity::Error => "error",
        })
    }
}

/// Which rule a finding breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Check {
    /// A key the typed model does not know (warning).
    UnknownKey,
    /// An error response's code written as a string, `"404"` (warning).
    StatusCodeAsText,
    /// An error response's code that is no HTTP status (error).
    InvalidStatusCode,
    /// A `responseClass`, `dataType`, property type or `extends` that names
    /// no model (error).
    UnresolvedType,
    /// A `{param}` in a path with no path parameter of that name (error).
    PathPlaceholderWithoutParameter,
    /// A path parameter whose `{name}` is not in the path (error).
    PathParameterNotInPath,
    /// A path parameter not marked `required` (warning: a path cannot omit it).
    PathParameterNotRequired,
    /// Two parameters of one operation with one name (error).
    DuplicateParameter,
    /// More than one body parameter (error: there is one body).
    SeveralBodyParameters,
    /// A `defaultValue` of the wrong JSON type, or outside the allowed values
    /// (warning).
    DefaultValueMismatch,
    /// Two operations of one resource with one nickname (error).
    DuplicateNickname,
    /// Two operations with one method on one path (error).
    DuplicateOperation,
    /// A resource listed twice (error).
    DuplicateResource,
    /// A model defined in two declarations: an error when the definitions
    /// differ, a warning when they are the same.
    DuplicateModel,
    /// A model whose `id` is not its key in `models` (error).
    ModelIdMismatch,
    /// A `subTypes` entry that names no model (error).
    MissingSubtype,
    /// A model listed in the `subTypes` of several models, or in its own
    /// chain of parents (error).
    SubtypeConflict,
    /// A `discriminator` that is not a property of the model or its parents
    /// (error).
    MissingDiscriminator,
    /// A declaration whose `resourcePath`, `apiVersion`, `swaggerVersion` or
    /// `basePath` differs from the listing's (warning).
    DeclarationMismatch,
}

impl Check {
    /// The check's name, as printed: `unknown-key`.
    pub fn as_str(self) -> &'static str {
        match self {
            Check::UnknownKey => "unknown-key",
            Check::StatusCodeAsText => "status-code-as-text",
            Check::InvalidStatusCode => "invalid-status-code",
            Check::UnresolvedType => "unresolved-type",
            Check::PathPlaceholderWithoutParameter => "path-placeholder-without-parameter",
            Check::PathParameterNotInPath => "path-parameter-not-in-path",
            Check::PathParameterNotRequired => "path-parameter-not-required",
            Check::DuplicateParameter => "duplicate-parameter",
            Check::SeveralBodyParameters => "several-body-parameters",
            Check::DefaultValueMismatch => "default-value-mismatch",
            Check::DuplicateNickname => "duplicate-nickname",
            Check::DuplicateOperation => "duplicate-operation",
            Check::DuplicateResource => "duplicate-resource",
            Check::DuplicateModel => "duplicate-model",
            Check::ModelIdMismatch => "model-id-mismatch",
            Check::MissingSubtype => "missing-subtype",
            Check::SubtypeConflict => "subtype-conflict",
            Check::MissingDiscriminator => "missing-discriminator",
            Check::DeclarationMismatch => "declaration-mismatch",
        }
    }
}

impl fmt::Display for Check {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a finding is: the file and as much of the place inside it as
/// applies.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Location {
    /// `resources.json` or `api-docs/channels.json`, relative to the listing.
    pub file: String,
    /// The API path (`/channels/{channelId}`), or the listing entry's path.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_path: Option<String>,
    /// The operation's nickname.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operation: Option<String>,
    /// The model.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// The operation's parameter.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parameter: Option<String>,
    /// The model's property.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

impl Location {
    fn file(file: &str) -> Location {
        Location {
            file: file.to_string(),
            ..Location::default()
        }
    }

    fn api_path(mut self, path: &str) -> Location {
        self.api_path = Some(path.to_string());
        self
    }

    fn operation(mut self, nickname: &str) -> Location {
        self.operation = Some(nickname.to_string());
        self
    }

    fn model(mut self, name: &str) -> Location {
        self.model = Some(name.to_string());
        self
    }

    fn parameter(mut self, name: &str) -> Location {
        self.parameter = Some(name.to_string());
        self
    }

    fn field(mut self, name: &str) -> Location {
        self.field = Some(name.to_string());
        self
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.file)?;
        let parts = [
            ("path", &self.api_path),
            ("operation", &self.operation),
            ("parameter", &self.parameter),
            ("model", &self.model),
            ("field", &self.field),
        ];
        for (label, value) in parts {
            if let Some(value) = value {
                write!(f, ", {label} {value}")?;
            }
        }
        Ok(())
    }
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// The rule.
    pub check: Check,
    /// Where.
    pub location: Location,
    /// What, in words.
    pub message: String,
}

impl Diagnostic {
    /// True for an error.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Diagnostic {
    /// `warning[unknown-key] api-docs/sounds.json, path /sounds, operation
    /// list, parameter format: unknown key `__note`` (one line).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}[{}] {}: {}",
            self.severity, self.check, self.location, self.message
        )
    }
}

/// Checks one loaded release and returns every finding, errors and warnings
/// in file order.
///
/// ```
/// # use std::path::Path;
/// use ari_spec::{validate, Check, SpecSource};
///
/// # let spec_dir = ari_spec::SpecDir::locate(None, Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/..")));
/// # let folder = spec_dir.major_dir(20);
/// // folder: a spec folder such as ../shared/ari-spec/20
/// let spec = SpecSource::Dir(folder).load()?;
/// let diagnostics = validate(&spec);
/// for diagnostic in &diagnostics {
///     println!("{diagnostic}");
/// }
/// assert!(diagnostics.iter().any(|d| d.check == Check::StatusCodeAsText));
/// assert!(!diagnostics.iter().any(|d| d.is_error()));
/// # Ok::<(), ari_spec::SpecError>(())
/// ```
pub fn validate(spec: &Spec) -> Vec<Diagnostic> {
    let mut models = HashMap::new();
    for loaded in &spec.declarations {
        for (name, model) in &loaded.declaration.models {
            // First definition wins, as in `Api::merge`.
            models.entry(name.as_str()).or_insert(model);
        }
    }
    let mut checker = Checker {
        models,
        out: Vec::new(),
    };
    checker.listing(spec);
    for (index, loaded) in spec.declarations.iter().enumerate() {
        let listed_path = spec.listing.apis.get(index).map(|r| r.path.as_str());
        checker.declaration(&loaded.file, &loaded.declaration, spec, listed_path);
    }
    checker.models_across_files(spec);
    checker.out
}

struct Checker<'a> {
    /// Every model of the release, by name.
    models: HashMap<&'a str, &'a Model>,
    out: Vec<Diagnostic>,
}

impl<'a> Checker<'a> {
    fn report(&mut self, severity: Severity, check: Check, location: Location, message: String) {
        self.out.push(Diagnostic {
            severity,
            check,
            location,
            message,
        });
    }

    fn unknown_keys(&mut self, unknown: &UnknownKeys, location: &Location, top_of_file: bool) {
        for key in unknown.keys() {
            if top_of_file && FILE_HEADER_KEYS.contains(&key.as_str()) {
                continue;
            }
            self.report(
                Severity::Warning,
                Check::UnknownKey,
                location.clone(),
                format!("unknown key `{key}`"),
            );
        }
    }

    fn resolves(&mut self, type_name: &str, what: &str, location: &Location) {
        if let Some(model) = DataType::parse(type_name).model_name() {
            if !self.models.contains_key(model) {
                self.report(
                    Severity::Error,
                    Check::UnresolvedType,
                    location.clone(),
                    format!("{what} `{type_name}` names no model of this release"),
                );
            }
        }
    }

    fn listing(&mut self, spec: &Spec) {
        let file = Location::file("resources.json");
        self.unknown_keys(&spec.listing.unknown, &file, true);
        let mut seen = HashSet::new();
        for entry in &spec.listing.apis {
            let here = file.clone().api_path(&entry.path);
            self.unknown_keys(&entry.unknown, &here, false);
            if !seen.insert(entry.name()) {
                self.report(
                    Severity::Error,
                    Check::DuplicateResource,
                    here,
                    format!("resource `{}` is listed twice", entry.name()),
                );
            }
        }
    }

    fn declaration(
        &mut self,
        file: &str,
        declaration: &'a ApiDeclaration,
        spec: &Spec,
        listed_path: Option<&str>,
    ) {
        let here = Location::file(file);
        self.unknown_keys(&declaration.unknown, &here, true);
        let listing = &spec.listing;
        let mismatches = [
            (
                "resourcePath",
                declaration.resource_path.as_str(),
                listed_path,
            ),
            (
                "apiVersion",
                &declaration.api_version,
                Some(listing.api_version.as_str()),
            ),
            (
                "swaggerVersion",
                &declaration.swagger_version,
                Some(listing.swagger_version.as_str()),
            ),
            (
                "basePath",
                &declaration.base_path,
                Some(listing.base_path.as_str()),
            ),
        ];
        for (key, own, listed) in mismatches {
            if let Some(listed) = listed.filter(|listed| *listed != own) {
                self.report(
                    Severity::Warning,
                    Check::DeclarationMismatch,
                    here.clone(),
                    format!("{key} is `{own}` but resources.json says `{listed}`"),
                );
            }
        }
        let mut nicknames = HashSet::new();
        let mut methods = HashSet::new();
        for api in &declaration.apis {
            let at_path = here.clone().api_path(&api.path);
            self.unknown_keys(&api.unknown, &at_path, false);
            for operation in &api.operations {
                let at = at_path.clone().operation(&operation.nickname);
                if !nicknames.insert(operation.nickname.as_str()) {
                    self.report(
                        Severity::Error,
                        Check::DuplicateNickname,
                        at.clone(),
                        format!("nickname `{}` is used twice in {file}", operation.nickname),
                    );
                }
                if !methods.insert((api.path.as_str(), operation.http_method)) {
                    self.report(
                        Severity::Error,
                        Check::DuplicateOperation,
                        at.clone(),
                        format!("{} {} is declared twice", operation.http_method, api.path),
                    );
                }
                self.operation(api, operation, &at);
            }
        }
        for (key, model) in &declaration.models {
            self.model(key, model, &here.clone().model(key));
        }
    }

    fn operation(&mut self, api: &ApiPath, operation: &Operation, at: &Location) {
        self.unknown_keys(&operation.unknown, at, false);
        self.resolves(&operation.response_class, "responseClass", at);
        let placeholders = path_placeholders(&api.path);
        let mut names = HashSet::new();
        let mut bodies = 0;
        for parameter in &operation.parameters {
            let here = at.clone().parameter(&parameter.name);
            self.unknown_keys(&parameter.unknown, &here, false);
            self.resolves(&parameter.data_type, "dataType", &here);
            if !names.insert(parameter.name.as_str()) {
                self.report(
                    Severity::Error,
                    Check::DuplicateParameter,
                    here.clone(),
                    format!("parameter `{}` is declared twice", parameter.name),
                );
            }
            match parameter.param_type {
                ParamType::Path if !placeholders.contains(&parameter.name.as_str()) => {
                    self.report(
                        Severity::Error,
                        Check::PathParameterNotInPath,
                        here.clone(),
                        format!(
                            "path parameter `{}` has no `{{{}}}` in the path",
                            parameter.name, parameter.name
                        ),
                    );
                }
                ParamType::Path if !parameter.is_required() => {
                    self.report(
                        Severity::Warning,
                        Check::PathParameterNotRequired,
                        here.clone(),
                        format!(
                            "path parameter `{}` is not marked required, yet the path cannot omit it",
                            parameter.name
                        ),
                    );
                }
                ParamType::Body => bodies += 1,
                _ => {}
            }
            if let Some(message) = default_value_problem(parameter) {
                self.report(
                    Severity::Warning,
                    Check::DefaultValueMismatch,
                    here,
                    message,
                );
            }
        }
        if bodies > 1 {
            self.report(
                Severity::Error,
                Check::SeveralBodyParameters,
                at.clone(),
                format!("{bodies} body parameters; a request has one body"),
            );
        }
        for placeholder in placeholders {
            let declared = operation
                .parameters
                .iter()
                .any(|p| p.param_type == ParamType::Path && p.name == placeholder);
            if !declared {
                self.report(
                    Severity::Error,
                    Check::PathPlaceholderWithoutParameter,
                    at.clone(),
                    format!("`{{{placeholder}}}` in the path has no path parameter"),
                );
            }
        }
        for response in &operation.error_responses {
            self.unknown_keys(&response.unknown, at, false);
            match (&response.code, response.code.as_u16()) {
                (_, Some(code)) if !(100..=599).contains(&code) => self.report(
                    Severity::Error,
                    Check::InvalidStatusCode,
                    at.clone(),
                    format!("error code {code} is not an HTTP status"),
                ),
                (StatusCode::Text(text), Some(_)) => self.report(
                    Severity::Warning,
                    Check::StatusCodeAsText,
                    at.clone(),
                    format!(
                        "error code \"{text}\" ({}) is written as a string",
                        response.reason
                    ),
                ),
                (StatusCode::Text(text), None) => self.report(
                    Severity::Error,
                    Check::InvalidStatusCode,
                    at.clone(),
                    format!("error code \"{text}\" is not an HTTP status"),
                ),
                (StatusCode::Number(_), _) => {}
            }
        }
    }

    fn model(&mut self, key: &str, model: &Model, at: &Location) {
        self.unknown_keys(&model.unknown, at, false);
        if model.id != key {
            self.report(
                Severity::Error,
                Check::ModelIdMismatch,
                at.clone(),
                format!("model `{key}` has id `{}`", model.id),
            );
        }
        for (name, property) in &model.properties {
            let here = at.clone().field(name);
            self.unknown_keys(&property.unknown, &here, false);
            self.resolves(&property.data_type, "type", &here);
        }
        if let Some(parent) = &model.extends {
            self.resolves(parent, "extends", at);
        }
        for sub in &model.sub_types {
            if !self.models.contains_key(sub.as_str()) {
                self.report(
                    Severity::Error,
                    Check::MissingSubtype,
                    at.clone(),
                    format!("subtype `{sub}` names no model of this release"),
                );
            }
        }
        if let Some(discriminator) = &model.discriminator {
            // The discriminator is normally the model's own property; a
            // parent's would do as well, so look up the chain (bounded, as a
            // cycle is reported elsewhere).
            let mut current = Some(model);
            let mut found = false;
            for _ in 0..self.models.len() + 1 {
                let Some(m) = current else { break };
                if m.properties.contains_key(discriminator) {
                    found = true;
                    break;
                }
                current = self
                    .models
                    .values()
                    .copied()
                    .find(|parent| parent.sub_types.contains(&m.id));
            }
            if !found {
                self.report(
                    Severity::Error,
                    Check::MissingDiscriminator,
                    at.clone(),
                    format!("discriminator `{discriminator}` is not a property"),
                );
            }
        }
    }

    fn models_across_files(&mut self, spec: &'a Spec) {
        let mut first: HashMap<&str, (&str, &Model)> = HashMap::new();
        let mut parents: HashMap<&str, Vec<&str>> = HashMap::new();
        for loaded in &spec.declarations {
            for (name, model) in &loaded.declaration.models {
                for sub in &model.sub_types {
                    parents.entry(sub.as_str()).or_default().push(name.as_str());
                }
                match first.get(name.as_str()) {
                    None => {
                        first.insert(name, (&loaded.file, model));
                    }
                    Some((first_file, first_model)) => {
                        let same = *first_model == model;
                        self.report(
                            if same {
                                Severity::Warning
                            } else {
                                Severity::Error
                            },
                            Check::DuplicateModel,
                            Location::file(&loaded.file).model(name),
                            format!(
                                "model `{name}` is also defined in {first_file}{}",
                                if same {
                                    " (identically)"
                                } else {
                                    ", differently"
                                }
                            ),
                        );
                    }
                }
            }
        }
        let mut conflicted: BTreeSet<(&str, String)> = BTreeSet::new();
        for (sub, of) in &parents {
            let distinct: BTreeSet<&str> = of.iter().copied().collect();
            if distinct.len() > 1 {
                let names: Vec<&str> = distinct.into_iter().collect();
                conflicted.insert((sub, format!("`{sub}` is a subtype of {}", names.join(", "))));
            }
            // Walk up from `sub`: meeting it again is a cycle.
            let mut current = *sub;
            let mut seen = HashSet::new();
            while let Some(parent) = parents.get(current).and_then(|p| p.first()) {
                if *parent == *sub {
                    conflicted.insert((sub, format!("`{sub}` is among its own parents")));
                    break;
                }
                if !seen.insert(*parent) {
                    break;
                }
                current = parent;
            }
        }
        for (sub, message) in conflicted {
            let file = first
                .get(sub)
                .map(|(file, _)| *file)
                .unwrap_or("resources.json");
            self.report(
                Severity::Error,
                Check::SubtypeConflict,
                Location::file(file).model(sub),
                message,
            );
        }
    }
}

/// The `{name}` placeholders of a path, in order.
fn path_placeholders(path: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = path;
    while let Some(start) = rest.find('{') {
        let after = &rest[start + 1..];
        let Some(end) = after.find('}') else { break };
        out.push(&after[..end]);
        rest = &after[end + 1..];
    }
    out
}

/// What is wrong with a parameter's `defaultValue`, if anything.
fn default_value_problem(parameter: &Parameter) -> Option<String> {
    let value = parameter.default_value.as_ref()?;
    let type_fits = match DataType::parse(&parameter.data_type) {
        DataType::String => value.is_string(),
        DataType::Int | DataType::Long => value.is_i64() || value.is_u64(),
        DataType::Double => value.is_number(),
        DataType::Boolean => value.is_boolean(),
        _ => true,
    };
    if !type_fits {
        return Some(format!(
            "defaultValue {value} is not a {}",
            parameter.data_type
        ));
    }
    match &parameter.allowable_values {
        Some(AllowableValues::List { values }) => {
            let text = match value {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            // A multi-valued parameter's default may list several values.
            let parts: Vec<&str> = if parameter.is_multiple() {
                text.split(',').map(str::trim).collect()
            } else {
                vec![text.as_str()]
            };
            let outside: Vec<&str> = parts
                .into_iter()
                .filter(|part| !values.iter().any(|v| v == part))
                .collect();
            (!outside.is_empty())
                .then(|| format!("defaultValue {value} is not among the allowable values"))
        }
        Some(AllowableValues::Range { min, max }) => {
            let number = value.as_f64()?;
            let below = min.is_some_and(|min| number < min);
            let above = max.is_some_and(|max| number > max);
            (below || above).then(|| format!("defaultValue {value} is outside the allowable range"))
        }
        None => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_placeholders() {
        assert_eq!(
            path_placeholders("/endpoints/{tech}/{resource}/sendMessage"),
            ["tech", "resource"]
        );
        assert!(path_placeholders("/channels").is_empty());
        assert_eq!(path_placeholders("/a/{unclosed"), Vec::<&str>::new());
    }

    #[test]
    fn prints_a_finding_on_one_readable_line() {
        let diagnostic = Diagnostic {
            severity: Severity::Warning,
            check: Check::UnknownKey,
            location: Location::file("api-docs/sounds.json")
                .api_path("/sounds")
                .operation("list")
                .parameter("format"),
            message: "unknown key `__note`".into(),
        };
        assert_eq!(
            diagnostic.to_string(),
            "warning[unknown-key] api-docs/sounds.json, path /sounds, operation list, \
             parameter format: unknown key `__note`"
        );
        let model = Location::file("api-docs/events.json")
            .model("Message")
            .field("type");
        assert_eq!(
            model.to_string(),
            "api-docs/events.json, model Message, field type"
        );
    }
}
