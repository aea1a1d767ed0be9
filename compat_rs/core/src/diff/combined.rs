//! `allOf` / `anyOf` / `oneOf`: criteria changes, branch counts, and a maximum matching of
//! compatible branch pairs (order does not matter).

use super::Walker;
use crate::change::{ChangeType, Difference};
use crate::error::DiffError;
use crate::schema::{Arena, Combined, Criterion, NodeId};

/// One side of a combined comparison.
struct Side<'c> {
    criterion: Criterion,
    synthetic: bool,
    members: &'c [NodeId],
}

impl Walker<'_> {
    /// The original is a single schema and the update combines several.
    pub(super) fn single_to_combined(&mut self, o: NodeId, u: &Combined) -> Result<(), DiffError> {
        if u.criterion == Criterion::AllOf {
            // Data the original accepted must satisfy every conjunct.
            for &member in &u.subschemas {
                self.compare(Some(o), Some(member))?;
            }
            return Ok(());
        }
        for &member in &u.subschemas {
            let (found, compatible) = self.trial(|w| w.compare(Some(o), Some(member)))?;
            if compatible {
                self.diffs.extend(found);
                let n = u.subschemas.len();
                self.add(
                    ChangeType::SumTypeExtended,
                    None,
                    format!("schema became one of {n} alternatives"),
                );
                if u.criterion == Criterion::OneOf {
                    let all: Vec<usize> = (0..n).collect();
                    self.check_one_of_overlap(&u.subschemas, &all);
                }
                return Ok(());
            }
        }
        self.add(
            ChangeType::TypeChanged,
            None,
            format!(
                "none of the new {} alternatives accepts what the old schema accepted",
                u.criterion.keyword()
            ),
        );
        Ok(())
    }

    /// The original combines several schemas and the update is a single one: read the update
    /// as a one-member combination of the same kind.
    pub(super) fn combined_to_single(&mut self, o: &Combined, u: NodeId) -> Result<(), DiffError> {
        let members = distinct(self.a, o);
        let original = Side {
            criterion: o.criterion,
            synthetic: o.synthetic,
            members: &members,
        };
        let update = Side {
            criterion: o.criterion,
            synthetic: true,
            members: &[u],
        };
        self.match_members(&original, &update)
    }

    pub(super) fn compare_combined(&mut self, o: &Combined, u: &Combined) -> Result<(), DiffError> {
        let (os, us) = (distinct(self.a, o), distinct(self.b, u));
        if o.criterion != u.criterion {
            let extended = u.criterion == Criterion::AnyOf
                || (o.criterion == Criterion::AllOf && u.criterion == Criterion::OneOf)
                || (os.len() == 1 && (u.criterion == Criterion::OneOf || us.len() == 1));
            let message = format!(
                "{} changed to {}",
                o.criterion.keyword(),
                u.criterion.keyword()
            );
            if !extended {
                self.add(ChangeType::CombinedTypeChanged, None, message);
                return Ok(());
            }
            self.add(ChangeType::CombinedTypeExtended, None, message);
        }
        let original = Side {
            criterion: o.criterion,
            synthetic: o.synthetic,
            members: &os,
        };
        let update = Side {
            criterion: u.criterion,
            synthetic: u.synthetic,
            members: &us,
        };
        self.match_members(&original, &update)
    }

    fn match_members(&mut self, o: &Side<'_>, u: &Side<'_>) -> Result<(), DiffError> {
        let (n, m) = (o.members.len(), u.members.len());
        if n < m {
            let kind = if u.criterion == Criterion::AllOf {
                ChangeType::ProductTypeExtended
            } else {
                ChangeType::SumTypeExtended
            };
            self.add(
                kind,
                None,
                format!("{} grew from {n} to {m} subschemas", u.criterion.keyword()),
            );
        } else if n > m {
            let kind = if o.criterion == Criterion::AllOf {
                ChangeType::ProductTypeNarrowed
            } else {
                ChangeType::SumTypeNarrowed
            };
            self.add(
                kind,
                None,
                format!(
                    "{} shrank from {n} to {m} subschemas",
                    o.criterion.keyword()
                ),
            );
        }
        // edges[i] = (j, differences) for every compatible pairing of original i with update j.
        let mut edges: Vec<Vec<(usize, Vec<Difference>)>> = Vec::with_capacity(n);
        for (i, &x) in o.members.iter().enumerate() {
            let mut row = Vec::new();
            for (j, &y) in u.members.iter().enumerate() {
                let (found, compatible) = if o.synthetic {
                    self.trial(|w| w.compare(Some(x), Some(y)))?
                } else {
                    let segment = format!("{}/{i}", o.criterion.keyword());
                    self.at(&segment, |w| w.trial(|w| w.compare(Some(x), Some(y))))?
                };
                if compatible {
                    row.push((j, found));
                }
            }
            edges.push(row);
        }
        let owner = maximum_matching(&edges, m);
        let matched = owner.iter().filter(|x| x.is_some()).count();
        if matched < n.min(m) {
            self.add(
                ChangeType::CombinedTypeSubschemasChanged,
                None,
                format!(
                    "only {matched} of {} subschemas still have a compatible counterpart",
                    n.min(m)
                ),
            );
            return Ok(());
        }
        for (j, i) in owner.iter().enumerate() {
            if let Some(i) = *i {
                let found = edges[i]
                    .iter()
                    .find(|(k, _)| *k == j)
                    .map(|(_, f)| f.clone())
                    .unwrap_or_default();
                self.diffs.extend(found);
            }
        }
        if u.criterion == Criterion::OneOf && n > 0 {
            // Branches the original did not have may overlap the others; with a criterion
            // change every branch is new to the `oneOf` rule.
            let fresh: Vec<usize> = if o.criterion == Criterion::OneOf {
                (0..m).filter(|j| owner[*j].is_none()).collect()
            } else {
                (0..m).collect()
            };
            self.check_one_of_overlap(u.members, &fresh);
        }
        Ok(())
    }

    /// `oneOf` rejects a value that matches two branches: a new branch that may accept the
    /// same values as another one can reject data that used to be valid.
    fn check_one_of_overlap(&mut self, members: &[NodeId], fresh: &[usize]) {
        let masks: Vec<_> = members.iter().map(|&m| self.b.type_mask(m)).collect();
        for &j in fresh {
            for (k, mask) in masks.iter().enumerate() {
                if k != j && (k > j || !fresh.contains(&k)) && masks[j].overlaps(*mask) {
                    self.add(
                        ChangeType::CombinedTypeSubschemasChanged,
                        None,
                        format!(
                            "oneOf branches {} and {} can match the same value; such values would now be rejected",
                            j.min(k),
                            j.max(k)
                        ),
                    );
                    return;
                }
            }
        }
    }
}

