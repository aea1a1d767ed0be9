//! Reads one type object (`{"name": …, params…}`): known names and their parameters.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::parse::{parse_field, parse_fields, MAX_DEPTH};
use super::problems::Problems;
use super::types::{DataType, Field, TimeUnit};

/// Parses a type object (`{"name": …, params…}`) at `pointer`.
pub fn parse_type(
    value: &Value,
    pointer: &str,
    depth: usize,
    problems: &mut Problems,
) -> Option<DataType> {
    if depth >= MAX_DEPTH {
        problems.push(
            pointer,
            format!("types nest deeper than {MAX_DEPTH} levels"),
        );
        return None;
    }
    let Some(map) = value.as_object() else {
        problems.push(
            pointer,
            "a type must be an object such as {\"name\": \"int64\"}",
        );
        return None;
    };
    let Some(name) = map.get("name").and_then(Value::as_str) else {
        problems.push(pointer, "type has no string 'name'");
        return None;
    };
    let Some(params) = params_of(name) else {
        problems.push(&format!("{pointer}/name"), unknown_type(name));
        return None;
    };
    for key in map
        .keys()
        .filter(|k| *k != "name" && !params.contains(&k.as_str()))
    {
        let allowed = if params.is_empty() {
            "none".to_string()
        } else {
            params.join(", ")
        };
        problems.push(
            pointer,
            format!("unknown parameter '{key}' for {name} (allowed: {allowed})"),
        );
    }
    let reader = TypeReader {
        map,
        pointer,
        depth,
        problems,
    };
    reader.read(name)
}

/// The parameters each known type name accepts; `None` for an unknown name.
fn params_of(name: &str) -> Option<&'static [&'static str]> {
    Some(match name {
        "null" | "bool" | "int8" | "int16" | "int32" | "int64" | "uint8" | "uint16" | "uint32"
        | "uint64" | "float16" | "float32" | "float64" | "utf8" | "large_utf8" | "binary"
        | "large_binary" | "date32" | "date64" => &[],
        "decimal" | "decimal128" | "decimal256" => &["precision", "scale"],
        "timestamp" => &["unit", "timezone"],
        "time32" | "time64" | "duration" => &["unit"],
        "dictionary" => &["value_type", "index_type", "ordered"],
        "list" | "large_list" => &["item", "value_type"],
        "struct" => &["fields"],
        _ => return None,
    })
}

/// The sentence for an unknown type name, pointing at the spelling this block uses.
fn unknown_type(name: &str) -> String {
    let hint = match name {
        "string" | "str" => Some("utf8"),
        "large_string" => Some("large_utf8"),
        "boolean" => Some("bool"),
        "double" => Some("float64"),
        "float" => Some("float32"),
        "halffloat" | "half_float" => Some("float16"),
        "int" | "integer" | "long" => Some("int64"),
        "date" => Some("date32"),
        "bytes" => Some("binary"),
        "list_" | "array" => Some("list"),
        "map" | "object" => Some("struct"),
        _ => None,
    };
    match hint {
        Some(good) => format!("unknown Arrow type '{name}' (did you mean '{good}'?)"),
        None => format!("unknown Arrow type '{name}'"),
    }
}

/// Reads the parameters of one type object.
struct TypeReader<'a> {
    map: &'a Map<String, Value>,
    pointer: &'a str,
    depth: usize,
    problems: &'a mut Problems,
}

