//! The default Arrow mapping of a document without an `arrow` block (DESIGN §3).
//!
//! integer→int64, number→float64, string+date-time→timestamp(us, UTC), string+date→date32,
//! string→utf8, boolean→bool, null→null, array→list of the mapped `items` (an item is
//! nullable when its schema admits null), object with `properties`→struct of the mapped
//! properties. Anything the table cannot map (no `type`, mixed unions, objects without
//! `properties`, recursive `$ref`s) becomes utf8, able to hold the value's JSON text. A field is
//! nullable when its property is not `required` or its schema admits null (`["x", "null"]`,
//! `anyOf` with `{"type": "null"}`). Fields come in the order of `serde_json`'s sorted map, so
//! derived lists are compared by name only.

use std::collections::{BTreeMap, HashSet};

use serde_json::Value;

use crate::schema::escape;

use super::parse::MAX_DEPTH;
use super::shape::{shape_of, Kind};
use super::types::{DataType, Field, TimeUnit};

/// At most this many nested fields are derived: an acyclic `$ref` graph can still expand
/// exponentially (each definition referring twice to the next), so the rest maps to utf8.
const NODE_BUDGET: usize = 100_000;

/// The derived fields of `doc`'s top-level `properties` (empty when it has none).
pub fn derive_fields(doc: &Value) -> Vec<Field> {
    let mut deriver = Deriver {
        root: doc,
        budget: NODE_BUDGET,
        ancestors: Vec::new(),
    };
    deriver.properties(doc, "#")
}

struct Deriver<'a> {
    root: &'a Value,
    budget: usize,
    /// Resolved schemas of the enclosing fields: meeting one again means a recursive type,
    /// which Arrow cannot express.
    ancestors: Vec<&'a Value>,
}

impl<'a> Deriver<'a> {
    fn properties(&mut self, schema: &'a Value, pointer: &str) -> Vec<Field> {
        let Some(props) = schema.get("properties").and_then(Value::as_object) else {
            return Vec::new();
        };
        let required: HashSet<&str> = schema
            .get("required")
            .and_then(Value::as_array)
            .map(|names| names.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let mut fields = Vec::with_capacity(props.len());
        for (name, sub) in props {
            let at = format!("{pointer}/properties/{}", escape(name));
            let (data_type, admits_null) = self.data_type(sub, &at);
            fields.push(derived(
                name,
                data_type,
                admits_null || !required.contains(name.as_str()),
                at,
            ));
        }
        fields
    }

    /// The mapped type of `schema` and whether it admits null.
    fn data_type(&mut self, schema: &'a Value, pointer: &str) -> (DataType, bool) {
        let shape = shape_of(schema, self.root);
        let recursive = self
            .ancestors
            .iter()
            .any(|a| std::ptr::eq(*a, shape.schema));
        let exhausted = self.budget == 0 || self.ancestors.len() >= MAX_DEPTH || recursive;
        self.budget = self.budget.saturating_sub(1);
        let data_type = match shape.kind {
            Kind::Null => DataType::Null,
            Kind::Boolean => DataType::Bool,
            Kind::Integer => DataType::Int(64),
            Kind::Number => DataType::Float(64),
            Kind::DateTime => DataType::Timestamp {
                unit: TimeUnit::Micro,
                timezone: Some("UTC".into()),
            },
            Kind::Date => DataType::Date32,
            Kind::Array if !exhausted => {
                self.ancestors.push(shape.schema);
                let item = self.item(shape.schema, pointer);
                self.ancestors.pop();
                DataType::List(Box::new(item))
            }
            Kind::Object
                if !exhausted && shape.schema.get("properties").is_some_and(Value::is_object) =>
            {
                self.ancestors.push(shape.schema);
                let fields = self.properties(shape.schema, pointer);
                self.ancestors.pop();
                DataType::Struct(fields)
            }
            Kind::String | Kind::Array | Kind::Object | Kind::Unknown => DataType::Utf8,
        };
        (data_type, shape.nullable)
    }

    /// The item field of an array schema; tuple or missing `items` admit anything → utf8.
    fn item(&mut self, schema: &'a Value, pointer: &str) -> Field {
        let at = format!("{pointer}/items");
        let (data_type, nullable) = match schema.get("items") {
            Some(items) if items.is_object() => self.data_type(items, &at),
            _ => (DataType::Utf8, true),
        };
        derived("item", data_type, nullable, at)
    }
}

fn derived(name: &str, data_type: DataType, nullable: bool, pointer: String) -> Field {
    Field {
        name: name.to_string(),
        data_type,
        nullable,
        metadata: BTreeMap::new(),
        type_pointer: pointer.clone(),
        pointer,
        ordered: false,
    }
}
