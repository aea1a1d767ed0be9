"""The diff bot: compares, lints and publishes the schema files kept in Git (DESIGN §9)."""
