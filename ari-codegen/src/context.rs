//! Everything the emitters need, worked out once from the spec: the concrete
//! models with their (inherited) fields, the string enums, the resources with
//! their operations and parameters, all named and typed.

use std::collections::{BTreeMap, BTreeSet};

use ari_spec::api::{EVENT_MODEL, MESSAGE_MODEL};
use ari_spec::swagger::{AllowableValues, HttpMethod, ParamType, Parameter};
use ari_spec::{Api, DataType, ItemKey};
use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

use crate::asterisk_docs::DocSet;
use crate::fixups::{self, BodyShape};
use crate::names::{self, ident_text};
use crate::prose;
use crate::{CodegenError, Options, Since};

/// The worked-out spec of one module.
pub struct Context<'a> {
    pub api: &'a Api,
    pub options: &'a Options,
    pub since: &'a dyn Since,
    /// `crate::runtime` or `::ari_sdk::runtime`.
    pub rt: TokenStream,
    /// Concrete models (and events), spec order.
    pub models: Vec<ModelInfo>,
    /// The events, in the order of `Event`'s subtypes.
    pub events: Vec<String>,
    /// Resources with at least one REST operation, listing order.
    pub resources: Vec<ResourceInfo>,
    /// The resource whose models file holds the `Event` enum.
    pub event_resource: Option<String>,
    /// Where the links to Asterisk's documentation go.
    pub docs: DocSet,
}

pub struct ModelInfo {
    pub name: String,
    pub resource: String,
    pub is_event: bool,
    pub fields: Vec<FieldInfo>,
    /// The enums of the model's own fields.
    pub enums: Vec<EnumInfo>,
}

impl ModelInfo {
    /// The field whose wire name is `wire`.
    pub fn field(&self, wire: &str) -> Option<&FieldInfo> {
        self.fields.iter().find(|f| f.wire == wire)
    }
}

pub struct FieldInfo {
    pub wire: String,
    pub ident: Ident,
    /// The model that declares the property (an ancestor for inherited ones).
    pub declared_in: String,
    /// Whether every release of this major sends it: required by the
    /// api-docs, and present from the line's first release.
    pub required: bool,
    /// Required by the api-docs, but only from this release of the major
    /// on: older releases leave it out, so the field is an `Option`.
    pub required_since: Option<String>,
    /// The Rust type without the `Option` of a non-required field.
    pub ty: TokenStream,
    pub data_type: String,
}

pub struct EnumInfo {
    pub name: String,
    pub title: String,
    pub since: Option<String>,
    /// Wire value, Rust variant, since.
    pub values: Vec<(String, String, Option<String>)>,
}

pub struct ResourceInfo {
    pub name: String,
    pub module: Ident,
    pub group: String,
    pub operations: Vec<OperationInfo>,
    pub enums: Vec<EnumInfo>,
}

pub enum Response {
    Unit,
    Bytes,
    Json { ty: TokenStream, spec: String },
}

