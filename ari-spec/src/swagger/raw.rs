//! The wire form of parameters and properties, whose `allowableValues` may
//! carry keys the model does not know.
//!
//! [`AllowableValues`] is a plain enum (what the generator matches on), so it
//! has no room for unknown keys; these mirrors read them and move them into
//! the owner's `unknown` map as `allowableValues.KEY`, and put them back when
//! writing, so nothing is dropped either way.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::ALLOWABLE_VALUES_KEY_PREFIX;
use super::{AllowableValues, ParamType, Parameter, Property, UnknownKeys};

/// `allowableValues` exactly as written.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct AllowableValuesRepr {
    value_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    values: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    min: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    max: Option<f64>,
    #[serde(flatten)]
    unknown: UnknownKeys,
}

/// [`Parameter`] as written.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct ParameterRepr {
    name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    param_type: ParamType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    required: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    allow_multiple: Option<bool>,
    data_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    default_value: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    allowable_values: Option<AllowableValuesRepr>,
    #[serde(flatten)]
    unknown: UnknownKeys,
}

/// [`Property`] as written.
#[derive(Serialize, Deserialize)]
pub(super) struct PropertyRepr {
    #[serde(rename = "type")]
    data_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    required: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    #[serde(
        default,
        rename = "allowableValues",
        skip_serializing_if = "Option::is_none"
    )]
    allowable_values: Option<AllowableValuesRepr>,
    #[serde(flatten)]
    unknown: UnknownKeys,
}

/// Why an `allowableValues` object cannot be read.
#[derive(Debug, thiserror::Error)]
pub(super) enum AllowableValuesError {
    #[error("allowableValues: unknown valueType `{0}` (expected LIST or RANGE)")]
    UnknownValueType(String),
    #[error("allowableValues: valueType LIST without `values`")]
    ListWithoutValues,
}

/// Splits the written form into the typed value and the keys it does not
/// know, the latter added to `owner_unknown` under the prefix.
fn split(
    repr: Option<AllowableValuesRepr>,
    owner_unknown: &mut UnknownKeys,
) -> Result<Option<AllowableValues>, AllowableValuesError> {
    let Some(repr) = repr else {
        return Ok(None);
    };
    let mut stray = repr.unknown;
    let values = match repr.value_type.as_str() {
        "LIST" => {
            // A range's bounds on a list are keys the list does not know.
            if let Some(min) = repr.min {
                stray.insert("min".into(), min.into());
            }
            if let Some(max) = repr.max {
                stray.insert("max".into(), max.into());
            }
            AllowableValues::List {
                values: repr.values.ok_or(AllowableValuesError::ListWithoutValues)?,
            }
        }
        "RANGE" => {
            if let Some(values) = repr.values {
                stray.insert("values".into(), values.into());
            }
            AllowableValues::Range {
                min: repr.min,
                max: repr.max,
            }
        }
        other => return Err(AllowableValuesError::UnknownValueType(other.into())),
    };
    for (key, value) in stray {
        owner_unknown.insert(format!("{ALLOWABLE_VALUES_KEY_PREFIX}{key}"), value);
    }
    Ok(Some(values))
}

/// The inverse of [`split`]: the written form, with the prefixed keys taken
/// back out of `owner_unknown`.
fn join(
    values: Option<AllowableValues>,
    owner_unknown: &mut UnknownKeys,
) -> Option<AllowableValuesRepr> {
    let mut stray = UnknownKeys::new();
    owner_unknown.retain(
        |key, value| match key.strip_prefix(ALLOWABLE_VALUES_KEY_PREFIX) {
            Some(inner) => {
                stray.insert(inner.to_string(), value.take());
                false
            }
            None => true,
        },
    );
    let values = values?;
    let (value_type, list, min, max) = match values {
        AllowableValues::List { values } => ("LIST", Some(values), None, None),
        AllowableValues::Range { min, max } => ("RANGE", None, min, max),
    };
    // Keys that the typed form cannot hold but the file had.
    let list = list.or_else(|| take_strings(&mut stray, "values"));
    let min = min.or_else(|| stray.shift_remove("min").and_then(|v| v.as_f64()));
    let max = max.or_else(|| stray.shift_remove("max").and_then(|v| v.as_f64()));
    Some(AllowableValuesRepr {
        value_type: value_type.into(),
        values: list,
        min,
        max,
        unknown: stray,
    })
}

