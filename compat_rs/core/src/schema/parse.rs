//! JSON → arena: reads keyword families, splits mixed nodes, resolves local `$ref`s.

use std::collections::{BTreeMap, HashMap};

use serde_json::{Map, Value};

use super::{
    Additional, Arena, ArrayKind, Combined, Criterion, Dependency, Items, Kind, Meta, Node, NodeId,
    NumberKind, ObjectKind, StringKind,
};
use crate::error::DiffError;

/// Keywords whose changes the engine reports without modelling them (fail closed).
pub const UNMODELED: [&str; 8] = [
    "format",
    "if",
    "then",
    "else",
    "propertyNames",
    "contains",
    "contentMediaType",
    "contentEncoding",
];

const STRING_KEYS: [&str; 4] = ["minLength", "maxLength", "pattern", "format"];
const NUMBER_KEYS: [&str; 5] = [
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "multipleOf",
];
const OBJECT_KEYS: [&str; 8] = [
    "properties",
    "required",
    "additionalProperties",
    "patternProperties",
    "dependencies",
    "minProperties",
    "maxProperties",
    "propertyNames",
];
const ARRAY_KEYS: [&str; 6] = [
    "items",
    "additionalItems",
    "minItems",
    "maxItems",
    "uniqueItems",
    "contains",
];

/// Parses `root` and every subschema reachable from it, including `$ref` targets.
pub fn parse(root: &Value) -> Result<Arena<'_>, DiffError> {
    let mut parser = Parser {
        root,
        nodes: Vec::new(),
        by_pointer: HashMap::new(),
        pending: Vec::new(),
    };
    parser.node(root, "#".to_owned())?;
    // Refs are resolved from a worklist, not recursively, so long `$ref` chains cannot
    // exhaust the stack.
    while let Some((id, target)) = parser.pending.pop() {
        let resolved = parser.resolve_ref(&target, id)?;
        parser.nodes[id].kind = Kind::Ref(resolved);
    }
    Ok(Arena {
        nodes: parser.nodes,
        root,
    })
}

struct Parser<'a> {
    root: &'a Value,
    nodes: Vec<Node>,
    by_pointer: HashMap<String, NodeId>,
    /// (node holding a `$ref`, the ref text) still to resolve.
    pending: Vec<(NodeId, String)>,
}

fn invalid(pointer: &str, what: &str) -> DiffError {
    DiffError::InvalidSchema(format!("{pointer}: {what}"))
}

/// Escapes a key for use as a JSON pointer segment (RFC 6901).
pub fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

impl<'a> Parser<'a> {
    fn push(&mut self, pointer: String, meta: Meta, kind: Kind) -> NodeId {
        self.nodes.push(Node {
            pointer,
            meta,
            kind,
            unmodeled: BTreeMap::new(),
        });
        self.nodes.len() - 1
    }

    /// Parses the schema at `pointer` once; later requests for the same location share it.
    fn node(&mut self, value: &'a Value, pointer: String) -> Result<NodeId, DiffError> {
        if let Some(&id) = self.by_pointer.get(&pointer) {
            return Ok(id);
        }
        let map = match value {
            Value::Bool(true) => return Ok(self.register(pointer, Kind::Empty)),
            Value::Bool(false) => return Ok(self.register(pointer, Kind::False)),
            Value::Object(map) => map,
            _ => return Err(invalid(&pointer, "a schema must be an object or a boolean")),
        };
        let id = self.register(pointer.clone(), Kind::Empty);
        if let Some(reference) = map.get("$ref") {
            // draft-07: `$ref` overrides every sibling keyword.
            let text = reference
                .as_str()
                .ok_or_else(|| invalid(&pointer, "$ref must be a string"))?;
            self.pending.push((id, text.to_owned()));
            return Ok(id);
        }
        self.nodes[id].meta = meta_of(map);
        self.nodes[id].unmodeled = UNMODELED
            .iter()
            .filter_map(|k| map.get(*k).map(|v| ((*k).to_owned(), v.clone())))
            .collect();
        let mut parts = self.parts(map, &pointer)?;
        let kind = match parts.len() {
            0 => Kind::Empty,
            1 => parts.remove(0),
            _ => {
                let subschemas = parts
                    .into_iter()
                    .map(|kind| self.push(pointer.clone(), Meta::default(), kind))
                    .collect();
                Kind::Combined(Combined {
                    criterion: Criterion::AllOf,
                    subschemas,
                    synthetic: true,
                })
            }
        };
        self.nodes[id].kind = kind;
        Ok(id)
    }

