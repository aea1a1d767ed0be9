//! Diffs two field lists: matching by name, rename and reorder detection, nested recursion.

use std::collections::{HashMap, HashSet};

use super::promotion::{compare, same_type, Direction};
use super::types::{DataType, Field};
use crate::change::{ChangeType, Difference};

/// Appends to `out` the differences reading data written with `old` fields using `new` ones.
///
/// `list_pointer` locates the new field list (the path of a reorder report); `parent` is the
/// dotted name of the enclosing field ("" at the top). Positions only mean something when
/// both lists are `ordered` (explicit blocks), so renames and reorders are detected only then.
pub fn diff_fields(
    old: &[Field],
    new: &[Field],
    list_pointer: &str,
    parent: &str,
    ordered: bool,
    out: &mut Vec<Difference>,
) {
    let old_at: HashMap<&str, usize> = old
        .iter()
        .enumerate()
        .map(|(i, f)| (f.name.as_str(), i))
        .collect();
    let new_at: HashMap<&str, usize> = new
        .iter()
        .enumerate()
        .map(|(i, f)| (f.name.as_str(), i))
        .collect();
    let renamed = if ordered {
        renames(old, new, &old_at, &new_at)
    } else {
        HashMap::new()
    };
    let mut differ = Differ { out };

    for new_field in new {
        let label = qualified(parent, &new_field.name);
        if let Some(&i) = old_at.get(new_field.name.as_str()) {
            differ.compare_fields(&old[i], new_field, &label);
        } else if let Some(&i) = renamed.get(new_field.name.as_str()) {
            let message = format!(
                "Field '{}' renamed to '{label}'",
                qualified(parent, &old[i].name)
            );
            differ.push(ChangeType::ArrowFieldRenamed, &new_field.pointer, message);
            differ.compare_metadata(&old[i], new_field, &label);
        } else if new_field.nullable {
            let message = format!("Field '{label}' added as nullable {}", new_field.data_type);
            differ.push(
                ChangeType::ArrowFieldAddedNullable,
                &new_field.pointer,
                message,
            );
        } else {
            let message = format!(
                "Field '{label}' added as non-nullable {}",
                new_field.data_type
            );
            differ.push(
                ChangeType::ArrowFieldAddedNonNullable,
                &new_field.pointer,
                message,
            );
        }
    }
    let renamed_old: HashSet<usize> = renamed.values().copied().collect();
    for (i, old_field) in old.iter().enumerate() {
        if !new_at.contains_key(old_field.name.as_str()) && !renamed_old.contains(&i) {
            let message = format!("Field '{}' removed", qualified(parent, &old_field.name));
            differ.push(ChangeType::ArrowFieldRemoved, &old_field.pointer, message);
        }
    }
    if ordered {
        differ.reorder(old, new, &new_at, &renamed, list_pointer, parent);
    }
}

/// Renames: a field that disappears while a new one of the same type and nullability
/// appears at its position. Keyed by the new name, valued by the old index.
fn renames<'a>(
    old: &[Field],
    new: &'a [Field],
    old_at: &HashMap<&str, usize>,
    new_at: &HashMap<&str, usize>,
) -> HashMap<&'a str, usize> {
    let mut found = HashMap::new();
    for (i, gone) in old.iter().enumerate() {
        if new_at.contains_key(gone.name.as_str()) {
            continue;
        }
        if let Some(came) = new.get(i) {
            let fresh = !old_at.contains_key(came.name.as_str());
            if fresh
                && came.nullable == gone.nullable
                && same_type(&gone.data_type, &came.data_type)
            {
                found.insert(came.name.as_str(), i);
            }
        }
    }
    found
}

/// The dotted name of a nested field (`quote.bid`, `legs.item.price`).
pub fn qualified(parent: &str, name: &str) -> String {
    if parent.is_empty() {
        name.to_string()
    } else {
        format!("{parent}.{name}")
    }
}

struct Differ<'o> {
    out: &'o mut Vec<Difference>,
}

