//! Reads an `arrow` block into typed fields, recording every problem with its JSON pointer.

use std::collections::{BTreeMap, HashMap};

use serde_json::Value;

use super::params::parse_type;
use super::problems::Problems;
use super::types::Field;

/// Types nest (struct in list in struct …) at most this deep; deeper input is rejected
/// rather than recursed into, so the diff's own recursion stays bounded.
pub const MAX_DEPTH: usize = 64;

/// Keys a field object may carry.
const FIELD_KEYS: [&str; 4] = ["name", "type", "nullable", "metadata"];

/// A parsed `arrow` block.
#[derive(Debug, Default)]
pub struct Block {
    pub fields: Vec<Field>,
    /// Schema-level metadata (`arrow.metadata`).
    pub metadata: BTreeMap<String, String>,
}

/// Parses `block` (the value of a document's `arrow` key). Fields with problems are left out
/// of the result; the problems say why.
pub fn parse_block(block: &Value) -> (Block, Problems) {
    let mut problems = Problems::default();
    let mut out = Block::default();
    let Some(map) = block.as_object() else {
        problems.push("#/arrow", "must be an object with a 'fields' array");
        return (out, problems);
    };
    for key in map.keys().filter(|k| *k != "fields" && *k != "metadata") {
        problems.push(
            "#/arrow",
            format!("unknown key '{key}' (allowed: fields, metadata)"),
        );
    }
    match map.get("fields") {
        Some(fields) => out.fields = parse_fields(fields, "#/arrow/fields", 0, &mut problems),
        None => problems.push("#/arrow", "missing the 'fields' array"),
    }
    if let Some(meta) = map.get("metadata") {
        out.metadata = parse_metadata(meta, "#/arrow/metadata", &mut problems);
    }
    (out, problems)
}

/// Parses a field list at `pointer`; names must be unique within the list.
pub fn parse_fields(
    value: &Value,
    pointer: &str,
    depth: usize,
    problems: &mut Problems,
) -> Vec<Field> {
    let Some(items) = value.as_array() else {
        problems.push(pointer, "must be an array of fields");
        return Vec::new();
    };
    let mut seen: HashMap<&str, usize> = HashMap::with_capacity(items.len());
    let mut fields = Vec::with_capacity(items.len());
    for (index, item) in items.iter().enumerate() {
        let at = format!("{pointer}/{index}");
        if let Some(name) = item.get("name").and_then(Value::as_str) {
            if let Some(first) = seen.insert(name, index) {
                problems.push(
                    &at,
                    format!("duplicate field name '{name}' (also at index {first})"),
                );
            }
        }
        if let Some(field) = parse_field(item, &at, depth, problems) {
            fields.push(field);
        }
    }
    fields
}

/// Parses one field object at `pointer`.
pub fn parse_field(
    value: &Value,
    pointer: &str,
    depth: usize,
    problems: &mut Problems,
) -> Option<Field> {
    let Some(map) = value.as_object() else {
        problems.push(pointer, "a field must be an object with 'name' and 'type'");
        return None;
    };
    for key in map.keys().filter(|k| !FIELD_KEYS.contains(&k.as_str())) {
        problems.push(
            pointer,
            format!("unknown key '{key}' (allowed: {})", FIELD_KEYS.join(", ")),
        );
    }
    let name = match map.get("name") {
        Some(Value::String(name)) if !name.is_empty() => Some(name.clone()),
        Some(Value::String(_)) => {
            problems.push(pointer, "field name must not be empty");
            None
        }
        Some(_) => {
            problems.push(pointer, "field name must be a string");
            None
        }
        None => {
            problems.push(pointer, "field has no 'name'");
            None
        }
    };
    let type_pointer = format!("{pointer}/type");
    let data_type = if let Some(t) = map.get("type") {
        parse_type(t, &type_pointer, depth, problems)
    } else {
        problems.push(pointer, "field has no 'type'");
        None
    };
    let nullable = match map.get("nullable") {
        None => true,
        Some(Value::Bool(flag)) => *flag,
        Some(_) => {
            problems.push(pointer, "'nullable' must be true or false");
            true
        }
    };
    let metadata = map
        .get("metadata")
        .map(|m| parse_metadata(m, &format!("{pointer}/metadata"), problems))
        .unwrap_or_default();
    Some(Field {
        name: name?,
        data_type: data_type?,
        nullable,
        metadata,
        pointer: pointer.to_string(),
        type_pointer,
        ordered: true,
    })
}

/// Parses a metadata map: string keys to string values, as Arrow stores it.
fn parse_metadata(
    value: &Value,
    pointer: &str,
    problems: &mut Problems,
) -> BTreeMap<String, String> {
    let Some(map) = value.as_object() else {
        problems.push(pointer, "metadata must be an object of strings");
        return BTreeMap::new();
    };
    let mut out = BTreeMap::new();
    for (key, val) in map {
        match val.as_str() {
            Some(text) => {
                out.insert(key.clone(), text.to_string());
            }
            None => problems.push(
                pointer,
                format!("metadata value of '{key}' must be a string"),
            ),
        }
    }
    out
}
