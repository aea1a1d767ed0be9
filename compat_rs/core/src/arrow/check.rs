//! Checks an `arrow` block: its own shape, then its agreement with `properties` (DESIGN §3).

use std::collections::{HashMap, HashSet};

use serde_json::Value;

use super::diff::qualified as dotted;
use super::parse::parse_block;
use super::problems::Problems;
use super::shape::{shape_of, Kind, Shape};
use super::types::{DataType, Field};
use crate::schema::escape;

/// Problems of `doc`'s `arrow` block, one sentence each ("<pointer>: <what is wrong>").
///
/// Agreement with `properties` is checked only once the block itself reads cleanly, so a
/// malformed field is reported once instead of also as "missing".
pub fn check(doc: &Value) -> Vec<String> {
    let Some(block) = doc.get("arrow") else {
        return Vec::new();
    };
    let (parsed, mut problems) = parse_block(block);
    if problems.is_empty() {
        let checker = Checker { root: doc };
        checker.object(doc, "#", &parsed.fields, "", &mut problems);
    }
    problems.into_sentences()
}

struct Checker<'a> {
    root: &'a Value,
}

impl<'a> Checker<'a> {
    /// The fields of one level (the document, or a struct) against the `properties` of
    /// `schema` at `pointer`: same names, mapped types, nullability.
    fn object(
        &self,
        schema: &'a Value,
        pointer: &str,
        fields: &[Field],
        parent: &str,
        problems: &mut Problems,
    ) {
        let empty = serde_json::Map::new();
        let props = schema
            .get("properties")
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        let required: HashSet<&str> = schema
            .get("required")
            .and_then(Value::as_array)
            .map(|names| names.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let by_name: HashMap<&str, &Field> = fields.iter().map(|f| (f.name.as_str(), f)).collect();
        for name in props
            .keys()
            .filter(|name| !by_name.contains_key(name.as_str()))
        {
            let at = format!("{pointer}/properties/{}", escape(name));
            problems.push(
                &at,
                format!("property '{}' has no Arrow field", dotted(parent, name)),
            );
        }
        for field in fields {
            let label = dotted(parent, &field.name);
            let Some(sub) = props.get(&field.name) else {
                problems.push(
                    &field.pointer,
                    format!("Arrow field '{label}' has no matching property"),
                );
                continue;
            };
            let at = format!("{pointer}/properties/{}", escape(&field.name));
            let optional = !required.contains(field.name.as_str());
            self.field(
                field,
                &shape_of(sub, self.root),
                optional,
                &at,
                &label,
                problems,
            );
        }
    }

    /// One field against the shape of its property (or of an array's `items`).
    fn field(
        &self,
        field: &Field,
        shape: &Shape<'a>,
        optional: bool,
        at: &str,
        label: &str,
        problems: &mut Problems,
    ) {
        if !field.nullable && (optional || shape.nullable) {
            let why = if shape.nullable {
                "admits null"
            } else {
                "is not required"
            };
            problems.push(
                &field.pointer,
                format!("field '{label}' is non-nullable but its property {why}"),
            );
        }
        if !maps_to(shape, &field.data_type) {
            let message = format!(
                "field '{label}' has type {}, which does not map JSON {} (expected {})",
                field.data_type,
                shape.kind.describe(),
                expected(shape)
            );
            problems.push(&field.pointer, message);
            return;
        }
        match &field.data_type {
            DataType::Struct(children)
                if shape.schema.get("properties").is_some_and(Value::is_object) =>
            {
                self.object(shape.schema, at, children, label, problems);
            }
            DataType::List(item) | DataType::LargeList(item) => {
                if let Some(items) = shape.schema.get("items").filter(|i| i.is_object()) {
                    let item_label = dotted(label, &item.name);
                    let item_shape = shape_of(items, self.root);
                    self.field(
                        item,
                        &item_shape,
                        false,
                        &format!("{at}/items"),
                        &item_label,
                        problems,
                    );
                }
            }
            _ => {}
        }
    }
}

/// Whether `data_type` is an allowed mapping of the JSON kind (DESIGN §3). Unconstrained
/// kinds accept any type; objects without `properties` also accept utf8 (their JSON text),
/// which is what the derived mapping gives them.
fn maps_to(shape: &Shape<'_>, data_type: &DataType) -> bool {
    use DataType as T;
    match shape.kind {
        Kind::Unknown => true,
        Kind::Null => matches!(data_type, T::Null),
        Kind::Boolean => matches!(data_type, T::Bool),
        Kind::Integer => matches!(data_type, T::Int(_) | T::UInt(_)),
        Kind::Number => matches!(data_type, T::Float(_) | T::Decimal { .. } | T::Int(_)),
        Kind::DateTime => matches!(data_type, T::Timestamp { .. }),
        Kind::Date => matches!(data_type, T::Date32 | T::Date64),
        Kind::String => match data_type {
            T::Utf8 | T::LargeUtf8 => true,
            T::Dictionary { value, .. } => matches!(**value, T::Utf8 | T::LargeUtf8),
            _ => false,
        },
        Kind::Array => matches!(data_type, T::List(_) | T::LargeList(_)),
        Kind::Object => match data_type {
            T::Struct(_) => true,
            T::Utf8 | T::LargeUtf8 => !shape.schema.get("properties").is_some_and(Value::is_object),
            _ => false,
        },
    }
}

/// The allowed Arrow types of a JSON kind, for messages.
fn expected(shape: &Shape<'_>) -> &'static str {
    match shape.kind {
        Kind::Unknown => "any type",
        Kind::Null => "null",
        Kind::Boolean => "bool",
        Kind::Integer => "int* or uint*",
        Kind::Number => "float*, decimal* or int*",
        Kind::DateTime => "timestamp",
        Kind::Date => "date32 or date64",
        Kind::String => "utf8, large_utf8 or dictionary<utf8>",
        Kind::Array => "list or large_list",
        Kind::Object if shape.schema.get("properties").is_some_and(Value::is_object) => "struct",
        Kind::Object => "struct, utf8 or large_utf8",
    }
}
