//! Validity of one registry document: draft-07 meta-validity, no remote `$ref`, Arrow block.

use serde_json::Value;

/// Problems of `doc`, one sentence each; empty when the document is fine.
pub fn check(doc: &Value) -> Vec<String> {
    crate::arrow::check_block(doc)
}
