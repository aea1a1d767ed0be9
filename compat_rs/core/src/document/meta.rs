//! Draft-07 meta-validation with the `jsonschema` crate's bundled meta-schema, reworded.

use std::collections::HashSet;

use jsonschema::error::ValidationErrorKind;
use jsonschema::ValidationError;
use serde_json::Value;

use super::text::{at, child, quote, snippet};

/// Problems of `schema` against the draft-07 meta-schema. `base` is the pointer of `schema`
/// inside the document (empty for the root); `bad_patterns` were already reported by the
/// `fancy_regex` check and are skipped here. At most `limit` problems are returned.
///
/// The meta-schema is compiled into the crate (`default-features = false` leaves out every
/// network and file resolver), so this never fetches anything.
pub(super) fn check(
    schema: &Value,
    base: &str,
    bad_patterns: &HashSet<String>,
    limit: usize,
) -> Vec<String> {
    let validator = jsonschema::draft7::meta::validator();
    validator
        .iter_errors(schema)
        .filter_map(|error| describe(&error, base, bad_patterns))
        .take(limit)
        .collect()
}

/// One sentence for one meta-schema error. The library's own wording is kept as a fallback,
/// but the frequent cases get a message that says what is accepted instead.
fn describe(
    error: &ValidationError<'_>,
    base: &str,
    bad_patterns: &HashSet<String>,
) -> Option<String> {
    let pointer = format!("{base}{}", error.instance_path().as_str());
    let value: &Value = error.instance();
    let schema_path = error.schema_path().as_str();
    match error.kind() {
        ValidationErrorKind::Format { format } if format == "regex" => {
            let pattern = value.as_str()?;
            (!bad_patterns.contains(pattern)).then(|| ecma_message("pattern", pattern, &pointer))
        }
        // `patternProperties` keys are checked through `propertyNames`: the key is the instance
        // of the inner error, and the pointer should name it.
        ValidationErrorKind::PropertyNames { error: inner } => match inner.kind() {
            ValidationErrorKind::Format { format } if format == "regex" => {
                let key = inner.instance().as_str()?;
                (!bad_patterns.contains(key)).then(|| ecma_message("patternProperties key", key, &child(&pointer, key)))
            }
            _ => Some(generic(&pointer, inner)),
        },
        ValidationErrorKind::Format { format } => Some(format!(
            "{} at {} is not a valid {format} (write spaces and other reserved characters as %XX escapes)",
            snippet(value),
            at(&pointer)
        )),
        ValidationErrorKind::AnyOf { .. } if schema_path.ends_with("/properties/type/anyOf") => Some(format!(
            "type at {} must be one of \"array\", \"boolean\", \"integer\", \"null\", \"number\", \"object\", \"string\" \
             or a non-empty list of distinct ones, found {}",
            at(&pointer),
            snippet(value)
        )),
        ValidationErrorKind::AnyOf { .. } if schema_path.ends_with("/properties/items/anyOf") => Some(format!(
            "items at {} must be a schema (an object, true or false) or an array of schemas, found {}",
            at(&pointer),
            snippet(value)
        )),
        ValidationErrorKind::AnyOf { .. } if schema_path.ends_with("/properties/dependencies/additionalProperties/anyOf") => {
            Some(format!(
                "dependency at {} must be a schema or an array of distinct property names, found {}",
                at(&pointer),
                snippet(value)
            ))
        }
        // The meta-schema's root `type` applies to every position that holds a subschema.
        ValidationErrorKind::Type { .. } if schema_path == "/type" => Some(format!(
            "{} must be a schema (an object, true or false), found {}",
            at(&pointer),
            snippet(value)
        )),
        ValidationErrorKind::UniqueItems => Some(match first_repeat(value) {
            Some(item) => format!("{} lists {} more than once; its items must be distinct", at(&pointer), snippet(item)),
            None => generic(&pointer, error),
        }),
        _ => Some(generic(&pointer, error)),
    }
}

fn ecma_message(what: &str, pattern: &str, pointer: &str) -> String {
    format!(
        "{what} {} at {} is not a valid ECMA-262 regular expression, the dialect JSON Schema requires \
         (engine-specific syntax such as (?i), \\Z, [[:alpha:]] or (?P<name>…) is not portable)",
        quote(pattern),
        at(pointer)
    )
}

/// The library's sentence with the value masked (it would print a whole huge value), then a
/// cut rendering of the value: "… at #/minLength: the value is less than the minimum of 0
/// (found -1)".
fn generic(pointer: &str, error: &ValidationError<'_>) -> String {
    format!(
        "invalid draft-07 schema at {}: {} (found {})",
        at(pointer),
        error.masked_with("the value"),
        snippet(error.instance())
    )
}

/// The first item of an array that equals an earlier one, found in linear time by comparing
/// canonical text (`serde_json`'s default map is sorted, so equal objects print alike).
fn first_repeat(value: &Value) -> Option<&Value> {
    let mut seen = HashSet::new();
    value
        .as_array()?
        .iter()
        .find(|item| !seen.insert(item.to_string()))
}
