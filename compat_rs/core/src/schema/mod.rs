//! The schema model the diff walks: JSON Schema parsed into typed nodes held in an arena.
//!
//! The shape follows how validators read draft-07: a `$ref` replaces its siblings, a node whose
//! keywords belong to several families (say `type` plus `enum`) is the synthetic `allOf` of one
//! node per family, and `"type": [..]` is a synthetic `anyOf` of one node per type.

mod cycles;
mod parse;
mod types;

use std::collections::BTreeMap;

use serde_json::Value;

use crate::error::DiffError;

pub use parse::escape;
pub use types::TypeMask;

/// Index of a node in its [`Arena`].
pub type NodeId = usize;

/// All nodes of one parsed document; node 0 is the root.
#[derive(Debug)]
pub struct Arena<'d> {
    pub nodes: Vec<Node>,
    root: &'d Value,
}

/// One schema location with its annotations, its validation kind and unmodeled keywords.
#[derive(Debug, Clone)]
pub struct Node {
    /// JSON pointer of the location this node was read from (`#/properties/a`).
    pub pointer: String,
    pub meta: Meta,
    pub kind: Kind,
    /// Keywords the engine does not reason about (`format`, `if`…), compared verbatim.
    pub unmodeled: BTreeMap<String, Value>,
}

/// Annotations: reported, never breaking.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Meta {
    pub id: Option<Value>,
    pub title: Option<Value>,
    pub description: Option<Value>,
    pub default: Option<Value>,
}

/// What a node validates.
#[derive(Debug, Clone)]
pub enum Kind {
    /// `true` or `{}`: accepts everything.
    Empty,
    /// `false`: accepts nothing.
    False,
    /// A local `$ref`, resolved to its target node.
    Ref(NodeId),
    String(StringKind),
    Number(NumberKind),
    Boolean,
    Null,
    Object(ObjectKind),
    Array(ArrayKind),
    Enum(Vec<Value>),
    Const(Value),
    Combined(Combined),
    Not(NodeId),
}

/// String keywords; `requires` is false when the family was inferred without `type`.
#[derive(Debug, Clone, Default)]
pub struct StringKind {
    pub requires: bool,
    pub min_length: Option<f64>,
    pub max_length: Option<f64>,
    pub pattern: Option<String>,
}

/// Number keywords; `integer` for `"type": "integer"`.
#[derive(Debug, Clone, Default)]
pub struct NumberKind {
    pub requires: bool,
    pub integer: bool,
    pub minimum: Option<f64>,
    pub maximum: Option<f64>,
    pub exclusive_minimum: Option<f64>,
    pub exclusive_maximum: Option<f64>,
    pub multiple_of: Option<f64>,
}

/// What `additionalProperties` / `additionalItems` allow beyond the declared ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Additional {
    /// Absent, `true` or `{}`.
    Allowed,
    /// A schema every extra member must satisfy.
    Schema(NodeId),
    /// `false`.
    Forbidden,
}

/// One entry of `dependencies`.
#[derive(Debug, Clone, PartialEq)]
pub enum Dependency {
    Array(Vec<String>),
    Schema(NodeId),
}

/// Object keywords.
#[derive(Debug, Clone)]
pub struct ObjectKind {
    pub requires: bool,
    pub properties: BTreeMap<String, NodeId>,
    pub required: Vec<String>,
    pub additional: Additional,
    /// `patternProperties` as (regex source, schema), in document order.
    pub pattern_properties: Vec<(String, NodeId)>,
    pub dependencies: BTreeMap<String, Dependency>,
    pub min_properties: Option<f64>,
    pub max_properties: Option<f64>,
}

/// `items` in its two draft-07 forms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Items {
    None,
    All(NodeId),
    Tuple(Vec<NodeId>),
}

/// Array keywords.
#[derive(Debug, Clone)]
pub struct ArrayKind {
    pub requires: bool,
    pub items: Items,
    pub additional: Additional,
    pub min_items: Option<f64>,
    pub max_items: Option<f64>,
    pub unique: bool,
}

/// `allOf` / `anyOf` / `oneOf`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Criterion {
    AllOf,
    AnyOf,
    OneOf,
}

impl Criterion {
    /// The keyword, used as a path segment.
    pub fn keyword(self) -> &'static str {
        match self {
            Self::AllOf => "allOf",
            Self::AnyOf => "anyOf",
            Self::OneOf => "oneOf",
        }
    }
}

/// A combination of subschemas; `synthetic` when the engine built it (no keyword in the
/// document), so its members add no path segment.
#[derive(Debug, Clone)]
pub struct Combined {
    pub criterion: Criterion,
    pub subschemas: Vec<NodeId>,
    pub synthetic: bool,
}

impl<'d> Arena<'d> {
    /// Parses a JSON Schema; registry metadata keys are not schema keywords and are ignored.
    pub fn parse(root: &'d Value) -> Result<Self, DiffError> {
        parse::parse(root)
    }

    /// The node behind `id`.
    pub fn node(&self, id: NodeId) -> &Node {
        &self.nodes[id]
    }

    /// Follows `$ref` chains to a node that validates something itself.
    pub fn resolve(&self, mut id: NodeId) -> Result<NodeId, DiffError> {
        // A chain longer than the arena must revisit a node: a `$ref` cycle with no schema.
        for _ in 0..=self.nodes.len() {
            match self.nodes[id].kind {
                Kind::Ref(target) => id = target,
                _ => return Ok(id),
            }
        }
        Err(DiffError::InvalidSchema(format!(
            "$ref cycle without any schema at {}",
            self.nodes[id].pointer
        )))
    }

    /// The JSON this node was read from, for structural equality of subschemas.
    pub fn source(&self, id: NodeId) -> Option<&Value> {
        let pointer = self.nodes[id].pointer.strip_prefix('#').unwrap_or("");
        self.root.pointer(pointer)
    }
}
