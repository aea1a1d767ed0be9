//! Arrow field-list rules: parse the `arrow` block, diff two field lists (promotion table,
//! rename detection), and check a block against the document's `properties`.

use serde_json::Value;

use crate::change::Difference;
use crate::error::DiffError;

/// Arrow differences reading `old` data with `new` (BACKWARD direction) between two whole
/// registry documents. Documents without an `arrow` block use the derived default mapping.
pub fn diff_documents(_old: &Value, _new: &Value) -> Result<Vec<Difference>, DiffError> {
    Ok(Vec::new())
}

/// Problems of the document's `arrow` block (shape, names, types, agreement with `properties`).
pub fn check_block(_doc: &Value) -> Vec<String> {
    Vec::new()
}
