"""Unit tests of the registry service."""
