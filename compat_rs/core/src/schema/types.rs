//! Which JSON types a schema node can accept, as a bit set (for `oneOf` overlap checks).

use super::{Arena, Kind, NodeId};
use serde_json::Value;

/// A set of JSON value types; integers are split from other numbers because draft-07's
/// `integer` is a subset of `number`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TypeMask(pub u8);

impl TypeMask {
    pub const NULL: Self = Self(1);
    pub const BOOLEAN: Self = Self(2);
    pub const OBJECT: Self = Self(4);
    pub const ARRAY: Self = Self(8);
    pub const STRING: Self = Self(16);
    pub const INTEGER: Self = Self(32);
    pub const FRACTION: Self = Self(64);
    pub const NUMBER: Self = Self(32 | 64);
    pub const ALL: Self = Self(127);
    pub const NONE: Self = Self(0);

    /// Whether some value type is in both sets.
    pub fn overlaps(self, other: Self) -> bool {
        self.0 & other.0 != 0
    }

    fn of_value(value: &Value) -> Self {
        match value {
            Value::Null => Self::NULL,
            Value::Bool(_) => Self::BOOLEAN,
            Value::Object(_) => Self::OBJECT,
            Value::Array(_) => Self::ARRAY,
            Value::String(_) => Self::STRING,
            Value::Number(n) => match n.as_f64() {
                Some(f) if f.fract() != 0.0 => Self::FRACTION,
                _ => Self::INTEGER,
            },
        }
    }
}

impl Arena<'_> {
    /// The value types `id` may accept. Conservative: when unsure, more types.
    pub fn type_mask(&self, id: NodeId) -> TypeMask {
        self.mask_at(id, 0)
    }

    fn mask_at(&self, id: NodeId, depth: usize) -> TypeMask {
        // Deep or cyclic structures: give up precision, not correctness.
        if depth > 32 {
            return TypeMask::ALL;
        }
        let typed = |requires: bool, mask: TypeMask| if requires { mask } else { TypeMask::ALL };
        match &self.nodes[id].kind {
            Kind::Empty | Kind::Not(_) => TypeMask::ALL,
            Kind::False => TypeMask::NONE,
            Kind::Ref(target) => self.mask_at(*target, depth + 1),
            Kind::String(s) => typed(s.requires, TypeMask::STRING),
            Kind::Number(n) => typed(
                n.requires,
                if n.integer {
                    TypeMask::INTEGER
                } else {
                    TypeMask::NUMBER
                },
            ),
            Kind::Boolean => TypeMask::BOOLEAN,
            Kind::Null => TypeMask::NULL,
            Kind::Object(o) => typed(o.requires, TypeMask::OBJECT),
            Kind::Array(a) => typed(a.requires, TypeMask::ARRAY),
            Kind::Enum(values) => TypeMask(
                values
                    .iter()
                    .fold(0, |acc, v| acc | TypeMask::of_value(v).0),
            ),
            Kind::Const(value) => TypeMask::of_value(value),
            Kind::Combined(c) => {
                let masks = c.subschemas.iter().map(|s| self.mask_at(*s, depth + 1));
                match c.criterion {
                    super::Criterion::AllOf => {
                        TypeMask(masks.fold(TypeMask::ALL.0, |acc, m| acc & m.0))
                    }
                    _ => TypeMask(masks.fold(0, |acc, m| acc | m.0)),
                }
            }
        }
    }
}
