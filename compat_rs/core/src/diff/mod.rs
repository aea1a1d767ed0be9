//! JSON Schema diff: walks two parsed schemas side by side and lists every difference.
//!
//! The walk reads the old schema as "original" and the new one as "update" (BACKWARD); `not`
//! flips the sides for its subtree. Paths are JSON pointers into the original schema, except for
//! members only the update has.

mod array;
mod bounds;
mod combined;
mod object;
mod scalar;

use std::collections::{HashMap, HashSet};

use fancy_regex::Regex;

use serde_json::Value;

use crate::change::{ChangeType, Difference, Policy};
use crate::error::DiffError;
use crate::schema::{Arena, Kind, Meta, NodeId};

/// Comparison steps one diff may take (a reused pair costs one step per difference it
/// repeats); hostile recursive schemas stop here with an error.
pub const WORK_BUDGET: usize = 250_000;
/// Nested comparisons (through `$ref`s too) the walk follows before giving up.
pub const MAX_DEPTH: usize = 256;

/// Differences reading data valid under `old` with `new` (BACKWARD direction).
pub fn diff_schemas(
    old: &Value,
    new: &Value,
    policy: Policy,
) -> Result<Vec<Difference>, DiffError> {
    let old = Arena::parse(old)?;
    let new = Arena::parse(new)?;
    let mut walker = Walker::new(&old, &new, policy);
    walker.compare(Some(0), Some(0))?;
    Ok(walker.diffs)
}

/// The state of one diff: both arenas, the current path and what was found so far.
pub(crate) struct Walker<'a> {
    /// The side read as "original" (swapped inside `not`).
    a: &'a Arena<'a>,
    /// The side read as "update".
    b: &'a Arena<'a>,
    policy: Policy,
    path: Vec<String>,
    diffs: Vec<Difference>,
    steps: usize,
    depth: usize,
    flipped: bool,
    /// Pairs being compared further up the stack: meeting one again means a recursive
    /// schema, which is assumed compatible there (the enclosing comparison decides).
    in_progress: HashSet<(NodeId, NodeId, bool)>,
    /// Finished pairs with their differences, paths relative to where the pair was met:
    /// schemas reached through many `$ref` paths are compared once.
    done: HashMap<(NodeId, NodeId, bool), Vec<Difference>>,
    /// Compiled `patternProperties` regexes (`None`: does not compile).
    regexes: HashMap<String, Option<Regex>>,
}

impl<'a> Walker<'a> {
    fn new(a: &'a Arena<'a>, b: &'a Arena<'a>, policy: Policy) -> Self {
        Walker {
            a,
            b,
            policy,
            path: Vec::new(),
            diffs: Vec::new(),
            steps: 0,
            depth: 0,
            flipped: false,
            in_progress: HashSet::new(),
            done: HashMap::new(),
            regexes: HashMap::new(),
        }
    }

    /// The current path, with `segment` appended when given.
    fn pointer(&self, segment: Option<&str>) -> String {
        let mut out = String::from("#/");
        out.push_str(&self.path.join("/"));
        if let Some(segment) = segment {
            if !self.path.is_empty() {
                out.push('/');
            }
            out.push_str(segment);
        }
        out
    }

    /// Records a difference at the current path (plus `segment`).
    fn add(&mut self, kind: ChangeType, segment: Option<&str>, message: String) {
        let path = self.pointer(segment);
        self.diffs.push(Difference {
            kind,
            path,
            message,
        });
    }

    /// Runs `f` with `segment` pushed onto the path.
    fn at<T>(
        &mut self,
        segment: &str,
        f: impl FnOnce(&mut Self) -> Result<T, DiffError>,
    ) -> Result<T, DiffError> {
        self.path.push(segment.to_owned());
        let out = f(self);
        self.path.pop();
        out
    }