    fn register(&mut self, pointer: String, kind: Kind) -> NodeId {
        let id = self.push(pointer.clone(), Meta::default(), kind);
        self.by_pointer.insert(pointer, id);
        id
    }

    /// One kind per keyword family present in `map`.
    fn parts(
        &mut self,
        map: &'a Map<String, Value>,
        pointer: &str,
    ) -> Result<Vec<Kind>, DiffError> {
        let mut parts = Vec::new();
        if let Some(values) = map.get("enum") {
            let values = values
                .as_array()
                .ok_or_else(|| invalid(pointer, "enum must be an array"))?;
            parts.push(Kind::Enum(values.clone()));
        }
        if let Some(value) = map.get("const") {
            parts.push(Kind::Const(value.clone()));
        }
        for criterion in [Criterion::AllOf, Criterion::AnyOf, Criterion::OneOf] {
            if let Some(list) = map.get(criterion.keyword()) {
                let at = format!("{pointer}/{}", criterion.keyword());
                let subschemas = self.list(list, &at)?;
                if subschemas.is_empty() {
                    return Err(invalid(&at, "must not be empty"));
                }
                parts.push(Kind::Combined(Combined {
                    criterion,
                    subschemas,
                    synthetic: false,
                }));
            }
        }
        if let Some(not) = map.get("not") {
            parts.push(Kind::Not(self.node(not, format!("{pointer}/not"))?));
        }
        parts.extend(self.typed(map, pointer)?);
        Ok(parts)
    }

    /// The type-based part: from `type` when present, else inferred from keyword families.
    fn typed(
        &mut self,
        map: &'a Map<String, Value>,
        pointer: &str,
    ) -> Result<Option<Kind>, DiffError> {
        let names: Vec<&str> = match map.get("type") {
            None => {
                let mut kinds = Vec::new();
                for (keys, name) in [
                    (&STRING_KEYS[..], "string"),
                    (&NUMBER_KEYS, "number"),
                    (&OBJECT_KEYS, "object"),
                    (&ARRAY_KEYS, "array"),
                ] {
                    if keys.iter().any(|k| map.contains_key(*k)) {
                        kinds.push(self.typed_kind(map, pointer, name, false)?);
                    }
                }
                return Ok(match kinds.len() {
                    0 => None,
                    1 => kinds.pop(),
                    _ => Some(self.synthetic(pointer, Criterion::AllOf, kinds)),
                });
            }
            Some(Value::String(name)) => vec![name.as_str()],
            Some(Value::Array(list)) => {
                let mut names = Vec::new();
                for item in list {
                    let name = item
                        .as_str()
                        .ok_or_else(|| invalid(pointer, "type entries must be strings"))?;
                    if !names.contains(&name) {
                        names.push(name);
                    }
                }
                names
            }
            Some(_) => {
                return Err(invalid(
                    pointer,
                    "type must be a string or an array of strings",
                ))
            }
        };
        let mut kinds = names
            .iter()
            .map(|name| self.typed_kind(map, pointer, name, true))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(match kinds.len() {
            0 => Some(Kind::False),
            1 => kinds.pop(),
            _ => Some(self.synthetic(pointer, Criterion::AnyOf, kinds)),
        })
    }

