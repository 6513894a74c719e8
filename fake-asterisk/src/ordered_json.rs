//! JSON that keeps object key order, so a replayed request body is sent
//! exactly as captured (Asterisk applies `variables` in body order).

use std::fmt;

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

/// A JSON value whose objects keep their key order.
#[derive(Debug, Clone, PartialEq)]
pub enum OrderedJson {
    /// `null`
    Null,
    /// `true` / `false`
    Bool(bool),
    /// A number, kept as serde_json parsed it.
    Number(serde_json::Number),
    /// A string.
    String(String),
    /// An array.
    Array(Vec<OrderedJson>),
    /// An object, in source order.
    Object(Vec<(String, OrderedJson)>),
}

impl OrderedJson {
    /// The value of `key` in an object.
    pub fn get(&self, key: &str) -> Option<&OrderedJson> {
        match self {
            OrderedJson::Object(pairs) => pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// Rewrites every string (values, not keys) with `f`.
    pub fn map_strings(&self, f: &dyn Fn(&str) -> String) -> OrderedJson {
        match self {
            OrderedJson::String(s) => OrderedJson::String(f(s)),
            OrderedJson::Array(items) => {
                OrderedJson::Array(items.iter().map(|i| i.map_strings(f)).collect())
            }
            OrderedJson::Object(pairs) => OrderedJson::Object(
                pairs
                    .iter()
                    .map(|(k, v)| (k.clone(), v.map_strings(f)))
                    .collect(),
            ),
            other => other.clone(),
        }
    }

    /// Compact JSON text in key order.
    pub fn to_json_string(&self) -> String {
        let mut out = String::new();
        self.write(&mut out);
        out
    }

    fn write(&self, out: &mut String) {
        match self {
            OrderedJson::Null => out.push_str("null"),
            OrderedJson::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            OrderedJson::Number(n) => out.push_str(&n.to_string()),
            OrderedJson::String(s) => {
                out.push_str(&serde_json::Value::String(s.clone()).to_string())
            }
            OrderedJson::Array(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    item.write(out);
                }
                out.push(']');
            }
            OrderedJson::Object(pairs) => {
                out.push('{');
                for (i, (key, value)) in pairs.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    out.push_str(&serde_json::Value::String(key.clone()).to_string());
                    out.push(':');
                    value.write(out);
                }
                out.push('}');
            }
        }
    }
}

impl<'de> Deserialize<'de> for OrderedJson {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(OrderedVisitor)
    }
}

struct OrderedVisitor;

impl<'de> Visitor<'de> for OrderedVisitor {
    type Value = OrderedJson;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_unit<E>(self) -> Result<OrderedJson, E> {
        Ok(OrderedJson::Null)
    }
    fn visit_none<E>(self) -> Result<OrderedJson, E> {
        Ok(OrderedJson::Null)
    }
    fn visit_bool<E>(self, v: bool) -> Result<OrderedJson, E> {
        Ok(OrderedJson::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<OrderedJson, E> {
        Ok(OrderedJson::Number(v.into()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<OrderedJson, E> {
        Ok(OrderedJson::Number(v.into()))
    }
    fn visit_f64<E>(self, v: f64) -> Result<OrderedJson, E> {
        Ok(serde_json::Number::from_f64(v).map_or(OrderedJson::Null, OrderedJson::Number))
    }
    fn visit_str<E>(self, v: &str) -> Result<OrderedJson, E> {
        Ok(OrderedJson::String(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<OrderedJson, E> {
        Ok(OrderedJson::String(v))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<OrderedJson, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(OrderedJson::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<OrderedJson, A::Error> {
        let mut pairs = Vec::new();
        while let Some((key, value)) = map.next_entry::<String, OrderedJson>()? {
            pairs.push((key, value));
        }
        Ok(OrderedJson::Object(pairs))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_key_order() {
        let text =
            r#"{"variables":{"CAPVAR":"hello","CALLERID(name)":"Var Name"},"n":3,"a":[true,null]}"#;
        let parsed: OrderedJson = serde_json::from_str(text).expect("valid JSON");
        assert_eq!(parsed.to_json_string(), text);
        let upper = parsed.map_strings(&|s| s.to_uppercase());
        assert_eq!(
            upper.get("variables").and_then(|v| v.get("CAPVAR")),
            Some(&OrderedJson::String("HELLO".into()))
        );
    }
}