    /// Runs `f` and takes back what it found, with whether all of it is compatible.
    fn trial(
        &mut self,
        f: impl FnOnce(&mut Self) -> Result<(), DiffError>,
    ) -> Result<(Vec<Difference>, bool), DiffError> {
        let mark = self.diffs.len();
        f(self)?;
        let found: Vec<Difference> = self.diffs.drain(mark..).collect();
        let compatible = self.all_compatible(&found);
        Ok((found, compatible))
    }

    /// Compares each (original, update) pair in a trial, keeps what each found, and says
    /// whether every pair was compatible: "is this member covered by those schemas?".
    fn covered(&mut self, pairs: &[(NodeId, NodeId)]) -> Result<bool, DiffError> {
        let mut covered = true;
        for &(x, y) in pairs {
            let (found, compatible) = self.trial(|w| w.compare(Some(x), Some(y)))?;
            covered &= compatible;
            self.diffs.extend(found);
        }
        Ok(covered)
    }

    fn all_compatible(&self, found: &[Difference]) -> bool {
        found.iter().all(|d| !d.kind.is_breaking(self.policy))
    }

    /// Compares two optional subschemas at the current path.
    fn compare(
        &mut self,
        original: Option<NodeId>,
        update: Option<NodeId>,
    ) -> Result<(), DiffError> {
        let (o, u) = match (original, update) {
            (None, None) => return Ok(()),
            (None, Some(_)) => {
                self.add(
                    ChangeType::SchemaAdded,
                    None,
                    format!("schema added at {}", self.pointer(None)),
                );
                return Ok(());
            }
            (Some(_), None) => {
                self.add(
                    ChangeType::SchemaRemoved,
                    None,
                    format!("schema removed at {}", self.pointer(None)),
                );
                return Ok(());
            }
            (Some(o), Some(u)) => (self.a.resolve(o)?, self.b.resolve(u)?),
        };
        self.steps += 1;
        if self.steps > WORK_BUDGET {
            return Err(DiffError::BudgetExceeded(WORK_BUDGET));
        }
        if self.depth >= MAX_DEPTH {
            return Err(DiffError::TooDeep(MAX_DEPTH));
        }
        let key = (o, u, self.flipped);
        let base = self.base();
        if let Some(found) = self.done.get(&key) {
            // Every path to a changed shared schema is reported; in a dense `$ref` graph the
            // number of paths grows exponentially, so each repeated difference costs a step.
            self.steps += found.len();
            if self.steps > WORK_BUDGET {
                return Err(DiffError::BudgetExceeded(WORK_BUDGET));
            }
            let rebased = found.iter().map(|d| Difference {
                path: join(&base, &d.path),
                ..d.clone()
            });
            self.diffs.extend(rebased.collect::<Vec<_>>());
            return Ok(());
        }
        if !self.in_progress.insert(key) {
            return Ok(());
        }
        let mark = self.diffs.len();
        self.depth += 1;
        let result = self.compare_nodes(o, u);
        self.depth -= 1;
        self.in_progress.remove(&key);
        result?;
        let relative = self.diffs[mark..]
            .iter()
            .map(|d| Difference {
                path: relative(&base, &d.path),
                ..d.clone()
            })
            .collect();
        self.done.insert(key, relative);
        Ok(())
    }

    /// The current path without the trailing slash of the root (`#` or `#/properties/a`).
    fn base(&self) -> String {
        let pointer = self.pointer(None);
        if self.path.is_empty() {
            "#".to_owned()
        } else {
            pointer
        }
    }

