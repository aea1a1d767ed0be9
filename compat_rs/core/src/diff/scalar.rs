//! Leaf keyword families: strings, numbers, `enum`, `const`, `not`, and type changes.

use serde_json::Value;

use super::bounds::{self, num};
use super::Walker;
use crate::change::ChangeType;
use crate::error::DiffError;
use crate::schema::{Arena, Kind, NodeId, NumberKind, StringKind};

impl Walker<'_> {
    /// `requires` is false when a family was inferred from keywords without `type`: the
    /// schema then also accepts every other JSON type.
    pub(super) fn compare_requires(&mut self, before: bool, after: bool, family: &str) {
        match (before, after) {
            (false, true) => {
                self.add(
                    ChangeType::TypeNarrowed,
                    None,
                    format!("type {family} is now required (other types were accepted)"),
                );
            }
            (true, false) => {
                self.add(
                    ChangeType::TypeExtended,
                    None,
                    format!("type {family} is no longer required"),
                );
            }
            _ => {}
        }
    }

    pub(super) fn compare_string(&mut self, o: &StringKind, u: &StringKind) {
        self.compare_requires(o.requires, u.requires, "string");
        self.compare_bound(&bounds::MIN_LENGTH, o.min_length, u.min_length);
        self.compare_bound(&bounds::MAX_LENGTH, o.max_length, u.max_length);
        let (kind, message) = match (&o.pattern, &u.pattern) {
            (None, Some(p)) => (ChangeType::PatternAdded, format!("pattern {p:?} added")),
            (Some(p), None) => (ChangeType::PatternRemoved, format!("pattern {p:?} removed")),
            (Some(x), Some(y)) if x != y => (
                ChangeType::PatternChanged,
                format!("pattern changed from {x:?} to {y:?}"),
            ),
            _ => return,
        };
        self.add(kind, Some("pattern"), message);
    }

    pub(super) fn compare_number(&mut self, o: &NumberKind, u: &NumberKind) {
        self.compare_requires(o.requires, u.requires, "number");
        match (o.integer, u.integer) {
            (true, false) => self.add(
                ChangeType::TypeExtended,
                None,
                "type widened from integer to number".to_owned(),
            ),
            (false, true) => self.add(
                ChangeType::TypeNarrowed,
                None,
                "type narrowed from number to integer".to_owned(),
            ),
            _ => {}
        }
        self.compare_bound(&bounds::MINIMUM, o.minimum, u.minimum);
        self.compare_bound(&bounds::MAXIMUM, o.maximum, u.maximum);
        self.compare_bound(
            &bounds::EXCLUSIVE_MINIMUM,
            o.exclusive_minimum,
            u.exclusive_minimum,
        );
        self.compare_bound(
            &bounds::EXCLUSIVE_MAXIMUM,
            o.exclusive_maximum,
            u.exclusive_maximum,
        );
        let (kind, message) = match (o.multiple_of, u.multiple_of) {
            (None, Some(m)) => (
                ChangeType::MultipleOfAdded,
                format!("multipleOf {} added", num(m)),
            ),
            (Some(m), None) => (
                ChangeType::MultipleOfRemoved,
                format!("multipleOf {} removed", num(m)),
            ),
            (Some(x), Some(y)) if x.total_cmp(&y).is_ne() => {
                let kind = if is_multiple(y, x) {
                    // Every multiple of the new value is a multiple of the old: fewer values pass.
                    ChangeType::MultipleOfExpanded
                } else if is_multiple(x, y) {
                    ChangeType::MultipleOfReduced
                } else {
                    ChangeType::MultipleOfChanged
                };
                (
                    kind,
                    format!("multipleOf changed from {} to {}", num(x), num(y)),
                )
            }
            _ => return,
        };
        self.add(kind, Some("multipleOf"), message);
    }

    pub(super) fn compare_enum(&mut self, o: &[Value], u: &[Value]) {
        let kept = o.iter().all(|x| u.iter().any(|y| same_value(x, y)));
        let no_new = u.iter().all(|y| o.iter().any(|x| same_value(x, y)));
        let (kind, verb) = match (kept, no_new) {
            (true, true) => return,
            (true, false) => (ChangeType::EnumArrayExtended, "extended"),
            (false, true) => (ChangeType::EnumArrayNarrowed, "narrowed"),
            (false, false) => (ChangeType::EnumArrayChanged, "changed"),
        };
        let message = format!(
            "enum {verb} from {} to {}",
            Value::from(o.to_vec()),
            Value::from(u.to_vec())
        );
        self.add(kind, Some("enum"), message);
    }

    pub(super) fn compare_const(&mut self, o: &Value, u: &Value) {
        if !same_value(o, u) {
            self.add(
                ChangeType::EnumArrayChanged,
                Some("const"),
                format!("const changed from {o} to {u}"),
            );
        }
    }

    /// `not` accepts the complement, so its subschemas are compared the other way round.
    pub(super) fn compare_not(&mut self, o: NodeId, u: NodeId) -> Result<(), DiffError> {
        std::mem::swap(&mut self.a, &mut self.b);
        self.flipped = !self.flipped;
        let trial = self.at("not", |w| w.trial(|w| w.compare(Some(u), Some(o))));
        std::mem::swap(&mut self.a, &mut self.b);
        self.flipped = !self.flipped;
        let (found, compatible) = trial?;
        if found.is_empty() {
            return Ok(());
        }
        if compatible {
            self.add(
                ChangeType::NotTypeNarrowed,
                Some("not"),
                "the excluded schema 'not' now excludes less".to_owned(),
            );
        } else {
            self.add(
                ChangeType::NotTypeExtended,
                Some("not"),
                "the excluded schema 'not' now excludes more".to_owned(),
            );
        }
        Ok(())
    }
}

/// Whether `a` is an integer multiple of `b` (within float rounding).
fn is_multiple(a: f64, b: f64) -> bool {
    if b == 0.0 {
        return false;
    }
    let ratio = a / b;
    (ratio - ratio.round()).abs() < 1e-9 * ratio.abs().max(1.0)
}

/// JSON equality where `1` and `1.0` are the same number, as validators see them.
pub(super) fn same_value(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            x == y
                || x.as_f64()
                    .zip(y.as_f64())
                    .is_some_and(|(p, q)| p.total_cmp(&q).is_eq())
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same_value(p, q))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| same_value(v, w)))
        }
        _ => a == b,
    }
}

/// "type changed from string to number", naming what each side accepts.
pub(super) fn type_change_message(a: &Arena, o: NodeId, b: &Arena, u: NodeId) -> String {
    format!(
        "type changed from {} to {}",
        family(&a.node(o).kind),
        family(&b.node(u).kind)
    )
}

fn family(kind: &Kind) -> &'static str {
    match kind {
        Kind::Empty => "any value",
        Kind::False => "no value",
        Kind::Ref(_) => "a reference",
        Kind::String(_) => "string",
        Kind::Number(n) if n.integer => "integer",
        Kind::Number(_) => "number",
        Kind::Boolean => "boolean",
        Kind::Null => "null",
        Kind::Object(_) => "object",
        Kind::Array(_) => "array",
        Kind::Enum(_) => "an enum",
        Kind::Const(_) => "a const",
        Kind::Combined(_) => "a combination",
        Kind::Not(_) => "a 'not' schema",
    }
}
