//! Objects: properties judged against open / partially open / closed content models,
//! `required`, `additionalProperties`, `patternProperties`, `dependencies`, property counts.

use std::collections::BTreeSet;

use fancy_regex::Regex;

use super::bounds;
use super::Walker;
use crate::change::ChangeType as T;
use crate::error::DiffError;
use crate::schema::{Additional, Arena, Dependency, Kind, NodeId, ObjectKind};

/// What an object schema says about a property it does not declare.
enum Cover {
    /// Anything goes (no pattern matched, extra properties allowed without a schema).
    Open,
    /// The value must satisfy these schemas (matching patterns, or `additionalProperties`).
    Schemas(Vec<NodeId>),
    /// Not allowed at all.
    Closed,
}

/// Open content model: extra properties allowed, unconstrained.
fn is_open(o: &ObjectKind) -> bool {
    o.additional == Additional::Allowed && o.pattern_properties.is_empty()
}

fn has_default(arena: &Arena, id: NodeId) -> bool {
    arena
        .resolve(id)
        .is_ok_and(|r| arena.node(r).meta.default.is_some())
}

fn is_empty(arena: &Arena, id: NodeId) -> bool {
    arena
        .resolve(id)
        .is_ok_and(|r| matches!(arena.node(r).kind, Kind::Empty))
}

fn is_false(arena: &Arena, id: NodeId) -> bool {
    arena
        .resolve(id)
        .is_ok_and(|r| matches!(arena.node(r).kind, Kind::False))
}

