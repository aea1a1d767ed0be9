"""The registry's pure domain layer: ids, versions, documents, config and publishing rules."""
