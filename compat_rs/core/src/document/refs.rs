//! `$ref` resolution: only same-document JSON pointers (`#`, `#/definitions/x`) are accepted.

use percent_encoding::percent_decode_str;
use serde_json::Value;

use super::text::{at, kind, push_token, quote};
use crate::METADATA_KEYS;

/// The subschema a `$ref` names, with its canonical pointer (no leading `#`).
pub(super) struct Target<'a> {
    pub value: &'a Value,
    pub pointer: String,
}

/// Resolves `reference`, found at pointer `from` (the `$ref` keyword itself), inside `root`,
/// the schema with registry metadata already stripped.
///
/// The fragment is percent-decoded before it is read as a JSON pointer, as RFC 6901 §6 says
/// for pointers in URI fragments, so `#/definitions/a%20b` names the key `a b`.
pub(super) fn resolve<'a>(
    root: &'a Value,
    reference: &str,
    from: &str,
) -> Result<Target<'a>, String> {
    let Some(fragment) = reference.strip_prefix('#') else {
        return Err(if reference.is_empty() {
            format!(
                "empty $ref at {}: write '#' to refer to the whole schema",
                at(from)
            )
        } else {
            format!(
                "remote $ref {} at {} is not supported: the registry never fetches remote schemas; \
                 copy the referenced schema under #/definitions and refer to it as '#/definitions/…'",
                quote(reference),
                at(from)
            )
        });
    };
    let Ok(fragment) = percent_decode_str(fragment).decode_utf8() else {
        return Err(format!(
            "$ref {} at {} percent-decodes to invalid UTF-8",
            quote(reference),
            at(from)
        ));
    };
    if !fragment.is_empty() && !fragment.starts_with('/') {
        return Err(format!(
            "$ref {} at {} is not a JSON pointer: only '#' and '#/…' references such as '#/definitions/name' are supported",
            quote(reference),
            at(from)
        ));
    }
    // Syntax first, for the whole pointer, so a bad escape is not hidden by a missing key.
    let Some(tokens) = fragment
        .split('/')
        .skip(1)
        .map(unescape)
        .collect::<Option<Vec<String>>>()
    else {
        return Err(format!(
            "$ref {} at {} is not a valid JSON pointer: '~' must be followed by 0 or 1 (write '~0' for '~' and '~1' for '/')",
            quote(reference),
            at(from)
        ));
    };
    let mut value = root;
    let mut pointer = String::new();
    for token in tokens {
        let next = match value {
            Value::Object(map) => map.get(&token),
            Value::Array(items) => array_index(&token).and_then(|i| items.get(i)),
            _ => None,
        };
        let Some(next) = next else {
            let hint = if pointer.is_empty() && METADATA_KEYS.contains(&token.as_str()) {
                " (registry metadata is stripped before the schema is compiled, so refs cannot point into it)"
            } else {
                ""
            };
            return Err(format!(
                "$ref {} at {} does not resolve: {} has no {}{hint}",
                quote(reference),
                at(from),
                at(&pointer),
                if matches!(value, Value::Array(_)) {
                    format!("item {}", quote(&token))
                } else {
                    format!("key {}", quote(&token))
                },
            ));
        };
        push_token(&mut pointer, &token);
        value = next;
    }
    if !matches!(value, Value::Object(_) | Value::Bool(_)) {
        return Err(format!(
            "$ref {} at {} points to {} at {}, which is not a schema (an object, true or false)",
            quote(reference),
            at(from),
            kind(value),
            at(&pointer)
        ));
    }
    Ok(Target { value, pointer })
}

/// RFC 6901 token unescaping: `~1` is `/`, `~0` is `~`, any other `~` makes the pointer invalid.
fn unescape(raw: &str) -> Option<String> {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c == '~' {
            match chars.next() {
                Some('0') => out.push('~'),
                Some('1') => out.push('/'),
                _ => return None,
            }
        } else {
            out.push(c);
        }
    }
    Some(out)
}

/// An array index as RFC 6901 spells it: `0` or digits without a leading zero.
fn array_index(token: &str) -> Option<usize> {
    let canonical = !token.is_empty()
        && token.bytes().all(|b| b.is_ascii_digit())
        && (token == "0" || !token.starts_with('0'));
    canonical.then(|| token.parse().ok()).flatten()
}
