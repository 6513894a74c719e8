//! What changed between two releases: operations, parameters, models,
//! events, fields and allowable values added, removed or changed.

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;
use serde_json::{json, Value};

use crate::api::Api;
use crate::item::ItemKey;
use crate::swagger::{AllowableValues, Model, Property};

/// The changes from one release to another.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ApiDiff {
    /// The older side's release, where known.
    pub from: Option<String>,
    /// The newer side's release, where known.
    pub to: Option<String>,
    /// Every change, grouped by kind (operations, parameters, models,
    /// events, fields, allowable values), each group sorted by item.
    pub changes: Vec<Change>,
}

/// One item that was added, removed or changed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    /// The item.
    pub item: ItemKey,
    /// The item as text (`channels.originate(endpoint)`).
    pub name: String,
    /// What happened to it.
    #[serde(flatten)]
    pub kind: ChangeKind,
}

/// What happened to an item.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum ChangeKind {
    /// Only the newer release has it.
    Added {
        /// A hint of what it is (`POST /events/claim` for an operation).
        #[serde(skip_serializing_if = "Option::is_none")]
        summary: Option<String>,
    },
    /// Only the older release has it.
    Removed {
        /// A hint of what it was.
        #[serde(skip_serializing_if = "Option::is_none")]
        summary: Option<String>,
    },
    /// Both have it, with different attributes.
    Changed {
        /// The attributes that differ.
        attributes: Vec<AttributeChange>,
    },
}

/// One attribute of an item that differs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AttributeChange {
    /// The spec's name for it (`responseClass`, `dataType`, `required`).
    pub attribute: String,
    /// The older value (`null` when absent).
    pub before: Value,
    /// The newer value (`null` when absent).
    pub after: Value,
}

impl ApiDiff {
    /// The changes to items of one kind ([`ItemKey::kind`]).
    pub fn of_kind<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = &'a Change> + 'a {
        self.changes.iter().filter(move |c| c.item.kind() == kind)
    }

    /// The change to one item, if any.
    pub fn change(&self, item: &ItemKey) -> Option<&Change> {
        self.changes.iter().find(|c| &c.item == item)
    }

    /// Counts of added, removed and changed items.
    pub fn counts(&self) -> (usize, usize, usize) {
        let mut counts = (0, 0, 0);
        for change in &self.changes {
            match change.kind {
                ChangeKind::Added { .. } => counts.0 += 1,
                ChangeKind::Removed { .. } => counts.1 += 1,
                ChangeKind::Changed { .. } => counts.2 += 1,
            }
        }
        counts
    }

    /// True when the two releases publish the same API.
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }
}

