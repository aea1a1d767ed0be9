//! Why a diff could not be computed.

use std::fmt;

/// A diff that could not be computed. Every variant carries a message fit for an API error body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DiffError {
    /// The input is not JSON; the message names line and column.
    InvalidJson(String),
    /// The input is JSON but not a schema the engine can read (bad `$ref`, wrong keyword type…).
    InvalidSchema(String),
    /// The comparison needed more steps than the work budget allows (hostile recursive `$ref`s).
    BudgetExceeded(usize),
    /// Schemas nest (directly or through `$ref` chains) deeper than the engine follows.
    TooDeep(usize),
}

impl fmt::Display for DiffError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidJson(msg) => write!(f, "invalid JSON: {msg}"),
            Self::InvalidSchema(msg) => write!(f, "invalid schema: {msg}"),
            Self::BudgetExceeded(steps) => write!(
                f,
                "comparison exceeded its work budget of {steps} steps (recursive $ref graph too large)"
            ),
            Self::TooDeep(depth) => write!(f, "schema nesting exceeds {depth} levels"),
        }
    }
}

impl std::error::Error for DiffError {}
