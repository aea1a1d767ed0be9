//! Modes, `SemVer` bumps and the final report of a diff.

use crate::change::Change;

/// Which readers must keep working (`COMPAT_RULES.md`, "Directions and modes").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mode {
    /// New readers read old data: diff old → new.
    Backward,
    /// Old readers read new data: diff new → old.
    Forward,
    /// Both directions.
    Full,
    /// No check; changes are still reported, none is breaking.
    None,
}

impl Mode {
    /// Parses a mode name; `*_TRANSITIVE` names map to their base mode (the caller loops).
    pub fn parse(text: &str) -> Option<Self> {
        let upper = text.to_ascii_uppercase();
        match upper.strip_suffix("_TRANSITIVE").unwrap_or(&upper) {
            "BACKWARD" => Some(Self::Backward),
            "FORWARD" => Some(Self::Forward),
            "FULL" => Some(Self::Full),
            "NONE" => Some(Self::None),
            _ => None,
        }
    }

    /// The canonical upper-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Backward => "BACKWARD",
            Self::Forward => "FORWARD",
            Self::Full => "FULL",
            Self::None => "NONE",
        }
    }
}

/// The smallest `SemVer` bump a new version needs over its predecessor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Bump {
    /// Identical canonical content: nothing to publish.
    None,
    /// Annotation-only changes, or a content change the engine reports no difference for.
    Patch,
    /// Compatible changes.
    Minor,
    /// At least one breaking change.
    Major,
}

impl Bump {
    /// The lower-case name used on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Patch => "patch",
            Self::Minor => "minor",
            Self::Major => "major",
        }
    }

    /// The bump that `changes` require; `identical` says whether the canonical documents match.
    pub fn required(changes: &[Change], identical: bool) -> Self {
        if changes.iter().any(|c| c.breaking) {
            Self::Major
        } else if changes.iter().any(|c| !c.kind.is_annotation()) {
            Self::Minor
        } else if !changes.is_empty() || !identical {
            Self::Patch
        } else {
            Self::None
        }
    }
}

/// The outcome of diffing two registry documents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiffReport {
    /// No change is breaking under the requested mode and policy.
    pub compatible: bool,
    /// The `SemVer` bump the new version needs.
    pub required_bump: Bump,
    /// Every change found, compatible ones included.
    pub changes: Vec<Change>,
}
