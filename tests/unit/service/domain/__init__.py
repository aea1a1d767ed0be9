"""Unit tests of the service's pure domain layer."""
