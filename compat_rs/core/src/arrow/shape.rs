//! What a property's JSON Schema says about its JSON type: the input of the Arrow mapping.

use serde_json::Value;

/// How many schemas one lookup may visit through local `$ref`s and `anyOf`/`oneOf` branches
/// before giving up: recursive or exponentially branching `$ref` graphs end fast as Unknown.
const BUDGET: usize = 256;

/// The JSON type a property schema admits, as far as the Arrow mapping cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Null,
    Boolean,
    Integer,
    /// `number`, or `["integer", "number"]` (integers are numbers).
    Number,
    DateTime,
    Date,
    String,
    Array,
    Object,
    /// No `type`, a mixed union, an unresolvable `$ref`: the table has no mapping.
    Unknown,
}

impl Kind {
    /// The JSON Schema spelling, for messages.
    pub fn describe(self) -> &'static str {
        match self {
            Self::Null => "null",
            Self::Boolean => "boolean",
            Self::Integer => "integer",
            Self::Number => "number",
            Self::DateTime => "string with format date-time",
            Self::Date => "string with format date",
            Self::String => "string",
            Self::Array => "array",
            Self::Object => "object",
            Self::Unknown => "unconstrained",
        }
    }
}

/// A property schema reduced to its kind, whether it admits null, and the schema that holds
/// its `items` / `properties` (after `$ref` and nullable-`anyOf` unwrapping).
#[derive(Debug, Clone, Copy)]
pub struct Shape<'a> {
    pub kind: Kind,
    pub nullable: bool,
    pub schema: &'a Value,
}

/// The shape of `schema`; local `$ref`s resolve against `root` (the whole document).
pub fn shape_of<'a>(schema: &'a Value, root: &'a Value) -> Shape<'a> {
    let mut budget = BUDGET;
    shape_at(schema, root, &mut budget)
}

fn shape_at<'a>(schema: &'a Value, root: &'a Value, budget: &mut usize) -> Shape<'a> {
    let unknown = Shape {
        kind: Kind::Unknown,
        nullable: true,
        schema,
    };
    if *budget == 0 {
        return unknown;
    }
    *budget -= 1;
    let Some(map) = schema.as_object() else {
        return unknown;
    };
    // Draft-07 ignores the siblings of `$ref`, so the target replaces the schema.
    if let Some(reference) = map.get("$ref").and_then(Value::as_str) {
        return match reference.strip_prefix('#').and_then(|p| root.pointer(p)) {
            Some(target) => shape_at(target, root, budget),
            None => unknown,
        };
    }
    let names: Vec<&str> = match map.get("type") {
        Some(Value::String(name)) => vec![name.as_str()],
        Some(Value::Array(names)) => names.iter().filter_map(Value::as_str).collect(),
        Some(_) => return unknown,
        None => return untyped(map, schema, root, budget),
    };
    let nullable = names.contains(&"null");
    let mut rest: Vec<&str> = names.into_iter().filter(|n| *n != "null").collect();
    rest.sort_unstable();
    rest.dedup();
    let kind = match rest.as_slice() {
        [] => Kind::Null,
        ["integer", "number"] | ["number"] => Kind::Number,
        ["integer"] => Kind::Integer,
        ["boolean"] => Kind::Boolean,
        ["array"] => Kind::Array,
        ["object"] => Kind::Object,
        ["string"] => match map.get("format").and_then(Value::as_str) {
            Some("date-time") => Kind::DateTime,
            Some("date") => Kind::Date,
            _ => Kind::String,
        },
        _ => Kind::Unknown,
    };
    Shape {
        kind,
        nullable,
        schema,
    }
}

/// A schema without `type`: `anyOf`/`oneOf` of one branch plus `{"type": "null"}` (the
/// usual way to write an optional value), or an `enum`/`const` whose values share a type.
fn untyped<'a>(
    map: &'a serde_json::Map<String, Value>,
    schema: &'a Value,
    root: &'a Value,
    budget: &mut usize,
) -> Shape<'a> {
    let unknown = Shape {
        kind: Kind::Unknown,
        nullable: true,
        schema,
    };
    for key in ["anyOf", "oneOf"] {
        let Some(branches) = map.get(key).and_then(Value::as_array) else {
            continue;
        };
        let shapes: Vec<Shape<'a>> = branches.iter().map(|b| shape_at(b, root, budget)).collect();
        let mut typed = shapes.iter().filter(|s| s.kind != Kind::Null);
        return match (typed.next(), typed.next()) {
            (Some(only), None) => Shape {
                nullable: only.nullable || shapes.len() > 1,
                ..*only
            },
            (None, _) if !shapes.is_empty() => Shape {
                kind: Kind::Null,
                nullable: true,
                schema,
            },
            _ => unknown,
        };
    }
    let values: Vec<&Value> = match (map.get("enum"), map.get("const")) {
        (Some(Value::Array(values)), _) => values.iter().collect(),
        (None, Some(value)) => vec![value],
        _ => return unknown,
    };
    let nullable = values.iter().any(|v| v.is_null());
    let mut kinds = values.iter().filter(|v| !v.is_null()).map(|v| match v {
        Value::Bool(_) => Kind::Boolean,
        Value::Number(n) if n.is_i64() || n.is_u64() => Kind::Integer,
        Value::Number(_) => Kind::Number,
        Value::String(_) => Kind::String,
        Value::Array(_) => Kind::Array,
        _ => Kind::Object,
    });
    let Some(first) = kinds.next() else {
        return Shape {
            kind: Kind::Null,
            nullable: true,
            schema,
        };
    };
    let kind = kinds.try_fold(first, |acc, k| match (acc, k) {
        _ if acc == k => Some(acc),
        (Kind::Integer | Kind::Number, Kind::Integer | Kind::Number) => Some(Kind::Number),
        _ => None,
    });
    // Arrays/objects listed in an enum have no items/properties to map: keep them as text.
    match kind {
        Some(k @ (Kind::Boolean | Kind::Integer | Kind::Number | Kind::String)) => Shape {
            kind: k,
            nullable,
            schema,
        },
        _ => Shape {
            nullable,
            ..unknown
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn kind(schema: &Value) -> (Kind, bool) {
        let shape = shape_of(schema, schema);
        (shape.kind, shape.nullable)
    }

    #[test]
    fn unions_with_null_are_nullable() {
        assert_eq!(
            kind(&json!({"type": ["integer", "null"]})),
            (Kind::Integer, true)
        );
        let any_of = json!({"anyOf": [{"type": "string", "format": "date"}, {"type": "null"}]});
        assert_eq!(kind(&any_of), (Kind::Date, true));
        assert_eq!(
            kind(&json!({"type": ["string", "integer"]})),
            (Kind::Unknown, false)
        );
    }

    #[test]
    fn enums_give_their_common_type() {
        assert_eq!(
            kind(&json!({"enum": ["B", "S", null]})),
            (Kind::String, true)
        );
        assert_eq!(kind(&json!({"enum": [1, 2.5]})), (Kind::Number, false));
        assert_eq!(kind(&json!({"enum": [1, "a"]})), (Kind::Unknown, false));
    }

    #[test]
    fn recursive_refs_end_as_unknown() {
        let doc = json!({"$ref": "#/definitions/a", "definitions": {
            "a": {"anyOf": [{"$ref": "#/definitions/a"}, {"$ref": "#/definitions/a"}]}}});
        assert_eq!(kind(&doc).0, Kind::Unknown);
    }
}