    fn synthetic(&mut self, pointer: &str, criterion: Criterion, kinds: Vec<Kind>) -> Kind {
        let subschemas = kinds
            .into_iter()
            .map(|k| self.push(pointer.to_owned(), Meta::default(), k))
            .collect();
        Kind::Combined(Combined {
            criterion,
            subschemas,
            synthetic: true,
        })
    }

    fn typed_kind(
        &mut self,
        map: &'a Map<String, Value>,
        pointer: &str,
        name: &str,
        requires: bool,
    ) -> Result<Kind, DiffError> {
        let num = |key: &str| number(map, key, pointer);
        Ok(match name {
            "string" => Kind::String(StringKind {
                requires,
                min_length: num("minLength")?.filter(|n| *n > 0.0),
                max_length: num("maxLength")?,
                pattern: match map.get("pattern") {
                    None => None,
                    Some(Value::String(p)) => Some(p.clone()),
                    Some(_) => return Err(invalid(pointer, "pattern must be a string")),
                },
            }),
            "number" | "integer" => Kind::Number(NumberKind {
                requires,
                integer: name == "integer",
                minimum: num("minimum")?,
                maximum: num("maximum")?,
                exclusive_minimum: num("exclusiveMinimum")?,
                exclusive_maximum: num("exclusiveMaximum")?,
                multiple_of: num("multipleOf")?,
            }),
            "boolean" => Kind::Boolean,
            "null" => Kind::Null,
            "object" => Kind::Object(self.object(map, pointer, requires)?),
            "array" => Kind::Array(self.array(map, pointer, requires)?),
            other => return Err(invalid(pointer, &format!("unknown type {other:?}"))),
        })
    }

    fn object(
        &mut self,
        map: &'a Map<String, Value>,
        pointer: &str,
        requires: bool,
    ) -> Result<ObjectKind, DiffError> {
        let mut properties = BTreeMap::new();
        for (key, value) in members(map, "properties", pointer)? {
            properties.insert(
                key.clone(),
                self.node(value, format!("{pointer}/properties/{}", escape(key)))?,
            );
        }
        let mut pattern_properties = Vec::new();
        for (key, value) in members(map, "patternProperties", pointer)? {
            let id = self.node(
                value,
                format!("{pointer}/patternProperties/{}", escape(key)),
            )?;
            pattern_properties.push((key.clone(), id));
        }
        let mut dependencies = BTreeMap::new();
        for (key, value) in members(map, "dependencies", pointer)? {
            let dependency = match value {
                Value::Array(names) => Dependency::Array(strings(names, pointer, "dependencies")?),
                _ => Dependency::Schema(
                    self.node(value, format!("{pointer}/dependencies/{}", escape(key)))?,
                ),
            };
            dependencies.insert(key.clone(), dependency);
        }
        let required = match map.get("required") {
            None => Vec::new(),
            Some(Value::Array(names)) => strings(names, pointer, "required")?,
            Some(_) => return Err(invalid(pointer, "required must be an array of strings")),
        };
        Ok(ObjectKind {
            requires,
            properties,
            required,
            additional: self.additional(
                map.get("additionalProperties"),
                format!("{pointer}/additionalProperties"),
            )?,
            pattern_properties,
            dependencies,
            min_properties: number(map, "minProperties", pointer)?.filter(|n| *n > 0.0),
            max_properties: number(map, "maxProperties", pointer)?,
        })
    }

    fn array(
        &mut self,
        map: &'a Map<String, Value>,
        pointer: &str,
        requires: bool,
    ) -> Result<ArrayKind, DiffError> {
        let items = match map.get("items") {
            None => Items::None,
            Some(Value::Array(list)) => {
                Items::Tuple(self.list_values(list, &format!("{pointer}/items"))?)
            }
            Some(value) if is_empty_schema(value) => Items::None,
            Some(value) => Items::All(self.node(value, format!("{pointer}/items"))?),
        };
        let unique = match map.get("uniqueItems") {
            None => false,
            Some(Value::Bool(b)) => *b,
            Some(_) => return Err(invalid(pointer, "uniqueItems must be a boolean")),
        };
        Ok(ArrayKind {
            requires,
            items,
            additional: self.additional(
                map.get("additionalItems"),
                format!("{pointer}/additionalItems"),
            )?,
            min_items: number(map, "minItems", pointer)?.filter(|n| *n > 0.0),
            max_items: number(map, "maxItems", pointer)?,
            unique,
        })
    }

