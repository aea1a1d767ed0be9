//! Schema compatibility engine: diffs registry documents (JSON Schema draft-07 plus an Arrow
//! field list), judges every change under a mode and policy, and computes the `SemVer` bump.
//!
//! Pure Rust, no Python: the `PyO3` crate next door is a thin binding over [`diff_bytes`],
//! [`diff_documents`] and [`check_document`].

pub mod arrow;
pub mod change;
pub mod diff;
pub mod document;
pub mod error;
pub mod report;
pub mod schema;

use serde_json::Value;

pub use change::{Change, ChangeType, Difference, Policy};
pub use error::DiffError;
pub use report::{Bump, DiffReport, Mode};

/// Registry metadata keys: never diffed as JSON Schema (`arrow` has its own rules).
pub const METADATA_KEYS: [&str; 5] = ["id", "version", "schema_version", "$schema", "arrow"];

/// Diffs two registry documents given as JSON text (`str` or bytes from the binding).
///
/// Invalid JSON is reported with its line and column; nesting deeper than serde's recursion
/// limit (128) is rejected as invalid JSON instead of overflowing the stack.
pub fn diff_bytes(
    old: &[u8],
    new: &[u8],
    mode: Mode,
    policy: Policy,
) -> Result<DiffReport, DiffError> {
    let old = parse_json("old", old)?;
    let new = parse_json("new", new)?;
    diff_documents(&old, &new, mode, policy)
}

/// Parses JSON text, naming which side failed and where.
pub fn parse_json(side: &str, text: &[u8]) -> Result<Value, DiffError> {
    serde_json::from_slice(text)
        .map_err(|e| DiffError::InvalidJson(format!("{side} document: {e}")))
}

/// Diffs two parsed registry documents under `mode` and `policy`.
pub fn diff_documents(
    old: &Value,
    new: &Value,
    mode: Mode,
    policy: Policy,
) -> Result<DiffReport, DiffError> {
    let changes = match mode {
        Mode::Backward | Mode::None => judge(
            one_direction(old, new, policy)?,
            policy,
            mode == Mode::Backward,
            "",
        ),
        Mode::Forward => judge(one_direction(new, old, policy)?, policy, true, "forward: "),
        Mode::Full => {
            let mut changes = judge(one_direction(old, new, policy)?, policy, true, "");
            // Forward findings describe the same edits seen from the old reader; only the ones
            // that break add information, the rest would repeat the backward list.
            let forward = judge(one_direction(new, old, policy)?, policy, true, "forward: ");
            changes.extend(forward.into_iter().filter(|c| c.breaking));
            changes
        }
    };
    let identical = same_content(old, new);
    Ok(DiffReport {
        compatible: !changes.iter().any(|c| c.breaking),
        required_bump: Bump::required(&changes, identical),
        changes,
    })
}

/// Validity problems of one registry document (DESIGN §3); empty when the document is fine.
pub fn check_document(doc: &Value) -> Vec<String> {
    document::check(doc)
}

/// All differences reading `old` data with the `new` document (BACKWARD direction).
fn one_direction(old: &Value, new: &Value, policy: Policy) -> Result<Vec<Difference>, DiffError> {
    // Registry metadata keys are not JSON Schema keywords, so the parser skips them in place.
    let mut found = diff::diff_schemas(old, new, policy)?;
    // Without an explicit block on either side the Arrow fields are derived from `properties`,
    // and the JSON Schema diff has already reported every change they could show.
    if old.get("arrow").is_some() || new.get("arrow").is_some() {
        found.extend(arrow::diff_documents(old, new)?);
    }
    Ok(found)
}

fn judge(found: Vec<Difference>, policy: Policy, checked: bool, prefix: &str) -> Vec<Change> {
    found
        .into_iter()
        .map(|d| Change {
            breaking: checked && d.kind.is_breaking(policy),
            message: format!("{prefix}{}", d.message),
            kind: d.kind,
            path: d.path,
        })
        .collect()
}

/// The document without registry metadata, as the JSON Schema the validators compile.
pub fn strip_metadata(doc: &Value) -> Value {
    match doc {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(k, _)| !METADATA_KEYS.contains(&k.as_str()))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// Whether two versions hold the same content: everything but `id` and `version` matches.
fn same_content(old: &Value, new: &Value) -> bool {
    let (Value::Object(a), Value::Object(b)) = (old, new) else {
        return old == new;
    };
    let ignored = |k: &String| k == "id" || k == "version";
    let count = |m: &serde_json::Map<String, Value>| m.keys().filter(|k| !ignored(k)).count();
    count(a) == count(b)
        && a.iter()
            .filter(|(k, _)| !ignored(k))
            .all(|(k, v)| b.get(k) == Some(v))
}
