//! Typed Arrow fields and data types, their display form and their JSON form.

use std::collections::BTreeMap;
use std::fmt;

use serde_json::{json, Map, Value};

/// Resolution of a timestamp, time or duration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TimeUnit {
    Second,
    Milli,
    Micro,
    Nano,
}

impl TimeUnit {
    /// Parses the JSON spelling (`s`, `ms`, `us`, `ns`).
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "s" => Some(Self::Second),
            "ms" => Some(Self::Milli),
            "us" => Some(Self::Micro),
            "ns" => Some(Self::Nano),
            _ => None,
        }
    }

    /// The JSON spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Second => "s",
            Self::Milli => "ms",
            Self::Micro => "us",
            Self::Nano => "ns",
        }
    }
}

/// An Arrow data type as the `arrow` block describes it.
///
/// Integers and floats carry their bit width so the promotion table can compare widths
/// instead of listing every pair.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DataType {
    Null,
    Bool,
    /// Signed integer of 8, 16, 32 or 64 bits.
    Int(u8),
    /// Unsigned integer of 8, 16, 32 or 64 bits.
    UInt(u8),
    /// Floating point of 16, 32 or 64 bits.
    Float(u8),
    /// Decimal with its storage width (128 or 256 bits), precision and scale.
    Decimal {
        bits: u16,
        precision: u8,
        scale: u8,
    },
    Utf8,
    LargeUtf8,
    Binary,
    LargeBinary,
    Date32,
    Date64,
    Timestamp {
        unit: TimeUnit,
        timezone: Option<String>,
    },
    Time32(TimeUnit),
    Time64(TimeUnit),
    Duration(TimeUnit),
    /// Dictionary-encoded values; `index` is always an integer type.
    Dictionary {
        index: Box<DataType>,
        value: Box<DataType>,
        ordered: bool,
    },
    List(Box<Field>),
    LargeList(Box<Field>),
    Struct(Vec<Field>),
}

impl DataType {
    /// Whether this type holds child fields the diff recurses into.
    pub fn is_nested(&self) -> bool {
        matches!(self, Self::List(_) | Self::LargeList(_) | Self::Struct(_))
    }

    /// The JSON form used in an `arrow` block (the inverse of the parser; lists use `item`).
    pub fn to_json(&self) -> Value {
        let mut out = Map::new();
        out.insert("name".into(), Value::String(self.type_name()));
        match self {
            Self::Decimal {
                precision, scale, ..
            } => {
                out.insert("precision".into(), json!(precision));
                out.insert("scale".into(), json!(scale));
            }
            Self::Timestamp { unit, timezone } => {
                out.insert("unit".into(), json!(unit.as_str()));
                if let Some(tz) = timezone {
                    out.insert("timezone".into(), json!(tz));
                }
            }
            Self::Time32(unit) | Self::Time64(unit) | Self::Duration(unit) => {
                out.insert("unit".into(), json!(unit.as_str()));
            }
            Self::Dictionary {
                index,
                value,
                ordered,
            } => {
                out.insert("index_type".into(), index.to_json());
                out.insert("value_type".into(), value.to_json());
                if *ordered {
                    out.insert("ordered".into(), Value::Bool(true));
                }
            }
            Self::List(item) | Self::LargeList(item) => {
                out.insert("item".into(), item.to_json());
            }
            Self::Struct(fields) => {
                out.insert("fields".into(), fields.iter().map(Field::to_json).collect());
            }
            _ => {}
        }
        Value::Object(out)
    }

    /// The `name` this type is written with in JSON.
    pub fn type_name(&self) -> String {
        match self {
            Self::Null => "null".into(),
            Self::Bool => "bool".into(),
            Self::Int(bits) => format!("int{bits}"),
            Self::UInt(bits) => format!("uint{bits}"),
            Self::Float(bits) => format!("float{bits}"),
            Self::Decimal { bits, .. } => format!("decimal{bits}"),
            Self::Utf8 => "utf8".into(),
            Self::LargeUtf8 => "large_utf8".into(),
            Self::Binary => "binary".into(),
            Self::LargeBinary => "large_binary".into(),
            Self::Date32 => "date32".into(),
            Self::Date64 => "date64".into(),
            Self::Timestamp { .. } => "timestamp".into(),
            Self::Time32(_) => "time32".into(),
            Self::Time64(_) => "time64".into(),
            Self::Duration(_) => "duration".into(),
            Self::Dictionary { .. } => "dictionary".into(),
            Self::List(_) => "list".into(),
            Self::LargeList(_) => "large_list".into(),
            Self::Struct(_) => "struct".into(),
        }
    }
}

/// How many struct children a type's display lists before eliding the rest (messages stay
/// short even for a struct of thousands of fields).
const DISPLAY_CHILDREN: usize = 4;

impl fmt::Display for DataType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Decimal {
                bits,
                precision,
                scale,
            } => {
                write!(f, "decimal{bits}({precision}, {scale})")
            }
            Self::Timestamp {
                unit,
                timezone: Some(tz),
            } => {
                write!(f, "timestamp({}, {tz})", unit.as_str())
            }
            Self::Timestamp {
                unit,
                timezone: None,
            } => write!(f, "timestamp({})", unit.as_str()),
            Self::Time32(unit) | Self::Time64(unit) | Self::Duration(unit) => {
                write!(f, "{}({})", self.type_name(), unit.as_str())
            }
            Self::Dictionary {
                index,
                value,
                ordered,
            } => {
                let ordered = if *ordered { ", ordered" } else { "" };
                write!(f, "dictionary<{index}, {value}{ordered}>")
            }
            Self::List(item) | Self::LargeList(item) => {
                write!(f, "{}<{}>", self.type_name(), item.data_type)
            }
            Self::Struct(fields) => {
                f.write_str("struct<")?;
                for (i, child) in fields.iter().take(DISPLAY_CHILDREN).enumerate() {
                    let sep = if i == 0 { "" } else { ", " };
                    write!(f, "{sep}{}: {}", child.name, child.data_type)?;
                }
                if fields.len() > DISPLAY_CHILDREN {
                    write!(f, ", … {} more", fields.len() - DISPLAY_CHILDREN)?;
                }
                f.write_str(">")
            }
            other => f.write_str(&other.type_name()),
        }
    }
}

/// One Arrow field, with the JSON pointer of the place in the document that defines it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    pub name: String,
    pub data_type: DataType,
    pub nullable: bool,
    /// Key/value metadata; an absent map and an empty one are the same.
    pub metadata: BTreeMap<String, String>,
    /// Where the field is defined (`#/arrow/fields/3`, `#/properties/price`, …).
    pub pointer: String,
    /// Pointer of the location that holds this field's children (`…/type` for an explicit
    /// field, `…/value_type` itself for a list item given as a bare type).
    pub type_pointer: String,
    /// Whether siblings come in a meaningful order (explicit blocks); derived fields come
    /// from a sorted map, so only names count.
    pub ordered: bool,
}

impl Field {
    /// The JSON form used in an `arrow` block; `nullable` is always written out.
    pub fn to_json(&self) -> Value {
        let mut out = Map::new();
        out.insert("name".into(), Value::String(self.name.clone()));
        out.insert("type".into(), self.data_type.to_json());
        out.insert("nullable".into(), Value::Bool(self.nullable));
        if !self.metadata.is_empty() {
            let meta = self
                .metadata
                .iter()
                .map(|(k, v)| (k.clone(), json!(v)))
                .collect();
            out.insert("metadata".into(), Value::Object(meta));
        }
        Value::Object(out)
    }
}
