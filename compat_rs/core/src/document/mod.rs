//! Validity of one registry document (DESIGN §3): metadata, draft-07 meta-validity, local `$ref`s, regexes, Arrow block.

mod meta;
mod metadata;
mod refs;
mod shape;
mod text;
mod walk;

use std::collections::HashSet;

use serde_json::Value;

/// Deepest nesting of arrays and objects accepted, the top-level object being level 1.
///
/// `serde_json`'s parser refuses 128 levels, so every document that arrives as text passes; the
/// limit exists for `Value`s built in Rust, because cloning, meta-validation and the Arrow checks
/// all recurse once per level and must never see a document deep enough to overflow the stack.
pub const MAX_DEPTH: usize = 128;

/// Most bytes the JSON pointers of all values of a document may add up to (see `shape`):
/// far above any real schema, low enough that building pointers for errors stays cheap.
pub const MAX_POINTER_BYTES: usize = 64 << 20;

/// Most problems listed for one document; a last sentence says more were left out, so a hostile
/// document cannot turn the 400 response into megabytes of text.
pub const MAX_PROBLEMS: usize = 100;

/// Problems of `doc`, one sentence each naming the offending value and its JSON pointer; empty
/// when the document is fine.
///
/// Runs the checks in this order: the document is an object, registry metadata (`id`,
/// `version`, `schema_version`/`$schema`), nesting depth, draft-07 meta-validation of the
/// document without its metadata, `$ref`s and regexes, then the Arrow block.
pub fn check(doc: &Value) -> Vec<String> {
    let Value::Object(map) = doc else {
        return vec![format!(
            "the document must be a JSON object (a draft-07 schema with registry metadata), found {}",
            text::kind(doc)
        )];
    };
    let mut problems = metadata::check(map);
    if let Some(misshapen) = shape::check(doc, MAX_DEPTH, MAX_POINTER_BYTES) {
        // Every later step recurses per level (clone, meta-validator, Arrow rules) or builds
        // pointers per value: stop here.
        problems.push(misshapen);
        return finish(problems);
    }
    let schema = crate::strip_metadata(doc);
    let walked = walk::walk(&schema);
    // One more than can be listed, so `finish` knows to say that some were left out.
    let limit = MAX_PROBLEMS + 1;
    problems.extend(meta::check(&schema, "", &walked.bad_patterns, limit));
    // Subschemas reached only through a `$ref` into a non-schema keyword are invisible to the
    // meta-validator's walk from the root, yet validators will apply them: check them too.
    for (target, pointer) in &walked.foreign {
        problems.extend(meta::check(target, pointer, &walked.bad_patterns, limit));
    }
    if walked.problems.is_empty() {
        // Only once every `$ref` resolves: a loop that never consumes input would send any
        // validator (and the diff) into endless recursion.
        if let Some(pointer) = crate::schema::Arena::parse(&schema)
            .ok()
            .and_then(|a| a.unguarded_cycle())
        {
            problems.push(format!(
                "schema at {pointer} refers back to itself without descending into a property or item ($ref/allOf/anyOf/oneOf/not loop): no validator can finish"
            ));
        }
    }
    problems.extend(walked.problems);
    problems.extend(crate::arrow::check_block(doc));
    finish(problems)
}

/// Drops repeated sentences (overlapping `$ref` targets can report one spot twice) and caps
/// the list at [`MAX_PROBLEMS`]. Each step already stops collecting just past the cap, so the
/// number left out is unknown and not given.
fn finish(problems: Vec<String>) -> Vec<String> {
    let mut seen = HashSet::new();
    let mut unique: Vec<String> = problems
        .into_iter()
        .filter(|p| seen.insert(p.clone()))
        .collect();
    if unique.len() > MAX_PROBLEMS {
        unique.truncate(MAX_PROBLEMS);
        unique.push(format!(
            "… and more problems not listed (at most {MAX_PROBLEMS} are); fix the ones above and publish again"
        ));
    }
    unique
}
