//! Parsing of the type strings Swagger 1.1 uses (`string`, `List[Channel]`, ...).

use std::fmt;

/// A type named by a `responseClass`, a `dataType` or a property's `type`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DataType {
    /// No body (`void`).
    Void,
    /// Raw bytes (`binary`, the stored recording file).
    Binary,
    /// `string`
    String,
    /// `int`
    Int,
    /// `long`
    Long,
    /// `double`
    Double,
    /// `boolean`
    Boolean,
    /// `Date`: Asterisk's timestamp format (`2026-11-22T18:02:24.382+0000`).
    Date,
    /// Free-form JSON (`object`, and `containers` on body parameters).
    Object,
    /// `List[T]`
    List(Box<DataType>),
    /// A model by name.
    Model(String),
}

impl DataType {
    /// Parses a type string. Never fails: an unknown name is a [`DataType::Model`],
    /// which [`crate::validate()`] then checks against the models.
    pub fn parse(s: &str) -> DataType {
        let s = s.trim();
        if let Some(inner) = s.strip_prefix("List[").and_then(|r| r.strip_suffix(']')) {
            return DataType::List(Box::new(DataType::parse(inner)));
        }
        match s {
            "void" => DataType::Void,
            "binary" => DataType::Binary,
            "string" => DataType::String,
            "int" => DataType::Int,
            "long" => DataType::Long,
            "double" => DataType::Double,
            "boolean" => DataType::Boolean,
            "Date" => DataType::Date,
            "object" | "containers" => DataType::Object,
            other => DataType::Model(other.to_string()),
        }
    }

    /// The model this type names, directly or as a list's element.
    pub fn model_name(&self) -> Option<&str> {
        match self {
            DataType::Model(name) => Some(name),
            DataType::List(inner) => inner.model_name(),
            _ => None,
        }
    }
}

impl fmt::Display for DataType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DataType::Void => f.write_str("void"),
            DataType::Binary => f.write_str("binary"),
            DataType::String => f.write_str("string"),
            DataType::Int => f.write_str("int"),
            DataType::Long => f.write_str("long"),
            DataType::Double => f.write_str("double"),
            DataType::Boolean => f.write_str("boolean"),
            DataType::Date => f.write_str("Date"),
            DataType::Object => f.write_str("object"),
            DataType::List(inner) => write!(f, "List[{inner}]"),
            DataType::Model(name) => f.write_str(name),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_primitives_lists_and_models() {
        assert_eq!(DataType::parse("void"), DataType::Void);
        assert_eq!(DataType::parse("containers"), DataType::Object);
        assert_eq!(
            DataType::parse("List[List[Channel]]"),
            DataType::List(Box::new(DataType::List(Box::new(DataType::Model(
                "Channel".into()
            )))))
        );
        assert_eq!(
            DataType::parse("List[Channel]").model_name(),
            Some("Channel")
        );
        assert_eq!(DataType::parse("List[string]").model_name(), None);
        assert_eq!(
            DataType::parse("List[Channel]").to_string(),
            "List[Channel]"
        );
    }
}
