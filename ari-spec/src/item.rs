//! Names for every piece of a spec that can appear, change or disappear
//! between releases: the shared vocabulary of [`crate::diff()`] and
//! [`crate::history`].

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::api::Api;
use crate::swagger::AllowableValues;

/// One piece of the API.
///
/// Its [`fmt::Display`] form is what people type and read
/// (`channels.originate`, `channels.originate(endpoint)`, `model Channel`,
/// `event StasisStart`, `Channel.state`, `Channel.state = Up`); as JSON it is
/// an object tagged by `kind`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ItemKey {
    /// A REST operation (or the websocket upgrade): `channels.originate`.
    Operation {
        /// `channels`
        resource: String,
        /// `originate`
        nickname: String,
    },
    /// A parameter of an operation: `channels.originate(endpoint)`.
    Parameter {
        /// `channels`
        resource: String,
        /// `originate`
        nickname: String,
        /// `endpoint`
        name: String,
    },
    /// A model that is not an event: `model Channel`.
    Model {
        /// `Channel`
        name: String,
    },
    /// An event (a model below `Event`): `event StasisStart`.
    Event {
        /// `StasisStart`
        name: String,
    },
    /// A property of a model or an event: `Channel.state`.
    Field {
        /// `Channel`
        model: String,
        /// `state`
        field: String,
    },
    /// One allowed value of a parameter or a field: `Channel.state = Up`.
    AllowableValue {
        /// The parameter or field.
        owner: Box<ItemKey>,
        /// `Up`
        value: String,
    },
}

impl ItemKey {
    /// An operation's key.
    pub fn operation(resource: &str, nickname: &str) -> ItemKey {
        ItemKey::Operation {
            resource: resource.into(),
            nickname: nickname.into(),
        }
    }

    /// A parameter's key.
    pub fn parameter(resource: &str, nickname: &str, name: &str) -> ItemKey {
        ItemKey::Parameter {
            resource: resource.into(),
            nickname: nickname.into(),
            name: name.into(),
        }
    }

    /// A (non-event) model's key.
    pub fn model(name: &str) -> ItemKey {
        ItemKey::Model { name: name.into() }
    }

    /// An event's key.
    pub fn event(name: &str) -> ItemKey {
        ItemKey::Event { name: name.into() }
    }

    /// A field's key (a property of a model or an event).
    pub fn field(model: &str, field: &str) -> ItemKey {
        ItemKey::Field {
            model: model.into(),
            field: field.into(),
        }
    }

    /// The key of one allowed value of a parameter or a field.
    pub fn allowable_value(owner: ItemKey, value: &str) -> ItemKey {
        ItemKey::AllowableValue {
            owner: Box::new(owner),
            value: value.into(),
        }
    }

    /// The kind of item, for grouping: `operation`, `parameter`, `model`,
    /// `event`, `field`, `allowable value`.
    pub fn kind(&self) -> &'static str {
        match self {
            ItemKey::Operation { .. } => "operation",
            ItemKey::Parameter { .. } => "parameter",
            ItemKey::Model { .. } => "model",
            ItemKey::Event { .. } => "event",
            ItemKey::Field { .. } => "field",
            ItemKey::AllowableValue { .. } => "allowable value",
        }
    }

    /// Every item one release publishes, in spec order.
    pub fn all_in(api: &Api) -> Vec<ItemKey> {
        let mut out = Vec::new();
        for op in api.operations() {
            let resource = &op.resource.name;
            let nickname = &op.operation.nickname;
            let key = ItemKey::operation(resource, nickname);
            out.push(key);
            for p in &op.operation.parameters {
                let param = ItemKey::Parameter {
                    resource: resource.clone(),
                    nickname: nickname.clone(),
                    name: p.name.clone(),
                };
                out.push(param.clone());
                push_values(&mut out, &param, p.allowable_values.as_ref());
            }
        }
        let events: Vec<&str> = api.events().iter().map(|m| m.id.as_str()).collect();
        for (name, model) in &api.models {
            if events.contains(&name.as_str()) {
                out.push(ItemKey::Event { name: name.clone() });
            } else {
                out.push(ItemKey::Model { name: name.clone() });
            }
            for (field, prop) in &model.properties {
                let key = ItemKey::Field {
                    model: name.clone(),
                    field: field.clone(),
                };
                out.push(key.clone());
                push_values(&mut out, &key, prop.allowable_values.as_ref());
            }
        }
        out
    }

    /// Parses the plain forms [`fmt::Display`] writes, plus `resource.nickname`
    /// for operations and a bare model or event name.
    pub fn parse(text: &str, api: &Api) -> Option<ItemKey> {
        let text = text.trim();
        if let Some((owner, value)) = text.split_once('=') {
            let owner = ItemKey::parse(owner, api)?;
            return Some(ItemKey::AllowableValue {
                owner: Box::new(owner),
                value: value.trim().to_string(),
            });
        }
        if let Some(name) = text.strip_prefix("event ") {
            return Some(ItemKey::Event {
                name: name.trim().into(),
            });
        }
        if let Some(name) = text.strip_prefix("model ") {
            return Some(ItemKey::Model {
                name: name.trim().into(),
            });
        }
        if let Some((head, rest)) = text.split_once('(') {
            let (resource, nickname) = head.split_once('.')?;
            return Some(ItemKey::Parameter {
                resource: resource.into(),
                nickname: nickname.into(),
                name: rest.trim_end_matches(')').into(),
            });
        }
        if let Some((left, right)) = text.split_once('.') {
            if api.resource(left).is_some() || left.chars().next()?.is_lowercase() {
                return Some(ItemKey::operation(left, right));
            }
            return Some(ItemKey::Field {
                model: left.into(),
                field: right.into(),
            });
        }
        if api.events().iter().any(|e| e.id == text) {
            Some(ItemKey::Event { name: text.into() })
        } else {
            Some(ItemKey::Model { name: text.into() })
        }
    }
}

fn push_values(out: &mut Vec<ItemKey>, owner: &ItemKey, values: Option<&AllowableValues>) {
    if let Some(AllowableValues::List { values }) = values {
        for value in values {
            out.push(ItemKey::AllowableValue {
                owner: Box::new(owner.clone()),
                value: value.clone(),
            });
        }
    }
}

impl fmt::Display for ItemKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ItemKey::Operation { resource, nickname } => write!(f, "{resource}.{nickname}"),
            ItemKey::Parameter {
                resource,
                nickname,
                name,
            } => write!(f, "{resource}.{nickname}({name})"),
            ItemKey::Model { name } => write!(f, "model {name}"),
            ItemKey::Event { name } => write!(f, "event {name}"),
            ItemKey::Field { model, field } => write!(f, "{model}.{field}"),
            ItemKey::AllowableValue { owner, value } => write!(f, "{owner} = {value}"),
        }
    }
}
