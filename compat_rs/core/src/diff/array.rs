//! Arrays: `items` (one schema or a tuple judged on its content model), `additionalItems`,
//! item counts and `uniqueItems`.

use super::bounds;
use super::Walker;
use crate::change::ChangeType as T;
use crate::error::DiffError;
use crate::schema::{Additional, ArrayKind, Items, Kind, NodeId};

impl Walker<'_> {
    pub(super) fn compare_array(&mut self, o: &ArrayKind, u: &ArrayKind) -> Result<(), DiffError> {
        self.compare_requires(o.requires, u.requires, "array");
        self.compare_bound(&bounds::MAX_ITEMS, o.max_items, u.max_items);
        self.compare_bound(&bounds::MIN_ITEMS, o.min_items, u.min_items);
        match (o.unique, u.unique) {
            (false, true) => self.add(
                T::UniqueItemsAdded,
                Some("uniqueItems"),
                "items must now be unique".to_owned(),
            ),
            (true, false) => self.add(
                T::UniqueItemsRemoved,
                Some("uniqueItems"),
                "items no longer need to be unique".to_owned(),
            ),
            _ => {}
        }
        let single = |items: &Items| {
            if let Items::All(id) = items {
                Some(*id)
            } else {
                None
            }
        };
        let (all_o, all_u) = (single(&o.items), single(&u.items));
        if all_o.is_some() || all_u.is_some() {
            self.at("items", |w| w.compare(all_o, all_u))?;
        }
        let tuple = |items: &Items| {
            if let Items::Tuple(list) = items {
                list.clone()
            } else {
                Vec::new()
            }
        };
        let (to, tu) = (tuple(&o.items), tuple(&u.items));
        for (i, (x, y)) in to.iter().zip(&tu).enumerate() {
            self.at(&format!("items/{i}"), |w| w.compare(Some(*x), Some(*y)))?;
        }
        for (i, y) in tu.iter().enumerate().skip(to.len()) {
            self.at(&format!("items/{i}"), |w| w.item_added(i, o, *y))?;
        }
        for (i, x) in to.iter().enumerate().skip(tu.len()) {
            self.at(&format!("items/{i}"), |w| w.item_removed(i, *x, u))?;
        }
        self.compare_additional_items(o.additional, u.additional)
    }

    /// Position `i` gained a schema: what did the original accept there?
    fn item_added(&mut self, i: usize, o: &ArrayKind, y: NodeId) -> Result<(), DiffError> {
        let cover = match (&o.items, o.additional) {
            // A single `items` schema constrained every position.
            (Items::All(x), _) => Some(*x),
            (_, Additional::Schema(x)) => Some(x),
            (_, Additional::Allowed) => {
                let empty = self
                    .b
                    .resolve(y)
                    .is_ok_and(|r| matches!(self.b.node(r).kind, Kind::Empty));
                let (kind, message) = if empty {
                    (
                        T::ItemWithEmptySchemaAddedToOpenContentModel,
                        format!("item {i} added, accepting any value"),
                    )
                } else {
                    (
                        T::ItemAddedToOpenContentModel,
                        format!("item {i} added; old data may hold any value there"),
                    )
                };
                self.add(kind, None, message);
                return Ok(());
            }
            (_, Additional::Forbidden) => None,
        };
        let Some(x) = cover else {
            self.add(
                T::ItemAddedToClosedContentModel,
                None,
                format!("item {i} added where no item was allowed"),
            );
            return Ok(());
        };
        if self.covered(&[(x, y)])? {
            self.add(
                T::ItemAddedIsCoveredByPartiallyOpenContentModel,
                None,
                format!("item {i} added; it accepts every value allowed there before"),
            );
        } else {
            self.add(
                T::ItemAddedNotCoveredByPartiallyOpenContentModel,
                None,
                format!("item {i} added but rejects values allowed there before"),
            );
        }
        Ok(())
    }

    /// Position `i` lost its schema: what does the update accept there now?
    fn item_removed(&mut self, i: usize, x: NodeId, u: &ArrayKind) -> Result<(), DiffError> {
        let cover = match (&u.items, u.additional) {
            (Items::All(y), _) => Some(*y),
            (_, Additional::Schema(y)) => Some(y),
            (_, Additional::Allowed) => {
                self.add(
                    T::ItemRemovedFromOpenContentModel,
                    None,
                    format!("item {i} removed; any value is accepted there"),
                );
                return Ok(());
            }
            (_, Additional::Forbidden) => None,
        };
        let Some(y) = cover else {
            let never = self
                .a
                .resolve(x)
                .is_ok_and(|r| matches!(self.a.node(r).kind, Kind::False));
            if never {
                self.add(
                    T::ItemWithFalseRemovedFromClosedContentModel,
                    None,
                    format!("item {i} (never allowed) removed"),
                );
            } else {
                self.add(
                    T::ItemRemovedFromClosedContentModel,
                    None,
                    format!("item {i} removed while additionalItems is false"),
                );
            }
            return Ok(());
        };
        if self.covered(&[(x, y)])? {
            self.add(
                T::ItemRemovedIsCoveredByPartiallyOpenContentModel,
                None,
                format!("item {i} removed; its values still match the schema for extra items"),
            );
        } else {
            self.add(T::ItemRemovedNotCoveredByPartiallyOpenContentModel, None, format!("item {i} removed and its old values no longer match the schema for extra items"));
        }
        Ok(())
    }

    fn compare_additional_items(&mut self, o: Additional, u: Additional) -> Result<(), DiffError> {
        let (kind, message) = match (o, u) {
            (Additional::Forbidden, Additional::Forbidden)
            | (Additional::Allowed, Additional::Allowed) => return Ok(()),
            (_, Additional::Forbidden) => (
                T::AdditionalItemsRemoved,
                "additional items are no longer allowed",
            ),
            (Additional::Forbidden, _) => {
                (T::AdditionalItemsAdded, "additional items are now allowed")
            }
            (Additional::Allowed, Additional::Schema(_)) => (
                T::AdditionalItemsNarrowed,
                "additional items must now match a schema",
            ),
            (Additional::Schema(_), Additional::Allowed) => (
                T::AdditionalItemsExtended,
                "additional items are no longer constrained",
            ),
            (Additional::Schema(x), Additional::Schema(y)) => {
                return self.at("additionalItems", |w| w.compare(Some(x), Some(y)));
            }
        };
        self.add(kind, Some("additionalItems"), message.to_owned());
        Ok(())
    }
}
