//! Registry metadata of a document: `id`, `version`, and the `schema_version`/`$schema` URI.

use serde_json::{Map, Value};

use super::text::{describe_char, kind, quote, snippet};

/// Longest accepted `id`, from `^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$`.
const MAX_ID_LEN: usize = 128;

/// The only meta-schema URIs accepted; the trailing `#` is optional in practice.
const DRAFT_07: [&str; 2] = [
    "http://json-schema.org/draft-07/schema#",
    "http://json-schema.org/draft-07/schema",
];

/// Problems of the metadata keys present in `doc`; absent keys are fine.
pub(super) fn check(doc: &Map<String, Value>) -> Vec<String> {
    let mut problems = Vec::new();
    problems.extend(doc.get("id").and_then(check_id));
    problems.extend(doc.get("version").and_then(check_version));
    for key in ["schema_version", "$schema"] {
        problems.extend(doc.get(key).and_then(|v| check_draft(key, v)));
    }
    problems
}

/// `id` must match `^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$`. Checked by hand rather than with a
/// regex so the message can name the first offending character and its position; note that,
/// unlike Python's `$`, nothing here lets a trailing newline through.
fn check_id(value: &Value) -> Option<String> {
    const RULE: &str = "an id is 1 to 128 characters: ASCII letters, digits, '.', '_' and '-', starting with a letter or digit";
    let Value::String(id) = value else {
        return Some(format!(
            "id must be a string ({RULE}), found {} {}",
            kind(value),
            snippet(value)
        ));
    };
    let Some(first) = id.chars().next() else {
        return Some(format!("id must not be empty ({RULE})"));
    };
    let len = id.chars().count();
    if len > MAX_ID_LEN {
        return Some(format!(
            "id {} is {len} characters long; at most {MAX_ID_LEN} are allowed",
            quote(id)
        ));
    }
    if !first.is_ascii_alphanumeric() {
        return Some(format!(
            "id {} must start with an ASCII letter or digit, not {} ({RULE})",
            quote(id),
            describe_char(first)
        ));
    }
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-');
    let (pos, bad) = id.chars().enumerate().find(|&(_, c)| !allowed(c))?;
    Some(format!(
        "id {} contains {} at position {} ({RULE})",
        quote(id),
        describe_char(bad),
        pos + 1
    ))
}

/// `version` must be `MAJOR.MINOR.PATCH`: three non-negative integers without leading zeros.
/// Each part must also fit in 64 bits so every consumer can parse it as a number.
fn check_version(value: &Value) -> Option<String> {
    const RULE: &str = "expected MAJOR.MINOR.PATCH, three non-negative integers without leading zeros such as '1.0.0', with no pre-release or build suffix";
    let Value::String(version) = value else {
        return Some(format!(
            "version must be a string ({RULE}), found {} {}",
            kind(value),
            snippet(value)
        ));
    };
    let parts: Vec<&str> = version.split('.').collect();
    let reason = if parts.len() != 3 {
        format!(
            "it has {} dot-separated part{}, not 3",
            parts.len(),
            if parts.len() == 1 { "" } else { "s" }
        )
    } else if let Some(part) = parts
        .iter()
        .find(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()))
    {
        format!("part {} is not a non-negative integer", quote(part))
    } else if let Some(part) = parts.iter().find(|p| p.len() > 1 && p.starts_with('0')) {
        format!("part {} has a leading zero", quote(part))
    } else if let Some(part) = parts.iter().find(|p| p.parse::<u64>().is_err()) {
        format!("part {} is too large", quote(part))
    } else {
        return None;
    };
    Some(format!(
        "version {} is invalid: {reason}; {RULE}",
        quote(version)
    ))
}

/// `schema_version` and its synonym `$schema` may only name draft-07.
fn check_draft(key: &str, value: &Value) -> Option<String> {
    match value {
        Value::String(uri) if DRAFT_07.contains(&uri.as_str()) => None,
        Value::String(uri) => Some(format!(
            "{key} {} is not supported: only JSON Schema draft-07 is supported ('{}')",
            quote(uri),
            DRAFT_07[0]
        )),
        other => Some(format!(
            "{key} must be the string '{}' (only draft-07 is supported), found {} {}",
            DRAFT_07[0],
            kind(other),
            snippet(other)
        )),
    }
}