/// The attributes compared for one item, with a one-line hint of what it is.
#[derive(Debug, Clone, PartialEq)]
struct ItemFacts {
    attributes: Vec<(&'static str, Value)>,
    summary: Option<String>,
}

/// Compares two releases.
///
/// Compared per item: an operation's `httpMethod`, `path`, `responseClass`,
/// `summary`, `notes`, `upgrade`, `websocketProtocol` and `errorResponses`;
/// a parameter's `paramType`, `dataType`, `required`, `allowMultiple`,
/// `defaultValue`, `description` and range; a model's or event's
/// `description`, `discriminator`, `subTypes` and `extends`; a field's
/// `type`, `required`, `description` and range. An absent `required` or
/// `allowMultiple` equals `false`. List values are items of their own, so
/// they are added or removed, never changed. The `since` lists are history,
/// not API, and are not compared (see [`crate::History`]).
///
/// ```
/// # use std::path::Path;
/// use ari_spec::{diff, Api, ItemKey, SpecDir};
///
/// # let dir = SpecDir::locate(None, Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/..")));
/// // dir: SpecDir::locate(None, workspace_root)
/// let (old, new) = (Api::merge(&dir.load_major(19)?), Api::merge(&dir.load_major(20)?));
/// let changes = diff(&old, &new);
/// assert!(changes.change(&ItemKey::operation("events", "claimChannel")).is_some());
/// println!("{changes}");
/// # Ok::<(), ari_spec::SpecError>(())
/// ```
pub fn diff(from: &Api, to: &Api) -> ApiDiff {
    let before = catalogue(from);
    let after = catalogue(to);
    let mut changes = Vec::new();
    for (key, facts) in &after {
        match before.get(key) {
            None => changes.push(change(
                key,
                ChangeKind::Added {
                    summary: facts.summary.clone(),
                },
            )),
            Some(old) => {
                let attributes: Vec<AttributeChange> = facts
                    .attributes
                    .iter()
                    .zip(&old.attributes)
                    .filter(|((_, new), (_, old))| new != old)
                    .map(|((name, new), (_, old))| AttributeChange {
                        attribute: (*name).to_string(),
                        before: old.clone(),
                        after: new.clone(),
                    })
                    .collect();
                if !attributes.is_empty() {
                    changes.push(change(key, ChangeKind::Changed { attributes }));
                }
            }
        }
    }
    for (key, facts) in &before {
        if !after.contains_key(key) {
            changes.push(change(
                key,
                ChangeKind::Removed {
                    summary: facts.summary.clone(),
                },
            ));
        }
    }
    changes.sort_by(|a, b| {
        (kind_rank(&a.item), change_rank(&a.kind), &a.item).cmp(&(
            kind_rank(&b.item),
            change_rank(&b.kind),
            &b.item,
        ))
    });
    ApiDiff {
        from: from.release.clone(),
        to: to.release.clone(),
        changes,
    }
}

fn change(key: &ItemKey, kind: ChangeKind) -> Change {
    Change {
        item: key.clone(),
        name: key.to_string(),
        kind,
    }
}

fn kind_rank(key: &ItemKey) -> u8 {
    match key {
        ItemKey::Operation { .. } => 0,
        ItemKey::Parameter { .. } => 1,
        ItemKey::Model { .. } => 2,
        ItemKey::Event { .. } => 3,
        ItemKey::Field { .. } => 4,
        ItemKey::AllowableValue { .. } => 5,
    }
}

fn change_rank(kind: &ChangeKind) -> u8 {
    match kind {
        ChangeKind::Added { .. } => 0,
        ChangeKind::Removed { .. } => 1,
        ChangeKind::Changed { .. } => 2,
    }
}

/// The headings of the text form, in [`kind_rank`] order.
const HEADINGS: [&str; 6] = [
    "Operations",
    "Parameters",
    "Models",
    "Events",
    "Fields",
    "Allowable values",
];

/// Every item of a release with the facts compared.
fn catalogue(api: &Api) -> BTreeMap<ItemKey, ItemFacts> {
    let mut out = BTreeMap::new();
    let plain = |attributes| ItemFacts {
        attributes,
        summary: None,
    };
    for op in api.operations() {
        let (resource, o) = (&op.resource.name, op.operation);
        let errors: Vec<Value> = o
            .error_responses
            .iter()
            .map(|e| json!({"code": e.code, "reason": e.reason}))
            .collect();
        out.insert(
            ItemKey::operation(resource, &o.nickname),
            ItemFacts {
                attributes: vec![
                    ("httpMethod", json!(o.http_method)),
                    ("path", json!(op.api.path)),
                    ("responseClass", json!(o.response_class)),
                    ("summary", json!(o.summary)),
                    ("notes", json!(o.notes)),
                    ("upgrade", json!(o.upgrade)),
                    ("websocketProtocol", json!(o.websocket_protocol)),
                    ("errorResponses", Value::Array(errors)),
                ],
                summary: Some(format!("{} {}", o.http_method, op.api.path)),
            },
        );
        for p in &o.parameters {
            let key = ItemKey::parameter(resource, &o.nickname, &p.name);
            add_values(&mut out, &key, p.allowable_values.as_ref());
            let attributes = vec![
                ("paramType", json!(p.param_type.as_str())),
                ("dataType", json!(p.data_type)),
                ("required", json!(p.is_required())),
                ("allowMultiple", json!(p.is_multiple())),
                (
                    "defaultValue",
                    p.default_value.clone().unwrap_or(Value::Null),
                ),
                ("description", json!(p.description)),
                ("range", range(p.allowable_values.as_ref())),
            ];
            out.insert(key, plain(attributes));
        }
    }
    let events: Vec<&str> = api.events().iter().map(|m| m.id.as_str()).collect();
    for (name, model) in &api.models {
        let key = if events.contains(&name.as_str()) {
            ItemKey::event(name)
        } else {
            ItemKey::model(name)
        };
        out.insert(key, plain(model_facts(model)));
        for (field, property) in &model.properties {
            let key = ItemKey::field(name, field);
            add_values(&mut out, &key, property.allowable_values.as_ref());
            out.insert(key, plain(field_facts(property)));
        }
    }
    out
}

fn model_facts(model: &Model) -> Vec<(&'static str, Value)> {
    vec![
        ("description", json!(model.description)),
        ("discriminator", json!(model.discriminator)),
        ("subTypes", json!(model.sub_types)),
        ("extends", json!(model.extends)),
    ]
}

fn field_facts(property: &Property) -> Vec<(&'static str, Value)> {
    vec![
        ("type", json!(property.data_type)),
        ("required", json!(property.is_required())),
        ("description", json!(property.description)),
        ("range", range(property.allowable_values.as_ref())),
    ]
}

fn range(values: Option<&AllowableValues>) -> Value {
    match values {
        Some(AllowableValues::Range { min, max }) => json!({"min": min, "max": max}),
        _ => Value::Null,
    }
}

fn add_values(
    out: &mut BTreeMap<ItemKey, ItemFacts>,
    owner: &ItemKey,
    values: Option<&AllowableValues>,
) {
    if let Some(AllowableValues::List { values }) = values {
        for value in values {
            out.insert(
                ItemKey::allowable_value(owner.clone(), value),
                ItemFacts {
                    attributes: Vec::new(),
                    summary: None,
                },
            );
        }
    }
}

/// Values up to this long print inline; longer ones (prose) on lines of
/// their own.
const INLINE_WIDTH: usize = 60;

fn show(value: &Value) -> String {
    match value {
        Value::Null => "(absent)".to_string(),
        Value::String(s) => format!("{s:?}"),
        other => other.to_string(),
    }
}

impl fmt::Display for AttributeChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (before, after) = (show(&self.before), show(&self.after));
        if let (Value::Array(old), Value::Array(new)) = (&self.before, &self.after) {
            // Lists (subTypes, errorResponses): what went and what came.
            let gone: Vec<String> = old.iter().filter(|v| !new.contains(v)).map(show).collect();
            let came: Vec<String> = new.iter().filter(|v| !old.contains(v)).map(show).collect();
            write!(f, "{}:", self.attribute)?;
            for v in came {
                write!(f, " +{v}")?;
            }
            for v in gone {
                write!(f, " -{v}")?;
            }
            if old.len() == new.len() && old.iter().all(|v| new.contains(v)) {
                f.write_str(" (reordered)")?;
            }
            return Ok(());
        }
        if before.len() + after.len() <= INLINE_WIDTH {
            write!(f, "{}: {before} -> {after}", self.attribute)
        } else {
            write!(
                f,
                "{}:\n        - {before}\n        + {after}",
                self.attribute
            )
        }
    }
}