    fn compare_nodes(&mut self, o: NodeId, u: NodeId) -> Result<(), DiffError> {
        let (a, b) = (self.a, self.b);
        let (on, un) = (a.node(o), b.node(u));
        // A `const` is a one-value `enum`: comparing them as such keeps `const "B"` → `enum
        // ["B", "S"]` compatible instead of a type change.
        let value_lists = matches!(
            (&on.kind, &un.kind),
            (
                Kind::Const(_) | Kind::Enum(_),
                Kind::Const(_) | Kind::Enum(_)
            )
        );
        let same_family =
            value_lists || std::mem::discriminant(&on.kind) == std::mem::discriminant(&un.kind);
        if !same_family && (matches!(on.kind, Kind::False) || matches!(un.kind, Kind::Empty)) {
            // Nothing was accepted before, or everything is accepted now.
            return Ok(());
        }
        match (&on.kind, &un.kind) {
            (Kind::Combined(_), Kind::Combined(_)) => {}
            (_, Kind::Combined(c)) => return self.single_to_combined(o, c),
            (Kind::Combined(c), _) => return self.combined_to_single(c, u),
            _ if !same_family => {
                let message = scalar::type_change_message(a, o, b, u);
                self.add(ChangeType::TypeChanged, None, message);
                return Ok(());
            }
            _ => {}
        }
        self.compare_meta(&on.meta, &un.meta);
        self.compare_unmodeled(o, u);
        match (&on.kind, &un.kind) {
            (Kind::String(x), Kind::String(y)) => self.compare_string(x, y),
            (Kind::Number(x), Kind::Number(y)) => self.compare_number(x, y),
            (Kind::Enum(x), Kind::Enum(y)) => self.compare_enum(x, y),
            (Kind::Const(x), Kind::Const(y)) => self.compare_const(x, y),
            (Kind::Const(x), Kind::Enum(y)) => self.compare_enum(std::slice::from_ref(x), y),
            (Kind::Enum(x), Kind::Const(y)) => self.compare_enum(x, std::slice::from_ref(y)),
            (Kind::Not(x), Kind::Not(y)) => self.compare_not(*x, *y)?,
            (Kind::Object(x), Kind::Object(y)) => self.compare_object(x, y)?,
            (Kind::Array(x), Kind::Array(y)) => self.compare_array(x, y)?,
            (Kind::Combined(x), Kind::Combined(y)) => self.compare_combined(x, y)?,
            _ => {}
        }
        Ok(())
    }

    fn compare_meta(&mut self, o: &Meta, u: &Meta) {
        let fields = [
            (&o.id, &u.id, ChangeType::IdChanged, "$id"),
            (&o.title, &u.title, ChangeType::TitleChanged, "title"),
            (
                &o.description,
                &u.description,
                ChangeType::DescriptionChanged,
                "description",
            ),
            (
                &o.default,
                &u.default,
                ChangeType::DefaultChanged,
                "default",
            ),
        ];
        for (before, after, kind, keyword) in fields {
            if before != after {
                self.add(
                    kind,
                    None,
                    format!(
                        "{keyword} changed from {} to {}",
                        show(before.as_ref()),
                        show(after.as_ref())
                    ),
                );
            }
        }
    }

    fn compare_unmodeled(&mut self, o: NodeId, u: NodeId) {
        let (before, after) = (&self.a.node(o).unmodeled, &self.b.node(u).unmodeled);
        let keys: std::collections::BTreeSet<&String> = before.keys().chain(after.keys()).collect();
        let mut found = Vec::new();
        for key in keys {
            let (x, y) = (before.get(key), after.get(key));
            if x != y {
                found.push((key.clone(), format!(
                    "'{key}' changed from {} to {}; the engine does not model '{key}', so any change counts as breaking",
                    show(x),
                    show(y)
                )));
            }
        }
        for (key, message) in found {
            self.add(ChangeType::UnmodeledKeywordChanged, Some(&key), message);
        }
    }
}

/// `path` below `base`, as a suffix that [`join`] can put under another base.
fn relative(base: &str, path: &str) -> String {
    let rest = path.strip_prefix(base).unwrap_or(path);
    if rest == "/" {
        String::new()
    } else {
        rest.to_owned()
    }
}

fn join(base: &str, relative: &str) -> String {
    let path = format!("{base}{relative}");
    if path == "#" {
        "#/".to_owned()
    } else {
        path
    }
}

/// A short rendering of an optional JSON value for messages.
fn show(value: Option<&Value>) -> String {
    match value {
        None => "(none)".to_owned(),
        Some(v) => {
            let text = v.to_string();
            if text.len() > 60 {
                format!("{}…", text.chars().take(57).collect::<String>())
            } else {
                text
            }
        }
    }
}
