from typing import Any

from compat_rs._compat_rs import Change as Change
from compat_rs._compat_rs import DiffResult as DiffResult
from compat_rs._compat_rs import change_types as change_types

__all__ = ["Change", "DiffResult", "change_types", "check_document", "diff"]

Document = dict[str, Any] | str | bytes

def diff(
    old: Document, new: Document, mode: str = "BACKWARD", policy: str = "STRICT"
) -> DiffResult:
    """Diff two registry documents; ValueError on invalid input, budget or depth exhaustion."""

def check_document(doc: Document) -> list[str]:
    """Validity problems of one registry document, `[]` when it is fine."""
