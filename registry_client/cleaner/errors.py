"""The cleaner's errors: unusable input (the CLI exits 2) and an unusable registry (exit 1)."""

from __future__ import annotations


class CleanerError(Exception):
    """The input cannot be cleaned: missing or unreadable file, no header, a header that does
    not match the schema. Raised before any output is written."""


class RegistryUnavailable(Exception):
    """The registry cannot be reached, refuses the token, or has no such schema or version."""
