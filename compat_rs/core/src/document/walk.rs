//! Walk of every subschema, following local `$ref`s: reports bad `$ref`s and regexes.

use std::collections::{HashMap, HashSet, VecDeque};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::refs::{self, Target};
use super::text::{at, child, child_index, quote};

/// Keywords whose value is one subschema (draft-07; `items` may also be an array).
const ONE_SCHEMA: [&str; 9] = [
    "additionalItems",
    "additionalProperties",
    "contains",
    "propertyNames",
    "if",
    "then",
    "else",
    "not",
    "items",
];
/// Keywords whose value is an array of subschemas.
const SCHEMA_ARRAYS: [&str; 4] = ["allOf", "anyOf", "oneOf", "items"];
/// Keywords whose value maps names to subschemas (`$defs` is the 2019-09 spelling, which the
/// registry accepts as a home for local refs; `dependencies` values may be name lists instead).
const SCHEMA_MAPS: [&str; 5] = [
    "properties",
    "patternProperties",
    "definitions",
    "$defs",
    "dependencies",
];

/// Compile time allowed for all distinct regexes of one document. A legitimate schema needs
/// milliseconds; a pattern like `\w{1000}` takes ~0.1 s to fail the size limit, and thousands
/// of distinct ones would hold a worker for minutes.
const REGEX_BUDGET: Duration = Duration::from_secs(2);

/// What the walk found.
#[derive(Default)]
pub(super) struct Walked<'a> {
    /// One sentence per bad `$ref` or regex.
    pub problems: Vec<String>,
    /// Patterns `fancy_regex` rejected, so the meta-validator's own `regex` complaint about the
    /// same text is not reported twice.
    pub bad_patterns: HashSet<String>,
    /// Subschemas the draft-07 meta-schema never reaches from the root, to be meta-validated
    /// separately with their pointer: `$defs` entries (not a draft-07 keyword) and `$ref`
    /// targets outside any schema keyword (e.g. under an unknown key).
    pub foreign: Vec<(&'a Value, String)>,
    /// Compile outcome of each distinct pattern (error text when it failed), so a pattern
    /// repeated a thousand times is compiled once.
    compiled: HashMap<&'a str, Option<String>>,
    /// Time spent compiling so far, against [`REGEX_BUDGET`].
    spent: Duration,
    /// Whether the budget ran out (and that was reported).
    out_of_time: bool,
}

impl<'a> Walked<'a> {
    /// Records a problem unless enough are already listed (`finish` caps the list anyway; this
    /// keeps a hostile document from formatting a million sentences first).
    fn report(&mut self, problem: String) {
        if self.problems.len() <= super::MAX_PROBLEMS {
            self.problems.push(problem);
        }
    }

    /// Checks that `pattern` compiles with `fancy_regex`, as the diff engine will compile it.
    fn check_regex(&mut self, pattern: &'a str, what: &str, pointer: &str) {
        let outcome = if let Some(outcome) = self.compiled.get(pattern) {
            outcome.clone()
        } else if self.spent > REGEX_BUDGET {
            // Said once, at the first pattern left unchecked; the rest are skipped silently.
            if !self.out_of_time {
                self.out_of_time = true;
                self.report(format!(
                    "the schema's regular expressions take too long to compile (over {} s in \
                     total); {what} {} at {} and the ones after it were not checked: simplify \
                     large counted repetitions such as '\\w{{1000}}'",
                    REGEX_BUDGET.as_secs(),
                    quote(pattern),
                    at(pointer)
                ));
            }
            return;
        } else {
            let start = Instant::now();
            let outcome = fancy_regex::Regex::new(pattern)
                .err()
                .map(|e| e.to_string());
            self.spent += start.elapsed();
            self.compiled.insert(pattern, outcome.clone());
            outcome
        };
        if let Some(error) = outcome {
            self.report(format!(
                "{what} {} at {} is not a valid regular expression: {error}",
                quote(pattern),
                at(pointer)
            ));
            self.bad_patterns.insert(pattern.to_owned());
        }
    }
}

/// Visits every subschema of `root` (the schema without metadata) once, then every `$ref`
/// target not already visited, so `$ref` cycles end and shared definitions are reported once.
///
/// Uses an explicit work list rather than recursion: the depth check has already bounded the
/// document, but nothing here should depend on that.
pub(super) fn walk(root: &Value) -> Walked<'_> {
    let mut found = Walked::default();
    // Addresses identify nodes: two equal subschemas at different places are different nodes.
    let mut visited: HashSet<*const Value> = HashSet::new();
    let mut work: Vec<(&Value, String)> = vec![(root, String::new())];
    let mut targets: VecDeque<Target<'_>> = VecDeque::new();
    loop {
        let Some((node, pointer)) = work.pop() else {
            // The whole tree is walked: whatever a `$ref` names that is still unvisited lies
            // outside schema keywords.
            let Some(target) = targets.pop_front() else {
                break;
            };
            if !visited.contains(&std::ptr::from_ref(target.value)) {
                found.foreign.push((target.value, target.pointer.clone()));
                work.push((target.value, target.pointer));
            }
            continue;
        };
        let Value::Object(map) = node else { continue };
        if !visited.insert(std::ptr::from_ref(node)) {
            continue;
        }
        if let Some(Value::String(reference)) = map.get("$ref") {
            match refs::resolve(root, reference, &child(&pointer, "$ref")) {
                Ok(target) => targets.push_back(target),
                Err(problem) => found.report(problem),
            }
        }
        if let Some(Value::String(pattern)) = map.get("pattern") {
            found.check_regex(pattern, "pattern", &child(&pointer, "pattern"));
        }
        if let Some(Value::Object(patterns)) = map.get("patternProperties") {
            let base = child(&pointer, "patternProperties");
            for key in patterns.keys() {
                found.check_regex(key, "patternProperties key", &child(&base, key));
            }
        }
        let mut next = Vec::new();
        for (key, value) in map {
            let key = key.as_str();
            match value {
                Value::Object(entries) if SCHEMA_MAPS.contains(&key) => {
                    let base = child(&pointer, key);
                    let subs = entries.iter().map(|(name, sub)| (sub, child(&base, name)));
                    if key == "$defs" {
                        found.foreign.extend(subs.clone());
                    }
                    next.extend(subs);
                }
                Value::Array(items) if SCHEMA_ARRAYS.contains(&key) => {
                    let base = child(&pointer, key);
                    next.extend(
                        items
                            .iter()
                            .enumerate()
                            .map(|(i, sub)| (sub, child_index(&base, i))),
                    );
                }
                // Boolean subschemas hold nothing to check, so only objects are queued.
                Value::Object(_) if ONE_SCHEMA.contains(&key) => {
                    next.push((value, child(&pointer, key)));
                }
                _ => {}
            }
        }
        // Reversed onto the stack so problems come out in document order.
        work.extend(next.into_iter().rev());
    }
    found
}
