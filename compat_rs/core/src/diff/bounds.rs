//! Numeric bounds shared by every keyword family: added, removed, increased, decreased.

use super::Walker;
use crate::change::ChangeType;

/// The four change types of one bound keyword.
pub(super) struct Bound {
    pub keyword: &'static str,
    pub added: ChangeType,
    pub removed: ChangeType,
    pub increased: ChangeType,
    pub decreased: ChangeType,
}

pub(super) const MAX_LENGTH: Bound = Bound {
    keyword: "maxLength",
    added: ChangeType::MaxLengthAdded,
    removed: ChangeType::MaxLengthRemoved,
    increased: ChangeType::MaxLengthIncreased,
    decreased: ChangeType::MaxLengthDecreased,
};
pub(super) const MIN_LENGTH: Bound = Bound {
    keyword: "minLength",
    added: ChangeType::MinLengthAdded,
    removed: ChangeType::MinLengthRemoved,
    increased: ChangeType::MinLengthIncreased,
    decreased: ChangeType::MinLengthDecreased,
};
pub(super) const MAXIMUM: Bound = Bound {
    keyword: "maximum",
    added: ChangeType::MaximumAdded,
    removed: ChangeType::MaximumRemoved,
    increased: ChangeType::MaximumIncreased,
    decreased: ChangeType::MaximumDecreased,
};
pub(super) const MINIMUM: Bound = Bound {
    keyword: "minimum",
    added: ChangeType::MinimumAdded,
    removed: ChangeType::MinimumRemoved,
    increased: ChangeType::MinimumIncreased,
    decreased: ChangeType::MinimumDecreased,
};
pub(super) const EXCLUSIVE_MAXIMUM: Bound = Bound {
    keyword: "exclusiveMaximum",
    added: ChangeType::ExclusiveMaximumAdded,
    removed: ChangeType::ExclusiveMaximumRemoved,
    increased: ChangeType::ExclusiveMaximumIncreased,
    decreased: ChangeType::ExclusiveMaximumDecreased,
};
pub(super) const EXCLUSIVE_MINIMUM: Bound = Bound {
    keyword: "exclusiveMinimum",
    added: ChangeType::ExclusiveMinimumAdded,
    removed: ChangeType::ExclusiveMinimumRemoved,
    increased: ChangeType::ExclusiveMinimumIncreased,
    decreased: ChangeType::ExclusiveMinimumDecreased,
};
pub(super) const MAX_PROPERTIES: Bound = Bound {
    keyword: "maxProperties",
    added: ChangeType::MaxPropertiesAdded,
    removed: ChangeType::MaxPropertiesRemoved,
    increased: ChangeType::MaxPropertiesIncreased,
    decreased: ChangeType::MaxPropertiesDecreased,
};
pub(super) const MIN_PROPERTIES: Bound = Bound {
    keyword: "minProperties",
    added: ChangeType::MinPropertiesAdded,
    removed: ChangeType::MinPropertiesRemoved,
    increased: ChangeType::MinPropertiesIncreased,
    decreased: ChangeType::MinPropertiesDecreased,
};
pub(super) const MAX_ITEMS: Bound = Bound {
    keyword: "maxItems",
    added: ChangeType::MaxItemsAdded,
    removed: ChangeType::MaxItemsRemoved,
    increased: ChangeType::MaxItemsIncreased,
    decreased: ChangeType::MaxItemsDecreased,
};
pub(super) const MIN_ITEMS: Bound = Bound {
    keyword: "minItems",
    added: ChangeType::MinItemsAdded,
    removed: ChangeType::MinItemsRemoved,
    increased: ChangeType::MinItemsIncreased,
    decreased: ChangeType::MinItemsDecreased,
};

impl Walker<'_> {
    /// Reports how one bound keyword moved; the table decides which direction breaks.
    pub(super) fn compare_bound(&mut self, bound: &Bound, before: Option<f64>, after: Option<f64>) {
        let keyword = bound.keyword;
        let (kind, message) = match (before, after) {
            (None, Some(v)) => (bound.added, format!("{keyword} {} added", num(v))),
            (Some(v), None) => (bound.removed, format!("{keyword} {} removed", num(v))),
            (Some(x), Some(y)) if x < y => (
                bound.increased,
                format!("{keyword} increased from {} to {}", num(x), num(y)),
            ),
            (Some(x), Some(y)) if x > y => (
                bound.decreased,
                format!("{keyword} decreased from {} to {}", num(x), num(y)),
            ),
            _ => return,
        };
        self.add(kind, Some(keyword), message);
    }
}

/// Renders a bound without a trailing `.0` for whole numbers.
pub(super) fn num(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() < 1e15 {
        format!("{}", value as i64)
    } else {
        format!("{value}")
    }
}