    fn additional(
        &mut self,
        value: Option<&'a Value>,
        pointer: String,
    ) -> Result<Additional, DiffError> {
        Ok(match value {
            None => Additional::Allowed,
            Some(Value::Bool(false)) => Additional::Forbidden,
            Some(v) if is_empty_schema(v) => Additional::Allowed,
            Some(v) => Additional::Schema(self.node(v, pointer)?),
        })
    }

    fn list(&mut self, value: &'a Value, pointer: &str) -> Result<Vec<NodeId>, DiffError> {
        let list = value
            .as_array()
            .ok_or_else(|| invalid(pointer, "must be an array of schemas"))?;
        self.list_values(list, pointer)
    }

    fn list_values(&mut self, list: &'a [Value], pointer: &str) -> Result<Vec<NodeId>, DiffError> {
        list.iter()
            .enumerate()
            .map(|(i, v)| self.node(v, format!("{pointer}/{i}")))
            .collect()
    }

    /// Resolves a local `$ref` to a node, parsing the target on first use.
    fn resolve_ref(&mut self, reference: &str, from: NodeId) -> Result<NodeId, DiffError> {
        let at = self.nodes[from].pointer.clone();
        let Some(fragment) = reference.strip_prefix('#') else {
            return Err(invalid(
                &at,
                &format!("remote $ref {reference:?} is not supported"),
            ));
        };
        let decoded = percent_decode(fragment);
        let target = self
            .root
            .pointer(&decoded)
            .ok_or_else(|| invalid(&at, &format!("$ref {reference:?} does not resolve")))?;
        self.node(target, format!("#{decoded}"))
    }
}

/// `true`, `{}`, or an object holding only annotations: no constraint at all.
fn is_empty_schema(value: &Value) -> bool {
    match value {
        Value::Bool(b) => *b,
        Value::Object(map) => map.is_empty(),
        _ => false,
    }
}

fn meta_of(map: &Map<String, Value>) -> Meta {
    Meta {
        id: map.get("$id").cloned(),
        title: map.get("title").cloned(),
        description: map.get("description").cloned(),
        default: map.get("default").cloned(),
    }
}

fn members<'v>(
    map: &'v Map<String, Value>,
    key: &str,
    pointer: &str,
) -> Result<Vec<(&'v String, &'v Value)>, DiffError> {
    match map.get(key) {
        None => Ok(Vec::new()),
        Some(Value::Object(m)) => Ok(m.iter().collect()),
        Some(_) => Err(invalid(pointer, &format!("{key} must be an object"))),
    }
}

fn strings(values: &[Value], pointer: &str, key: &str) -> Result<Vec<String>, DiffError> {
    let mut out: Vec<String> = Vec::with_capacity(values.len());
    for value in values {
        let s = value
            .as_str()
            .ok_or_else(|| invalid(pointer, &format!("{key} entries must be strings")))?;
        if !out.iter().any(|o| o == s) {
            out.push(s.to_owned());
        }
    }
    Ok(out)
}

fn number(map: &Map<String, Value>, key: &str, pointer: &str) -> Result<Option<f64>, DiffError> {
    match map.get(key) {
        None => Ok(None),
        Some(Value::Number(n)) => Ok(n.as_f64()),
        Some(_) => Err(invalid(pointer, &format!("{key} must be a number"))),
    }
}

/// Decodes `%XX` escapes of a URI fragment; malformed escapes are kept verbatim.
fn percent_decode(text: &str) -> String {
    fn hex(b: u8) -> Option<u8> {
        (b as char).to_digit(16).map(|d| d as u8)
    }
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(hi), Some(lo)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push(hi * 16 + lo);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