impl fmt::Display for ApiDiff {
    /// A changelog-like text: a summary line, then one section per kind with
    /// `+` added, `-` removed and `~` changed items.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (added, removed, changed) = self.counts();
        let side = |r: &Option<String>| r.clone().unwrap_or_else(|| "?".into());
        writeln!(
            f,
            "ARI {} -> {}: {added} added, {removed} removed, {changed} changed",
            side(&self.from),
            side(&self.to)
        )?;
        let mut heading = None;
        for change in &self.changes {
            let rank = kind_rank(&change.item);
            if heading != Some(rank) {
                heading = Some(rank);
                writeln!(f, "\n{}", HEADINGS[usize::from(rank)])?;
            }
            match &change.kind {
                ChangeKind::Added { summary } => write_line(f, '+', &change.name, summary)?,
                ChangeKind::Removed { summary } => write_line(f, '-', &change.name, summary)?,
                ChangeKind::Changed { attributes } => {
                    writeln!(f, "  ~ {}", change.name)?;
                    for attribute in attributes {
                        writeln!(f, "      {attribute}")?;
                    }
                }
            }
        }
        Ok(())
    }
}

fn write_line(
    f: &mut fmt::Formatter<'_>,
    sign: char,
    name: &str,
    summary: &Option<String>,
) -> fmt::Result {
    match summary {
        Some(summary) => writeln!(f, "  {sign} {name}  ({summary})"),
        None => writeln!(f, "  {sign} {name}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_print_what_went_and_what_came() {
        let change = AttributeChange {
            attribute: "subTypes".into(),
            before: json!(["A", "B"]),
            after: json!(["B", "C"]),
        };
        assert_eq!(change.to_string(), "subTypes: +\"C\" -\"A\"");
        let reordered = AttributeChange {
            attribute: "subTypes".into(),
            before: json!(["A", "B"]),
            after: json!(["B", "A"]),
        };
        assert_eq!(reordered.to_string(), "subTypes: (reordered)");
        let short = AttributeChange {
            attribute: "required".into(),
            before: json!(true),
            after: json!(false),
        };
        assert_eq!(short.to_string(), "required: true -> false");
        let absent = AttributeChange {
            attribute: "defaultValue".into(),
            before: Value::Null,
            after: json!("x"),
        };
        assert_eq!(absent.to_string(), "defaultValue: (absent) -> \"x\"");
    }
}
