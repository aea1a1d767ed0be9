//! Arrow field-list rules: parse the `arrow` block, diff two field lists (promotion table,
//! rename detection), and check a block against the document's `properties`.
//!
//! The block's JSON shape (DESIGN §3, made precise here):
//!
//! - `{"fields": [field…], "metadata"?: {str: str}}`;
//! - field: `{"name": str, "type": type, "nullable"?: bool (default true), "metadata"?: {str: str}}`;
//! - type: `{"name": …, params…}`: flat names take no params; `decimal`/`decimal128`/
//!   `decimal256` take `precision` (1..=38 for 128 bits, 1..=76 otherwise) and `scale`
//!   (0..=precision, default 0); `timestamp` takes `unit` (s/ms/us/ns) and `timezone`?;
//!   `time32` (s/ms), `time64` (us/ns) and `duration` take `unit`;
//!   `dictionary` takes `value_type` (a flat type), `index_type`? (an integer type, default
//!   int32) and `ordered`?; `list`/`large_list` take either `item` (a full field) or
//!   `value_type` (a bare type standing for a nullable field named "item"); `struct` takes
//!   `fields` (a field list). Unknown keys are rejected, so typos cannot pass silently.
//!
//! Differences point into the documents: `#/arrow/fields/<i>` (index in the new document,
//! in the old one for removals), nested `…/type/fields/<j>`, `…/type/item` or
//! `…/type/value_type`; derived fields (no block, see [`derive_fields`]) point at
//! `#/properties/<name>`, `…/properties/<child>` and `…/items`.

mod check;
mod derive;
mod diff;
mod params;
mod parse;
mod problems;
mod promotion;
mod shape;
mod types;

use std::collections::BTreeMap;

use serde_json::Value;

use crate::change::{ChangeType, Difference};
use crate::error::DiffError;

pub use derive::derive_fields;
pub use promotion::{compare, widens, Direction};
pub use types::{DataType, Field, TimeUnit};

/// The Arrow schema a document stands for: its explicit block or the derived default mapping.
#[derive(Debug, Clone)]
pub struct ArrowSchema {
    pub fields: Vec<Field>,
    /// Schema-level metadata (`arrow.metadata`; empty when derived).
    pub metadata: BTreeMap<String, String>,
    /// Whether the fields come from an `arrow` block (and so their order means something).
    pub explicit: bool,
}

/// The Arrow schema of a whole registry document. A malformed block is an
/// `InvalidSchema("arrow: <pointer>: <problem> (and N more problems)")`.
pub fn schema_of(doc: &Value) -> Result<ArrowSchema, DiffError> {
    let Some(block) = doc.get("arrow") else {
        return Ok(ArrowSchema {
            fields: derive_fields(doc),
            metadata: BTreeMap::new(),
            explicit: false,
        });
    };
    let (parsed, problems) = parse::parse_block(block);
    if !problems.is_empty() {
        return Err(DiffError::InvalidSchema(format!(
            "arrow: {}",
            problems.summary()
        )));
    }
    Ok(ArrowSchema {
        fields: parsed.fields,
        metadata: parsed.metadata,
        explicit: true,
    })
}

/// Arrow differences reading `old` data with `new` (BACKWARD direction) between two whole
/// registry documents. Documents without an `arrow` block use the derived default mapping.
pub fn diff_documents(old: &Value, new: &Value) -> Result<Vec<Difference>, DiffError> {
    let old = schema_of(old)?;
    let new = schema_of(new)?;
    let mut out = Vec::new();
    let ordered = old.explicit && new.explicit;
    diff::diff_fields(
        &old.fields,
        &new.fields,
        "#/arrow/fields",
        "",
        ordered,
        &mut out,
    );
    if old.metadata != new.metadata {
        out.push(Difference {
            kind: ChangeType::ArrowMetadataChanged,
            path: "#/arrow/metadata".into(),
            message: "Schema metadata changed".into(),
        });
    }
    Ok(out)
}

/// Problems of the document's `arrow` block (shape, names, types, agreement with `properties`).
pub fn check_block(doc: &Value) -> Vec<String> {
    check::check(doc)
}

/// The `arrow` block a client should use for `doc`: the explicit one, or the derived mapping
/// in the block's own JSON shape (fields in sorted name order, `nullable` spelled out).
pub fn effective_block(doc: &Value) -> Result<Value, DiffError> {
    let schema = schema_of(doc)?;
    let mut block = serde_json::Map::new();
    block.insert(
        "fields".into(),
        schema.fields.iter().map(Field::to_json).collect(),
    );
    if !schema.metadata.is_empty() {
        let meta = schema
            .metadata
            .into_iter()
            .map(|(k, v)| (k, Value::String(v)))
            .collect();
        block.insert("metadata".into(), Value::Object(meta));
    }
    Ok(Value::Object(block))
}