impl Differ<'_> {
    fn push(&mut self, kind: ChangeType, path: &str, message: String) {
        self.out.push(Difference {
            kind,
            path: path.to_string(),
            message,
        });
    }

    /// Type, then nullability, then metadata of one field present on both sides.
    fn compare_fields(&mut self, old: &Field, new: &Field, label: &str) {
        self.compare_types(old, new, label);
        match (old.nullable, new.nullable) {
            (true, false) => {
                let message = format!("Field '{label}' changed from nullable to non-nullable");
                self.push(
                    ChangeType::ArrowNullableToNonNullable,
                    &new.pointer,
                    message,
                );
            }
            (false, true) => {
                let message = format!("Field '{label}' changed from non-nullable to nullable");
                self.push(
                    ChangeType::ArrowNonNullableToNullable,
                    &new.pointer,
                    message,
                );
            }
            _ => {}
        }
        self.compare_metadata(old, new, label);
    }

    fn compare_metadata(&mut self, old: &Field, new: &Field, label: &str) {
        if old.metadata != new.metadata {
            let message = format!("Field '{label}' metadata changed");
            self.push(ChangeType::ArrowMetadataChanged, &new.pointer, message);
        }
    }

    fn compare_types(&mut self, old: &Field, new: &Field, label: &str) {
        let (from, to) = (&old.data_type, &new.data_type);
        match (from, to) {
            (DataType::Struct(a), DataType::Struct(b)) => {
                let list_pointer = format!("{}/fields", new.type_pointer);
                diff_fields(
                    a,
                    b,
                    &list_pointer,
                    label,
                    old.ordered && new.ordered,
                    self.out,
                );
            }
            (
                DataType::List(a) | DataType::LargeList(a),
                DataType::List(b) | DataType::LargeList(b),
            ) => {
                // The container (offset width) first, then the items as a field of their own;
                // item names are Arrow's convention ("item"/"element"), not data, so ignored.
                if std::mem::discriminant(from) != std::mem::discriminant(to) {
                    let direction = if matches!(to, DataType::LargeList(_)) {
                        Direction::Widened
                    } else {
                        Direction::Narrowed
                    };
                    self.type_moved(direction, &new.pointer, label, from, to);
                }
                self.compare_fields(a, b, &qualified(label, &b.name));
            }
            _ => self.type_moved(compare(from, to), &new.pointer, label, from, to),
        }
    }

    fn type_moved(
        &mut self,
        direction: Direction,
        path: &str,
        label: &str,
        from: &DataType,
        to: &DataType,
    ) {
        let (kind, verb) = match direction {
            Direction::Same => return,
            Direction::Widened => (ChangeType::ArrowTypeWidened, "widened from"),
            Direction::Narrowed => (ChangeType::ArrowTypeNarrowed, "narrowed from"),
            Direction::Changed => (ChangeType::ArrowTypeChanged, "type changed from"),
        };
        self.push(kind, path, format!("Field '{label}' {verb} {from} to {to}"));
    }

    /// One report when the relative order of the fields present on both sides changed,
    /// naming the first pair found out of order.
    fn reorder(
        &mut self,
        old: &[Field],
        new: &[Field],
        new_at: &HashMap<&str, usize>,
        renamed: &HashMap<&str, usize>,
        list_pointer: &str,
        parent: &str,
    ) {
        let old_to_new: HashMap<usize, usize> = renamed
            .iter()
            .filter_map(|(name, &i)| Some((i, *new_at.get(name)?)))
            .collect();
        let mut previous: Option<usize> = None;
        for (i, field) in old.iter().enumerate() {
            let Some(&j) = new_at
                .get(field.name.as_str())
                .or_else(|| old_to_new.get(&i))
            else {
                continue;
            };
            if let Some(p) = previous {
                if j < p {
                    let (moved, passed) = (
                        qualified(parent, &new[j].name),
                        qualified(parent, &new[p].name),
                    );
                    let message =
                        format!("Fields reordered: '{moved}' now comes before '{passed}'");
                    self.push(ChangeType::ArrowFieldReordered, list_pointer, message);
                    return;
                }
            }
            previous = Some(j);
        }
    }
}