fn take_strings(map: &mut UnknownKeys, key: &str) -> Option<Vec<String>> {
    let value = map.shift_remove(key)?;
    serde_json::from_value(value).ok()
}

impl TryFrom<ParameterRepr> for Parameter {
    type Error = AllowableValuesError;

    fn try_from(repr: ParameterRepr) -> Result<Parameter, AllowableValuesError> {
        let mut unknown = repr.unknown;
        let allowable_values = split(repr.allowable_values, &mut unknown)?;
        Ok(Parameter {
            name: repr.name,
            description: repr.description,
            param_type: repr.param_type,
            required: repr.required,
            allow_multiple: repr.allow_multiple,
            data_type: repr.data_type,
            default_value: repr.default_value,
            allowable_values,
            unknown,
        })
    }
}

impl From<Parameter> for ParameterRepr {
    fn from(parameter: Parameter) -> ParameterRepr {
        let mut unknown = parameter.unknown;
        let allowable_values = join(parameter.allowable_values, &mut unknown);
        ParameterRepr {
            name: parameter.name,
            description: parameter.description,
            param_type: parameter.param_type,
            required: parameter.required,
            allow_multiple: parameter.allow_multiple,
            data_type: parameter.data_type,
            default_value: parameter.default_value,
            allowable_values,
            unknown,
        }
    }
}

impl TryFrom<PropertyRepr> for Property {
    type Error = AllowableValuesError;

    fn try_from(repr: PropertyRepr) -> Result<Property, AllowableValuesError> {
        let mut unknown = repr.unknown;
        let allowable_values = split(repr.allowable_values, &mut unknown)?;
        Ok(Property {
            data_type: repr.data_type,
            required: repr.required,
            description: repr.description,
            allowable_values,
            unknown,
        })
    }
}

impl From<Property> for PropertyRepr {
    fn from(property: Property) -> PropertyRepr {
        let mut unknown = property.unknown;
        let allowable_values = join(property.allowable_values, &mut unknown);
        PropertyRepr {
            data_type: property.data_type,
            required: property.required,
            description: property.description,
            allowable_values,
            unknown,
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn unknown_keys_inside_allowable_values_are_kept_on_the_owner() {
        let written = json!({
            "name": "state",
            "paramType": "query",
            "dataType": "string",
            "allowableValues": {"valueType": "LIST", "values": ["Up"], "descriptions": ["up"]},
            "__note": "x"
        });
        let parameter: Parameter = serde_json::from_value(written.clone()).unwrap();
        assert_eq!(
            parameter.allowable_values,
            Some(AllowableValues::List {
                values: vec!["Up".into()]
            })
        );
        let keys: Vec<&str> = parameter.unknown.keys().map(String::as_str).collect();
        assert_eq!(keys, ["__note", "allowableValues.descriptions"]);
        // Written back exactly as read.
        assert_eq!(serde_json::to_value(&parameter).unwrap(), written);
    }

    #[test]
    fn keys_of_the_other_variant_are_unknown() {
        let written = json!({
            "type": "int",
            "allowableValues": {"valueType": "RANGE", "min": 0, "values": ["a"]}
        });
        let property: Property = serde_json::from_value(written).unwrap();
        assert_eq!(
            property.allowable_values,
            Some(AllowableValues::Range {
                min: Some(0.0),
                max: None
            })
        );
        assert_eq!(property.unknown["allowableValues.values"], json!(["a"]));
    }

    #[test]
    fn an_unknown_value_type_is_an_error_not_a_drop() {
        let written = json!({"type": "int", "allowableValues": {"valueType": "ENUM"}});
        let error = serde_json::from_value::<Property>(written).unwrap_err();
        assert!(
            error.to_string().contains("unknown valueType `ENUM`"),
            "{error}"
        );
        let written = json!({"type": "int", "allowableValues": {"valueType": "LIST"}});
        let error = serde_json::from_value::<Property>(written).unwrap_err();
        assert!(error.to_string().contains("without `values`"), "{error}");
    }
}