pub struct OperationInfo {
    pub nickname: String,
    pub method: HttpMethod,
    pub path: String,
    pub method_ident: Ident,
    pub builder: String,
    pub meta_ident: Ident,
    pub response: Response,
    /// Status, the api-docs' reason, `HttpErrorKind` variant name.
    pub errors: Vec<(u16, String, &'static str)>,
    pub path_params: Vec<ParamInfo>,
    pub required: Vec<ParamInfo>,
    pub optional: Vec<ParamInfo>,
    /// What the docs say it is available since.
    pub since: Option<String>,
    /// The release of each major line that brought it, when later than
    /// the line's first (the per-release guard's `OperationMeta::since`).
    pub releases: Vec<String>,
}

#[derive(Clone)]
pub enum ParamKind {
    Path,
    Str,
    Int,
    Double,
    Bool,
    Enum(Ident),
    StrList,
    EnumList(Ident),
    Body(BodyShape),
}

impl ParamKind {
    /// The type a parameter of this kind is taken as, by the group method
    /// and the builder's setter.
    pub fn arg_type(&self) -> TokenStream {
        match self {
            ParamKind::Path => quote!(impl AsRef<str>),
            ParamKind::Str => quote!(impl Into<String>),
            ParamKind::Int => quote!(i64),
            ParamKind::Double => quote!(f64),
            ParamKind::Bool => quote!(bool),
            ParamKind::Enum(e) => quote!(#e),
            ParamKind::StrList => quote!(impl IntoIterator<Item = impl Into<String>>),
            ParamKind::EnumList(e) => quote!(impl IntoIterator<Item = #e>),
            ParamKind::Body(BodyShape::StringMap) => {
                quote!(
                    impl IntoIterator<Item = (impl Into<String>, impl Into<::serde_json::Value>)>
                )
            }
            ParamKind::Body(BodyShape::ModelList(model)) => {
                let model = names::type_ident(model);
                quote!(impl IntoIterator<Item = super::#model>)
            }
            ParamKind::Body(BodyShape::Keyed | BodyShape::Whole) => quote!(::serde_json::Value),
        }
    }
}

pub struct ParamInfo {
    pub wire: String,
    pub ident: Ident,
    pub kind: ParamKind,
    /// The ARI type (`string`, `List[string]`, `containers`).
    pub data_type: String,
    pub notes: Vec<String>,
    pub since: Option<String>,
    /// The release of each major line that brought the parameter, when
    /// later than the line's first (the per-release guard's
    /// `OperationMeta::params_since`).
    pub releases: Vec<String>,
}

impl<'a> Context<'a> {
    pub fn new(
        api: &'a Api,
        options: &'a Options,
        since: &'a dyn Since,
    ) -> Result<Self, CodegenError> {
        let mut ctx = Context {
            api,
            options,
            since,
            rt: options.runtime_path(),
            models: Vec::new(),
            events: api.events().iter().map(|m| m.id.clone()).collect(),
            resources: Vec::new(),
            event_resource: api.model_resources.get(EVENT_MODEL).cloned(),
            docs: DocSet::for_major(options.major),
        };
        ctx.models = ctx.build_models()?;
        ctx.resources = ctx.build_resources()?;
        ctx.check_root_names()?;
        Ok(ctx)
    }

    /// The concrete model (or event) named `name`.
    pub fn model(&self, name: &str) -> Option<&ModelInfo> {
        self.models.iter().find(|m| m.name == name)
    }

    /// What the docs of `key` say it is available since.
    pub fn since(&self, key: &ItemKey) -> Option<String> {
        self.since.doc_since(key)
    }

    /// The resources whose models file is generated, listing order.
    pub fn model_files(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for resource in &self.api.resources {
            let has_models = self.models.iter().any(|m| m.resource == resource.name);
            let has_event_enum =
                self.event_resource.as_deref() == Some(&resource.name) && !self.events.is_empty();
            if (has_models || has_event_enum) && !out.contains(&resource.name) {
                out.push(resource.name.clone());
            }
        }
        out
    }

    fn is_abstract(&self, name: &str) -> bool {
        name == MESSAGE_MODEL
            || name == EVENT_MODEL
            || self
                .api
                .models
                .get(name)
                .is_some_and(|m| !m.sub_types.is_empty())
            || self
                .api
                .models
                .values()
                .any(|m| m.extends.as_deref() == Some(name))
    }

    fn build_models(&self) -> Result<Vec<ModelInfo>, CodegenError> {
        let mut out = Vec::new();
        for (name, model) in &self.api.models {
            if self.is_abstract(name) {
                continue;
            }
            let is_event = self.events.contains(name);
            let resource = self
                .api
                .model_resources
                .get(name)
                .cloned()
                .unwrap_or_default();
            // Inherited properties first, root first; an event's `type` is its
            // variant of `Event`, not a field.
            let mut chain: Vec<&ari_spec::swagger::Model> = self.api.ancestors(name);
            chain.reverse();
            chain.push(model);
            let mut fields: Vec<FieldInfo> = Vec::new();
            let mut enums = Vec::new();
            for owner in chain {
                for (wire, prop) in &owner.properties {
                    let is_discriminator = owner.discriminator.as_deref() == Some(wire.as_str());
                    if is_event && is_discriminator {
                        continue;
                    }
                    if fields.iter().any(|f| &f.wire == wire) {
                        continue; // redefined lower down: the first wins
                    }
                    let ident = names::snake_ident(wire);
                    if fields.iter().any(|f| f.ident == ident) {
                        return Err(CodegenError::NameClash {
                            scope: format!("model {name}"),
                            name: ident.to_string(),
                            what: format!("field `{wire}`"),
                        });
                    }
                    let field_key = ItemKey::Field {
                        model: owner.id.clone(),
                        field: wire.clone(),
                    };
                    let enum_ident = match &prop.allowable_values {
                        Some(AllowableValues::List { values }) if owner.id == *name => {
                            let enum_name = model_enum_name(name, wire);
                            enums.push(EnumInfo {
                                title: format!(
                                    "The values of {}.",
                                    prose::doc_link(
                                        &format!("{name}::{}", ident_text(&ident)),
                                        &format!("{name}::{ident}")
                                    )
                                ),
                                name: enum_name.clone(),
                                since: self.since(&field_key),
                                values: self.enum_values(&field_key, values, &enum_name)?,
                            });
                            Some(enum_name)
                        }
                        Some(AllowableValues::List { .. }) => {
                            Some(model_enum_name(&owner.id, wire))
                        }
                        _ => None,
                    };
                    let data_type = DataType::parse(&prop.data_type);
                    let mut ty = self.value_type(
                        &format!("{name}.{wire}"),
                        &data_type,
                        enum_ident.as_deref(),
                    )?;
                    // A model inside itself needs a box; an optional model
                    // gets one too, so an absent one costs a pointer, not
                    // its whole size (`StasisStart.replace_channel` is
                    // almost always absent, and a `Channel` is 440 bytes).
                    if data_type == DataType::Model(name.clone())
                        || (!prop.is_required() && matches!(data_type, DataType::Model(_)))
                    {
                        ty = quote!(Box<#ty>);
                    }
                    // A field this line got later than its first release is
                    // absent from the older releases' events: required or
                    // not, it decodes as an `Option`, so an event from such
                    // a server is not lost to a decode error.
                    // (One that came with its model is as old as the model.)
                    let container = self
                        .since
                        .first_release(&ItemKey::model(&owner.id))
                        .or_else(|| self.since.first_release(&ItemKey::event(&owner.id)));
                    let late = self
                        .since
                        .first_release(&field_key)
                        .filter(|release| Some(release) != container.as_ref());
                    let required_since = late.filter(|_| prop.is_required());
                    fields.push(FieldInfo {
                        wire: wire.clone(),
                        ident,
                        declared_in: owner.id.clone(),
                        required: prop.is_required() && required_since.is_none(),
                        required_since,
                        ty,
                        data_type: prop.data_type.clone(),
                    });
                }
            }
            out.push(ModelInfo {
                name: name.clone(),
                resource,
                is_event,
                fields,
                enums,
            });
        }
        Ok(out)
    }

    fn enum_values(
        &self,
        owner: &ItemKey,
        values: &[String],
        enum_name: &str,
    ) -> Result<Vec<(String, String, Option<String>)>, CodegenError> {
        let mut out: Vec<(String, String, Option<String>)> = Vec::new();
        for value in values {
            if out.iter().any(|(wire, _, _)| wire == value) {
                continue;
            }
            let variant = names::camel(value);
            if variant == "Other" || out.iter().any(|(_, v, _)| *v == variant) {
                return Err(CodegenError::NameClash {
                    scope: format!("enum {enum_name}"),
                    name: variant,
                    what: format!("value `{value}`"),
                });
            }
            let key = ItemKey::AllowableValue {
                owner: Box::new(owner.clone()),
                value: value.clone(),
            };
            out.push((value.clone(), variant, self.since(&key)));
        }
        Ok(out)
    }

    /// The Rust type of a value of `data_type`, seen from a module beside
    /// `models` or inside it (both reach the models as `super::Name`).
    pub fn value_type(
        &self,
        owner: &str,
        data_type: &DataType,
        enum_name: Option<&str>,
    ) -> Result<TokenStream, CodegenError> {
        let rt = &self.rt;
        Ok(match data_type {
            DataType::String if enum_name.is_some() => {
                let ident = format_ident!("{}", enum_name.unwrap_or_default());
                quote!(super::#ident)
            }
            DataType::Void => quote!(()),
            DataType::Binary => quote!(#rt::Bytes),
            DataType::String => quote!(String),
            DataType::Int | DataType::Long => quote!(i64),
            DataType::Double => quote!(f64),
            DataType::Boolean => quote!(bool),
            DataType::Date => quote!(#rt::Timestamp),
            DataType::Object => quote!(::serde_json::Value),
            DataType::List(inner) => {
                let inner = self.value_type(owner, inner, enum_name)?;
                quote!(Vec<#inner>)
            }
            DataType::Model(name) => {
                let known = self.api.models.contains_key(name)
                    && (!self.is_abstract(name) || name == EVENT_MODEL);
                if !known {
                    return Err(CodegenError::UnknownModel {
                        owner: owner.to_string(),
                        model: name.clone(),
                    });
                }
                let ident = names::type_ident(name);
                quote!(super::#ident)
            }
        })
    }

    fn build_resources(&self) -> Result<Vec<ResourceInfo>, CodegenError> {
        let mut out = Vec::new();
        for resource in &self.api.resources {
            let ops: Vec<_> = self
                .api
                .rest_operations()
                .filter(|o| o.resource.name == resource.name)
                .collect();
            if ops.is_empty() {
                continue;
            }
            let group = names::camel(&resource.name);
            let builders: BTreeSet<String> = ops
                .iter()
                .map(|o| names::camel(&o.operation.nickname))
                .collect();
            let enum_names = self.param_enum_names(&resource.name, &ops, &group, &builders);
            let mut enums: Vec<EnumInfo> = Vec::new();
            let mut operations = Vec::new();
            for op in &ops {
                operations.push(self.build_operation(op, &enum_names, &mut enums)?);
            }
            let mut seen = BTreeSet::new();
            seen.insert(group.clone());
            for name in operations
                .iter()
                .map(|o| &o.builder)
                .chain(enums.iter().map(|e| &e.name))
            {
                if !seen.insert(name.clone()) {
                    return Err(CodegenError::NameClash {
                        scope: format!("module {}", resource.name),
                        name: name.clone(),
                        what: "request builder or parameter enum".into(),
                    });
                }
            }
            let mut methods = BTreeSet::new();
            for op in &operations {
                if !methods.insert(op.method_ident.to_string()) {
                    return Err(CodegenError::NameClash {
                        scope: group.clone(),
                        name: op.method_ident.to_string(),
                        what: "endpoint method".into(),
                    });
                }
            }
            out.push(ResourceInfo {
                name: resource.name.clone(),
                module: names::snake_ident(&resource.name),
                group,
                operations,
                enums,
            });
        }
        Ok(out)
    }

    /// Names the enums of a resource's `LIST` parameters: the parameter's
    /// name where every operation of the resource that has the parameter
    /// allows the same values (and no builder or the group is so named),
    /// else the operation's name plus the parameter's.
    fn param_enum_names(
        &self,
        resource: &str,
        ops: &[ari_spec::OperationRef<'_>],
        group: &str,
        builders: &BTreeSet<String>,
    ) -> BTreeMap<(String, String), String> {
        let mut by_param: BTreeMap<String, Vec<(String, Vec<String>)>> = BTreeMap::new();
        for op in ops {
            for p in &op.operation.parameters {
                if let Some(AllowableValues::List { values }) = &p.allowable_values {
                    by_param
                        .entry(p.name.clone())
                        .or_default()
                        .push((op.operation.nickname.clone(), values.clone()));
                }
            }
        }
        let _ = resource;
        let mut out = BTreeMap::new();
        for (param, uses) in by_param {
            let shared = uses.iter().all(|(_, v)| *v == uses[0].1);
            let plain = names::camel(&param);
            for (nickname, _) in &uses {
                let name = if shared && plain != group && !builders.contains(&plain) {
                    plain.clone()
                } else {
                    format!("{}{}", names::camel(nickname), plain)
                };
                out.insert((nickname.clone(), param.clone()), name);
            }
        }
        out
    }

    fn build_operation(
        &self,
        op: &ari_spec::OperationRef<'_>,
        enum_names: &BTreeMap<(String, String), String>,
        enums: &mut Vec<EnumInfo>,
    ) -> Result<OperationInfo, CodegenError> {
        let resource = &op.resource.name;
        let operation = op.operation;
        let nickname = &operation.nickname;
        let op_name = format!("{resource}.{nickname}");
        let response = match DataType::parse(&operation.response_class) {
            DataType::Void => Response::Unit,
            DataType::Binary => Response::Bytes,
            other => Response::Json {
                ty: self.value_type(&op_name, &other, None)?,
                spec: operation.response_class.clone(),
            },
        };
        let mut errors = Vec::new();
        for e in &operation.error_responses {
            if let Some(status) = e.code.as_u16() {
                errors.push((
                    status,
                    e.reason.clone(),
                    fixups::classify_error(status, &e.reason),
                ));
            }
        }
        let mut path_params = Vec::new();
        let mut required = Vec::new();
        let mut optional = Vec::new();
        let placeholders = path_placeholders(&op.api.path);
        for p in &operation.parameters {
            let info = self.build_param(resource, nickname, p, enum_names, enums)?;
            match p.param_type {
                ParamType::Path => path_params.push((p.name.clone(), info)),
                _ if p.is_required() => required.push(info),
                _ => optional.push(info),
            }
        }
        // Path parameters in the order the path names them.
        let mut ordered = Vec::new();
        for placeholder in &placeholders {
            let Some(index) = path_params.iter().position(|(name, _)| name == placeholder) else {
                return Err(CodegenError::BadOperation {
                    operation: op_name,
                    problem: format!(
                        "the path names `{{{placeholder}}}`, which is no path parameter"
                    ),
                });
            };
            ordered.push(path_params.remove(index).1);
        }
        if let Some((name, _)) = path_params.first() {
            return Err(CodegenError::BadOperation {
                operation: op_name,
                problem: format!("path parameter `{name}` is not in the path"),
            });
        }
        let mut idents = BTreeSet::new();
        for p in ordered.iter().chain(&required).chain(&optional) {
            let text = p.ident.to_string();
            if !idents.insert(text.clone())
                || matches!(text.as_str(), "send" | "into_future" | "request")
            {
                return Err(CodegenError::NameClash {
                    scope: op_name.clone(),
                    name: text,
                    what: "parameter".into(),
                });
            }
        }
        Ok(OperationInfo {
            nickname: nickname.clone(),
            method: operation.http_method,
            path: op.api.path.clone(),
            method_ident: names::snake_ident(nickname),
            builder: names::camel(nickname),
            meta_ident: format_ident!("{}", names::snake(nickname).to_uppercase()),
            response,
            errors,
            path_params: ordered,
            required,
            optional,
            since: self.since(&ItemKey::operation(resource, nickname)),
            releases: self
                .since
                .line_releases(&ItemKey::operation(resource, nickname)),
        })
    }

    fn build_param(
        &self,
        resource: &str,
        nickname: &str,
        p: &Parameter,
        enum_names: &BTreeMap<(String, String), String>,
        enums: &mut Vec<EnumInfo>,
    ) -> Result<ParamInfo, CodegenError> {
        let key = ItemKey::Parameter {
            resource: resource.to_string(),
            nickname: nickname.to_string(),
            name: p.name.clone(),
        };
        let data_type = DataType::parse(&p.data_type);
        let enum_name = enum_names
            .get(&(nickname.to_string(), p.name.clone()))
            .cloned();
        if let (Some(name), Some(AllowableValues::List { values })) =
            (&enum_name, &p.allowable_values)
        {
            if let Some(existing) = enums.iter_mut().find(|e| &e.name == name) {
                existing.title = format!("The values of the `{}` parameter.", p.name);
            } else {
                enums.push(EnumInfo {
                    name: name.clone(),
                    title: format!(
                        "The values of the `{}` parameter of {}.",
                        p.name,
                        prose::doc_link(
                            &format!(
                                "{}::{}",
                                names::camel(resource),
                                ident_text(&names::snake_ident(nickname))
                            ),
                            &format!(
                                "{}::{}",
                                names::camel(resource),
                                names::snake_ident(nickname)
                            ),
                        ),
                    ),
                    since: None,
                    values: self.enum_values(&key, values, name)?,
                });
            }
        }
        let multiple = p.is_multiple();
        let kind = match p.param_type {
            ParamType::Path => ParamKind::Path,
            ParamType::Body => ParamKind::Body(fixups::body_shape(p, self.api)),
            ParamType::Query => match (&data_type, &enum_name, multiple) {
                (DataType::String, Some(name), false) => ParamKind::Enum(format_ident!("{name}")),
                (DataType::String, Some(name), true) => {
                    ParamKind::EnumList(format_ident!("{name}"))
                }
                (_, _, true) => ParamKind::StrList,
                (DataType::Int | DataType::Long, _, _) => ParamKind::Int,
                (DataType::Double, _, _) => ParamKind::Double,
                (DataType::Boolean, _, _) => ParamKind::Bool,
                _ => ParamKind::Str,
            },
        };
        let mut notes = Vec::new();
        if let (Some(name), Some(AllowableValues::List { .. })) = (&enum_name, &p.allowable_values)
        {
            notes.push(format!("Allowed values: [`{name}`]."));
        }
        if let Some(default) = &p.default_value {
            let text = match default {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            notes.push(format!("Default: `{}`.", text.replace('`', "'")));
        }
        match &p.allowable_values {
            Some(AllowableValues::Range { min, max }) => {
                let bound =
                    |b: &Option<f64>| b.map(|v| v.to_string()).unwrap_or_else(|| "…".into());
                notes.push(format!("Range: {} to {}.", bound(min), bound(max)));
            }
            Some(AllowableValues::List { .. }) => {}
            None => {}
        }
        if multiple {
            notes.push("Several values are sent comma-separated.".into());
        }
        Ok(ParamInfo {
            wire: p.name.clone(),
            ident: names::snake_ident(&p.name),
            kind,
            data_type: p.data_type.clone(),
            notes,
            since: self.since(&key),
            releases: self.since.line_releases(&key),
        })
    }

    /// Models, model enums, `Event`, `EventType` and `Ari` share the module's
    /// root namespace.
    fn check_root_names(&self) -> Result<(), CodegenError> {
        let mut seen: BTreeMap<String, String> = BTreeMap::new();
        let mut add = |name: &str, what: String| -> Result<(), CodegenError> {
            if let Some(first) = seen.insert(name.to_string(), what.clone()) {
                return Err(CodegenError::NameClash {
                    scope: format!("module v{}", self.options.major),
                    name: name.to_string(),
                    what: format!("{first} and {what}"),
                });
            }
            Ok(())
        };
        add("Ari", "the API wrapper".into())?;
        if !self.events.is_empty() {
            add("Event", "the event enum".into())?;
            add("EventType", "the event type enum".into())?;
        }
        for model in &self.models {
            add(
                &names::type_name(&model.name),
                format!("model {}", model.name),
            )?;
            for e in &model.enums {
                add(&e.name, format!("enum of {}", model.name))?;
            }
        }
        for resource in &self.resources {
            add(
                &resource.module.to_string(),
                format!("resource module {}", resource.name),
            )?;
        }
        Ok(())
    }
}

/// `Channel` + `state` -> `ChannelState`; `Bridge` + `bridge_type` ->
/// `BridgeType` (no stutter).
pub fn model_enum_name(model: &str, field: &str) -> String {
    let model = names::type_name(model);
    let field = names::camel(field);
    if field.starts_with(&model) {
        field
    } else {
        format!("{model}{field}")
    }
}

/// The placeholders of a path, in order: `/channels/{channelId}/play/{playbackId}`.
pub fn path_placeholders(path: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = path;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}') else {
            break;
        };
        out.push(rest[open + 1..open + close].to_string());
        rest = &rest[open + close + 1..];
    }
    out
}
