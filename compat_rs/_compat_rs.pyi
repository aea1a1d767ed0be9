"""Typed surface of the compiled extension (compat_rs/py/src/lib.rs)."""

from typing import Any, final

__all__ = ["Change", "DiffResult", "change_types", "check_document_json", "diff_json"]

@final
class Change:
    """One reported change: its type name, JSON pointer, verdict and message."""

    @property
    def type(self) -> str: ...
    @property
    def path(self) -> str: ...
    @property
    def breaking(self) -> bool: ...
    @property
    def message(self) -> str: ...
    def to_dict(self) -> dict[str, Any]: ...

@final
class DiffResult:
    """The outcome of one diff under a mode and policy."""

    @property
    def compatible(self) -> bool: ...
    @property
    def required_bump(self) -> str: ...
    @property
    def mode(self) -> str: ...
    @property
    def policy(self) -> str: ...
    @property
    def changes(self) -> list[Change]: ...
    def to_dict(self) -> dict[str, Any]: ...

def diff_json(old: bytes, new: bytes, mode: str = "BACKWARD", policy: str = "STRICT") -> DiffResult:
    """Diff two JSON documents without holding the GIL."""

def check_document_json(doc: bytes) -> list[str]:
    """Validity problems of one JSON document."""

def change_types() -> list[tuple[str, bool, bool, bool]]:
    """(name, breaking under STRICT, breaking under LENIENT, annotation-only) for every type."""