/// Members with structurally equal duplicates collapsed (the first one is kept).
fn distinct(arena: &Arena, combined: &Combined) -> Vec<NodeId> {
    if combined.synthetic {
        return combined.subschemas.clone();
    }
    let mut out: Vec<NodeId> = Vec::with_capacity(combined.subschemas.len());
    for &id in &combined.subschemas {
        let source = arena.source(id);
        if source.is_none() || !out.iter().any(|&k| arena.source(k) == source) {
            out.push(id);
        }
    }
    out
}

/// Maximum bipartite matching (Kuhn's augmenting paths); returns, per update member, the
/// original member paired with it.
fn maximum_matching(edges: &[Vec<(usize, Vec<Difference>)>], m: usize) -> Vec<Option<usize>> {
    fn augment(
        i: usize,
        edges: &[Vec<(usize, Vec<Difference>)>],
        seen: &mut [bool],
        owner: &mut [Option<usize>],
    ) -> bool {
        for (j, _) in &edges[i] {
            if seen[*j] {
                continue;
            }
            seen[*j] = true;
            if owner[*j].is_none_or(|k| augment(k, edges, seen, owner)) {
                owner[*j] = Some(i);
                return true;
            }
        }
        false
    }
    let mut owner = vec![None; m];
    for i in 0..edges.len() {
        let mut seen = vec![false; m];
        augment(i, edges, &mut seen, &mut owner);
    }
    owner
}