impl Walker<'_> {
    fn matches(&mut self, pattern: &str, key: &str) -> bool {
        let regex = self
            .regexes
            .entry(pattern.to_owned())
            .or_insert_with(|| Regex::new(pattern).ok());
        // A pattern the regex engine cannot compile (or gives up on) is assumed to match: the
        // key is then judged against that pattern's schema, which errs towards reporting.
        regex
            .as_ref()
            .is_none_or(|re| re.is_match(key).unwrap_or(true))
    }

    fn cover(&mut self, o: &ObjectKind, key: &str) -> Cover {
        let schemas: Vec<NodeId> = o
            .pattern_properties
            .iter()
            .filter(|(p, _)| self.matches(p, key))
            .map(|(_, id)| *id)
            .collect();
        if !schemas.is_empty() {
            return Cover::Schemas(schemas);
        }
        match o.additional {
            Additional::Allowed => Cover::Open,
            Additional::Schema(id) => Cover::Schemas(vec![id]),
            Additional::Forbidden => Cover::Closed,
        }
    }

    pub(super) fn compare_object(
        &mut self,
        o: &ObjectKind,
        u: &ObjectKind,
    ) -> Result<(), DiffError> {
        self.compare_requires(o.requires, u.requires, "object");
        self.compare_bound(&bounds::MAX_PROPERTIES, o.max_properties, u.max_properties);
        self.compare_bound(&bounds::MIN_PROPERTIES, o.min_properties, u.min_properties);
        self.compare_required(o, u);
        self.compare_additional_properties(o.additional, u.additional)?;
        let keys: BTreeSet<&String> = o.properties.keys().chain(u.properties.keys()).collect();
        for key in keys {
            let segment = format!("properties/{}", crate::schema::escape(key));
            self.at(&segment, |w| {
                match (o.properties.get(key), u.properties.get(key)) {
                    (Some(&x), None) => w.property_removed(key, x, u),
                    (None, Some(&y)) => w.property_added(key, o, y, u),
                    (x, y) => w.compare(x.copied(), y.copied()),
                }
            })?;
        }
        self.compare_pattern_properties(o, u)?;
        self.compare_dependencies(o, u)
    }

    fn compare_required(&mut self, o: &ObjectKind, u: &ObjectKind) {
        for key in o.required.iter().filter(|k| !u.required.contains(k)) {
            let segment = format!("required/{}", crate::schema::escape(key));
            self.add(
                T::RequiredAttributeRemoved,
                Some(&segment),
                format!("property '{key}' is no longer required"),
            );
        }
        for key in u.required.iter().filter(|k| !o.required.contains(k)) {
            // A property declared only by the update is judged where it is added.
            if u.properties.contains_key(key) && !o.properties.contains_key(key) {
                continue;
            }
            let segment = format!("required/{}", crate::schema::escape(key));
            if u.properties
                .get(key)
                .is_some_and(|&id| has_default(self.b, id))
            {
                self.add(
                    T::RequiredAttributeWithDefaultAdded,
                    Some(&segment),
                    format!("property '{key}' is now required (it has a default)"),
                );
            } else {
                self.add(
                    T::RequiredAttributeAdded,
                    Some(&segment),
                    format!("property '{key}' is now required"),
                );
            }
        }
    }

    fn compare_additional_properties(
        &mut self,
        o: Additional,
        u: Additional,
    ) -> Result<(), DiffError> {
        let (kind, message) = match (o, u) {
            (Additional::Forbidden, Additional::Forbidden)
            | (Additional::Allowed, Additional::Allowed) => return Ok(()),
            (_, Additional::Forbidden) => (
                T::AdditionalPropertiesRemoved,
                "additional properties are no longer allowed",
            ),
            (Additional::Forbidden, _) => (
                T::AdditionalPropertiesAdded,
                "additional properties are now allowed",
            ),
            (Additional::Allowed, Additional::Schema(_)) => (
                T::AdditionalPropertiesNarrowed,
                "additional properties must now match a schema",
            ),
            (Additional::Schema(_), Additional::Allowed) => (
                T::AdditionalPropertiesExtended,
                "additional properties are no longer constrained",
            ),
            (Additional::Schema(x), Additional::Schema(y)) => {
                return self.at("additionalProperties", |w| w.compare(Some(x), Some(y)));
            }
        };
        self.add(kind, Some("additionalProperties"), message.to_owned());
        Ok(())
    }

    /// `key` is declared by the original only: judged on the update's content model.
    fn property_removed(&mut self, key: &str, x: NodeId, u: &ObjectKind) -> Result<(), DiffError> {
        if is_open(u) {
            self.add(
                T::PropertyRemovedFromOpenContentModel,
                None,
                format!("property '{key}' removed; any value is still accepted"),
            );
            return Ok(());
        }
        match self.cover(u, key) {
            Cover::Open => self.add(
                T::PropertyRemovedIsCoveredByPartiallyOpenContentModel,
                None,
                format!("property '{key}' removed; any value is still accepted"),
            ),
            Cover::Schemas(schemas) => {
                let pairs: Vec<_> = schemas.into_iter().map(|s| (x, s)).collect();
                if self.covered(&pairs)? {
                    self.add(T::PropertyRemovedIsCoveredByPartiallyOpenContentModel, None, format!("property '{key}' removed; its values still match the remaining property schemas"));
                } else {
                    self.add(T::PropertyRemovedNotCoveredByPartiallyOpenContentModel, None, format!("property '{key}' removed and its old values no longer match the schema for extra properties"));
                }
            }
            Cover::Closed if is_false(self.a, x) => {
                self.add(
                    T::PropertyWithFalseRemovedFromClosedContentModel,
                    None,
                    format!("property '{key}' (never allowed) removed"),
                );
            }
            Cover::Closed => self.add(
                T::PropertyRemovedFromClosedContentModel,
                None,
                format!("property '{key}' removed while additionalProperties is false"),
            ),
        }
        Ok(())
    }

    /// `key` is declared by the update only: judged on the original's content model.
    fn property_added(
        &mut self,
        key: &str,
        o: &ObjectKind,
        y: NodeId,
        u: &ObjectKind,
    ) -> Result<(), DiffError> {
        let required = u.required.iter().any(|k| k == key);
        let default = has_default(self.b, y);
        if is_open(o) {
            let (kind, message) = if required && default {
                (
                    T::RequiredPropertyWithDefaultAddedToOpenContentModel,
                    format!("required property '{key}' (with a default) added"),
                )
            } else if required {
                (
                    T::RequiredPropertyAddedToOpenContentModel,
                    format!("required property '{key}' added"),
                )
            } else if is_empty(self.b, y) {
                (
                    T::PropertyWithEmptySchemaAddedToOpenContentModel,
                    format!("property '{key}' added, accepting any value"),
                )
            } else {
                (T::OptionalPropertyAddedToOpenContentModel, format!("optional property '{key}' added; old data may hold other values under that name"))
            };
            self.add(kind, None, message);
            return Ok(());
        }
        match self.cover(o, key) {
            Cover::Closed => {}
            Cover::Open => {
                if !is_empty(self.b, y) {
                    self.add(
                        T::PropertyAddedNotCoveredByPartiallyOpenContentModel,
                        None,
                        format!(
                            "property '{key}' added; old data may hold any value under that name"
                        ),
                    );
                }
            }
            Cover::Schemas(schemas) => {
                let pairs: Vec<_> = schemas.into_iter().map(|s| (s, y)).collect();
                if self.covered(&pairs)? {
                    self.add(T::PropertyAddedIsCoveredByPartiallyOpenContentModel, None, format!("property '{key}' added; it accepts every value the old schema allowed under that name"));
                } else {
                    self.add(T::PropertyAddedNotCoveredByPartiallyOpenContentModel, None, format!("property '{key}' added but rejects values the old schema allowed under that name"));
                }
            }
        }
        let (kind, message) = if required && default {
            (
                T::RequiredPropertyWithDefaultAddedToUnopenContentModel,
                format!("required property '{key}' (with a default) added"),
            )
        } else if required {
            (
                T::RequiredPropertyAddedToUnopenContentModel,
                format!("required property '{key}' added"),
            )
        } else {
            (
                T::OptionalPropertyAddedToUnopenContentModel,
                format!("optional property '{key}' added"),
            )
        };
        self.add(kind, None, message);
        Ok(())
    }

    /// Patterns constrain every matching key, declared or not. Judged against what the other
    /// side allowed for keys it did not declare.
    fn compare_pattern_properties(
        &mut self,
        o: &ObjectKind,
        u: &ObjectKind,
    ) -> Result<(), DiffError> {
        for (pattern, x) in &o.pattern_properties {
            let segment = format!("patternProperties/{}", crate::schema::escape(pattern));
            match u.pattern_properties.iter().find(|(p, _)| p == pattern) {
                Some((_, y)) => self.at(&segment, |w| w.compare(Some(*x), Some(*y)))?,
                None => match u.additional {
                    Additional::Allowed => {}
                    Additional::Schema(y) => self.at(&segment, |w| w.compare(Some(*x), Some(y)))?,
                    Additional::Forbidden => self.add(T::PropertyRemovedFromClosedContentModel, Some(&segment), format!("pattern property '{pattern}' removed while additionalProperties is false")),
                },
            }
        }
        for (pattern, y) in &u.pattern_properties {
            if o.pattern_properties.iter().any(|(p, _)| p == pattern) {
                continue;
            }
            let segment = format!("patternProperties/{}", crate::schema::escape(pattern));
            match o.additional {
                Additional::Schema(x) => self.at(&segment, |w| w.compare(Some(x), Some(*y)))?,
                Additional::Allowed if !is_empty(self.b, *y) => self.add(
                    T::AdditionalPropertiesNarrowed,
                    Some(&segment),
                    format!(
                        "pattern property '{pattern}' added; keys matching it were unconstrained"
                    ),
                ),
                Additional::Allowed | Additional::Forbidden => {}
            }
            // Properties both sides declare must now also satisfy the new pattern's schema.
            for (key, &x) in &o.properties {
                if u.properties.contains_key(key) && self.matches(pattern, key) {
                    let at = format!("properties/{}", crate::schema::escape(key));
                    self.at(&at, |w| w.compare(Some(x), Some(*y)))?;
                }
            }
        }
        Ok(())
    }

    fn compare_dependencies(&mut self, o: &ObjectKind, u: &ObjectKind) -> Result<(), DiffError> {
        let keys: BTreeSet<&String> = o.dependencies.keys().chain(u.dependencies.keys()).collect();
        for key in keys {
            let segment = format!("dependencies/{}", crate::schema::escape(key));
            match (o.dependencies.get(key), u.dependencies.get(key)) {
                (Some(Dependency::Schema(x)), Some(Dependency::Schema(y))) => {
                    self.at(&segment, |w| w.compare(Some(*x), Some(*y)))?;
                }
                (Some(Dependency::Array(x)), Some(Dependency::Array(y))) => {
                    let grew = y.iter().any(|k| !x.contains(k));
                    let shrank = x.iter().any(|k| !y.contains(k));
                    let kind = match (grew, shrank) {
                        (false, false) => continue,
                        (true, false) => T::DependencyArrayExtended,
                        (false, true) => T::DependencyArrayNarrowed,
                        (true, true) => T::DependencyArrayChanged,
                    };
                    self.add(
                        kind,
                        Some(&segment),
                        format!("properties required with '{key}' changed from {x:?} to {y:?}"),
                    );
                }
                (before, after) => {
                    match before {
                        Some(Dependency::Array(_)) => self.add(
                            T::DependencyArrayRemoved,
                            Some(&segment),
                            format!("dependency of '{key}' removed"),
                        ),
                        Some(Dependency::Schema(_)) => self.add(
                            T::DependencySchemaRemoved,
                            Some(&segment),
                            format!("dependency schema of '{key}' removed"),
                        ),
                        None => {}
                    }
                    match after {
                        Some(Dependency::Array(_)) => self.add(
                            T::DependencyArrayAdded,
                            Some(&segment),
                            format!("dependency of '{key}' added"),
                        ),
                        Some(Dependency::Schema(_)) => self.add(
                            T::DependencySchemaAdded,
                            Some(&segment),
                            format!("dependency schema of '{key}' added"),
                        ),
                        None => {}
                    }
                }
            }
        }
        Ok(())
    }
}
