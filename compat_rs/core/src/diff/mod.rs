//! JSON Schema diff: compares two parsed schemas and lists every difference.

use serde_json::Value;

use crate::change::{Difference, Policy};
use crate::error::DiffError;

/// Differences reading data valid under `old` with `new` (BACKWARD direction).
pub fn diff_schemas(_old: &Value, _new: &Value, _policy: Policy) -> Result<Vec<Difference>, DiffError> {
    Ok(Vec::new())
}
