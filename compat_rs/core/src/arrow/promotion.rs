//! The Arrow promotion table: which type changes widen, which narrow, which merely change.

use super::types::{DataType, Field};

/// How a flat type moved between two versions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Same,
    /// Every old value reads losslessly as the new type (a promotion of the table).
    Widened,
    /// The reverse of a promotion.
    Narrowed,
    Changed,
}

/// Classifies the move from `old` to `new`. Nested types (lists, structs) are compared by the
/// diff itself, child by child; here they are only equal when structurally the same.
pub fn compare(old: &DataType, new: &DataType) -> Direction {
    if same_type(old, new) {
        Direction::Same
    } else if widens(old, new) {
        Direction::Widened
    } else if widens(new, old) {
        Direction::Narrowed
    } else {
        Direction::Changed
    }
}

/// Whether `to` is a promotion of `from`, the table of `COMPAT_RULES.md` applied transitively:
///
/// ```text
/// int8→int16→int32→int64; uint8→uint16→uint32→uint64; uintN→int(2N);
/// int8/int16/uint8/uint16→float32; int8…int32/uint8…uint32/float16/float32→float64;
/// float16→float32; utf8→large_utf8; binary→large_binary; utf8↔dictionary<utf8>;
/// decimal precision up with equal scale; date32→date64; timestamp unit finer, same zone.
/// ```
///
/// Two extensions, both documented where they are decided: `list→large_list` (the offsets
/// widen exactly as `utf8→large_utf8`) and dictionaries whose index and values both widen.
///
/// Each arm states the closure directly (e.g. uint8→int64 follows from uint8→int16→…→int64).
pub fn widens(from: &DataType, to: &DataType) -> bool {
    use DataType::{
        Binary, Date32, Date64, Decimal, Dictionary, Float, Int, LargeBinary, LargeList, LargeUtf8,
        List, Timestamp, UInt, Utf8,
    };
    match (from, to) {
        (Int(a), Int(b)) | (UInt(a), UInt(b)) | (Float(a), Float(b)) => b > a,
        (UInt(a), Int(b)) => u16::from(*b) >= 2 * u16::from(*a),
        // int64/uint64 → float64 would round above 2^53, hence not in the table.
        (Int(a) | UInt(a), Float(32)) => *a <= 16,
        (Int(a) | UInt(a), Float(64)) => *a <= 32,
        // list→large_list: offsets grow from 32 to 64 bits exactly as utf8→large_utf8; the
        // items are compared separately by the diff.
        (Utf8, LargeUtf8) | (Binary, LargeBinary) | (Date32, Date64) | (List(_), LargeList(_)) => {
            true
        }
        (
            Decimal {
                bits: b1,
                precision: p1,
                scale: s1,
            },
            Decimal {
                bits: b2,
                precision: p2,
                scale: s2,
            },
        ) => s1 == s2 && p2 >= p1 && b2 >= b1 && (p2 > p1 || b2 > b1),
        (
            Timestamp {
                unit: u1,
                timezone: z1,
            },
            Timestamp {
                unit: u2,
                timezone: z2,
            },
        ) => z1 == z2 && u2 > u1,
        // utf8 → dictionary<utf8> → utf8, and on through utf8 → large_utf8.
        (Utf8, Dictionary { value, .. }) | (Dictionary { value, .. }, Utf8 | LargeUtf8) => {
            **value == Utf8
        }
        (
            Dictionary {
                index: i1,
                value: v1,
                ordered: o1,
            },
            Dictionary {
                index: i2,
                value: v2,
                ordered: o2,
            },
        ) => dictionary_widens((i1, v1, *o1), (i2, v2, *o2)),
        _ => false,
    }
}

/// A dictionary widens when neither its index nor its values shrink and one of them grows.
///
/// Going through utf8 would make any two dictionary<utf8> interchangeable, but a narrower
/// index may not hold every code of the old dictionary, so index shrinking is a narrowing.
fn dictionary_widens(
    (i1, v1, o1): (&DataType, &DataType, bool),
    (i2, v2, o2): (&DataType, &DataType, bool),
) -> bool {
    let index_ok = i1 == i2 || widens(i1, i2);
    let value_ok = v1 == v2 || widens(v1, v2);
    o1 == o2 && index_ok && value_ok && (i1 != i2 || v1 != v2)
}

/// Structural type equality that ignores where fields are defined and list item names.
pub fn same_type(a: &DataType, b: &DataType) -> bool {
    match (a, b) {
        (DataType::List(x), DataType::List(y))
        | (DataType::LargeList(x), DataType::LargeList(y)) => {
            x.nullable == y.nullable && same_type(&x.data_type, &y.data_type)
        }
        (DataType::Struct(xs), DataType::Struct(ys)) => {
            xs.len() == ys.len() && xs.iter().zip(ys).all(|(x, y)| same_field(x, y))
        }
        (x, y) => !x.is_nested() && x == y,
    }
}

fn same_field(a: &Field, b: &Field) -> bool {
    a.name == b.name && a.nullable == b.nullable && same_type(&a.data_type, &b.data_type)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::arrow::types::TimeUnit;

    fn dict(index: u8, value: DataType) -> DataType {
        DataType::Dictionary {
            index: Box::new(DataType::Int(index)),
            value: Box::new(value),
            ordered: false,
        }
    }

    #[test]
    fn integer_chain_is_transitive() {
        assert_eq!(
            compare(&DataType::Int(8), &DataType::Int(64)),
            Direction::Widened
        );
        assert_eq!(
            compare(&DataType::Int(64), &DataType::Int(8)),
            Direction::Narrowed
        );
        assert_eq!(
            compare(&DataType::UInt(8), &DataType::Int(16)),
            Direction::Widened
        );
        assert_eq!(
            compare(&DataType::UInt(32), &DataType::Int(32)),
            Direction::Changed
        );
        assert_eq!(
            compare(&DataType::Int(8), &DataType::UInt(64)),
            Direction::Changed
        );
    }

    #[test]
    fn floats_only_from_small_integers() {
        assert!(widens(&DataType::UInt(16), &DataType::Float(32)));
        assert!(!widens(&DataType::Int(32), &DataType::Float(32)));
        assert!(widens(&DataType::UInt(32), &DataType::Float(64)));
        assert!(!widens(&DataType::Int(64), &DataType::Float(64)));
        assert!(widens(&DataType::Float(16), &DataType::Float(64)));
    }

    #[test]
    fn dictionaries_and_zones() {
        assert!(widens(&dict(32, DataType::Utf8), &DataType::LargeUtf8));
        assert_eq!(
            compare(&dict(32, DataType::Utf8), &dict(8, DataType::Utf8)),
            Direction::Narrowed
        );
        let ts = |unit, tz: Option<&str>| DataType::Timestamp {
            unit,
            timezone: tz.map(String::from),
        };
        assert!(widens(
            &ts(TimeUnit::Second, None),
            &ts(TimeUnit::Nano, None)
        ));
        let moved = compare(&ts(TimeUnit::Micro, Some("UTC")), &ts(TimeUnit::Nano, None));
        assert_eq!(moved, Direction::Changed);
    }
}