impl TypeReader<'_> {
    fn read(mut self, name: &str) -> Option<DataType> {
        Some(match name {
            "null" => DataType::Null,
            "bool" => DataType::Bool,
            "int8" => DataType::Int(8),
            "int16" => DataType::Int(16),
            "int32" => DataType::Int(32),
            "int64" => DataType::Int(64),
            "uint8" => DataType::UInt(8),
            "uint16" => DataType::UInt(16),
            "uint32" => DataType::UInt(32),
            "uint64" => DataType::UInt(64),
            "float16" => DataType::Float(16),
            "float32" => DataType::Float(32),
            "float64" => DataType::Float(64),
            "utf8" => DataType::Utf8,
            "large_utf8" => DataType::LargeUtf8,
            "binary" => DataType::Binary,
            "large_binary" => DataType::LargeBinary,
            "date32" => DataType::Date32,
            "date64" => DataType::Date64,
            "decimal" | "decimal128" | "decimal256" => return self.decimal(name),
            "timestamp" => {
                let unit = self.unit(&["s", "ms", "us", "ns"]);
                let timezone = self.timezone();
                DataType::Timestamp {
                    unit: unit?,
                    timezone: timezone.ok()?,
                }
            }
            "time32" => DataType::Time32(self.unit(&["s", "ms"])?),
            "time64" => DataType::Time64(self.unit(&["us", "ns"])?),
            "duration" => DataType::Duration(self.unit(&["s", "ms", "us", "ns"])?),
            "dictionary" => return self.dictionary(),
            "list" => DataType::List(Box::new(self.list_item()?)),
            "large_list" => DataType::LargeList(Box::new(self.list_item()?)),
            "struct" => return self.structure(),
            // `params_of` admitted only the names above.
            _ => return None,
        })
    }

    fn structure(&mut self) -> Option<DataType> {
        let Some(fields) = self.map.get("fields") else {
            self.problems
                .push(self.pointer, "struct needs a 'fields' array");
            return None;
        };
        let at = format!("{}/fields", self.pointer);
        Some(DataType::Struct(parse_fields(
            fields,
            &at,
            self.depth + 1,
            self.problems,
        )))
    }

    /// `decimal` picks its storage width from the precision (≤ 38 digits fit 128 bits).
    /// Scale must lie in 0..=precision: Parquet, which these schemas drive, rejects negative
    /// scales even though Arrow allows them.
    fn decimal(&mut self, name: &str) -> Option<DataType> {
        let max: u64 = if name == "decimal128" { 38 } else { 76 };
        let precision = match self.map.get("precision").map(Value::as_u64) {
            Some(Some(p)) if (1..=max).contains(&p) => Some(p as u8),
            None => {
                self.problems
                    .push(self.pointer, format!("{name} needs a 'precision'"));
                None
            }
            Some(_) => {
                self.problems.push(
                    self.pointer,
                    format!("{name} precision must be an integer in 1..={max}"),
                );
                None
            }
        }?;
        let scale = match self.map.get("scale").map(Value::as_u64) {
            None => 0,
            Some(Some(s)) if s <= u64::from(precision) => s as u8,
            Some(_) => {
                let msg =
                    format!("{name} scale must be an integer in 0..={precision} (the precision)");
                self.problems.push(self.pointer, msg);
                return None;
            }
        };
        let bits = match name {
            "decimal128" => 128,
            "decimal256" => 256,
            _ if precision <= 38 => 128,
            _ => 256,
        };
        Some(DataType::Decimal {
            bits,
            precision,
            scale,
        })
    }

    fn unit(&mut self, allowed: &[&str]) -> Option<TimeUnit> {
        match self.map.get("unit").and_then(Value::as_str) {
            Some(unit) if allowed.contains(&unit) => TimeUnit::parse(unit),
            Some(unit) => {
                let msg = format!("unit '{unit}' is not one of {}", allowed.join(", "));
                self.problems.push(self.pointer, msg);
                None
            }
            None => {
                let msg = format!("needs a string 'unit' ({})", allowed.join(", "));
                self.problems.push(self.pointer, msg);
                None
            }
        }
    }

    /// `Ok(None)` when no time zone is set (absent or null); `Err` once the problem is noted.
    fn timezone(&mut self) -> Result<Option<String>, ()> {
        match self.map.get("timezone") {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(tz)) if !tz.is_empty() => Ok(Some(tz.clone())),
            Some(_) => {
                self.problems
                    .push(self.pointer, "timezone must be a non-empty string");
                Err(())
            }
        }
    }

    fn dictionary(&mut self) -> Option<DataType> {
        let value_at = format!("{}/value_type", self.pointer);
        let value = if let Some(v) = self.map.get("value_type") {
            parse_type(v, &value_at, self.depth + 1, self.problems)
        } else {
            self.problems
                .push(self.pointer, "dictionary needs a 'value_type'");
            None
        };
        if matches!(&value, Some(v) if v.is_nested() || matches!(v, DataType::Dictionary { .. })) {
            self.problems.push(
                &value_at,
                "dictionary values must be a flat, non-dictionary type",
            );
            return None;
        }
        let index_at = format!("{}/index_type", self.pointer);
        let index = match self.map.get("index_type") {
            None => Some(DataType::Int(32)),
            Some(v) => match parse_type(v, &index_at, self.depth + 1, self.problems) {
                Some(t @ (DataType::Int(_) | DataType::UInt(_))) => Some(t),
                Some(_) => {
                    self.problems
                        .push(&index_at, "dictionary index must be an integer type");
                    None
                }
                None => None,
            },
        };
        let ordered = match self.map.get("ordered") {
            None => false,
            Some(Value::Bool(flag)) => *flag,
            Some(_) => {
                self.problems
                    .push(self.pointer, "'ordered' must be true or false");
                return None;
            }
        };
        Some(DataType::Dictionary {
            index: Box::new(index?),
            value: Box::new(value?),
            ordered,
        })
    }

    /// A list item is either a full field (`item`) or a bare type (`value_type`), which
    /// stands for a nullable field named `item` (Arrow's default).
    fn list_item(&mut self) -> Option<Field> {
        match (self.map.get("item"), self.map.get("value_type")) {
            (Some(item), None) => {
                let at = format!("{}/item", self.pointer);
                parse_field(item, &at, self.depth + 1, self.problems)
            }
            (None, Some(value_type)) => {
                let at = format!("{}/value_type", self.pointer);
                let data_type = parse_type(value_type, &at, self.depth + 1, self.problems)?;
                Some(Field {
                    name: "item".into(),
                    data_type,
                    nullable: true,
                    metadata: BTreeMap::new(),
                    pointer: at.clone(),
                    type_pointer: at,
                    ordered: true,
                })
            }
            (Some(_), Some(_)) => {
                self.problems.push(
                    self.pointer,
                    "a list takes either 'item' or 'value_type', not both",
                );
                None
            }
            (None, None) => {
                self.problems.push(
                    self.pointer,
                    "a list needs an 'item' field or a 'value_type'",
                );
                None
            }
        }
    }
}
