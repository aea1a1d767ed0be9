//! The schema model the diff walks: JSON Schema parsed into typed nodes in an arena.
