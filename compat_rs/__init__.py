"""Schema compatibility engine: the Python face of the Rust `compat_rs` extension."""

from __future__ import annotations

from typing import Any

import orjson

from compat_rs._compat_rs import Change, DiffResult, change_types, check_document_json, diff_json

__all__ = ["Change", "DiffResult", "change_types", "check_document", "diff"]

Document = dict[str, Any] | str | bytes


def _to_json(doc: Document, side: str) -> bytes:
    if isinstance(doc, bytes):
        return doc
    if isinstance(doc, str):
        return doc.encode()
    if isinstance(doc, dict):
        try:
            return orjson.dumps(doc)
        except (orjson.JSONEncodeError, RecursionError) as exc:
            # orjson refuses nesting past 254 levels; report it like any other bad document.
            raise ValueError(f"{side} document cannot be encoded as JSON: {exc}") from exc
    raise TypeError(f"{side} document must be dict, str or bytes, not {type(doc).__name__}")


def diff(
    old: Document, new: Document, mode: str = "BACKWARD", policy: str = "STRICT"
) -> DiffResult:
    """Diff two registry documents and judge every change under `mode` and `policy`.

    Raises ValueError for invalid JSON (with its position), unreadable schemas, unknown
    modes or policies, and recursive `$ref` graphs that exhaust the work budget.
    """
    return diff_json(_to_json(old, "old"), _to_json(new, "new"), mode, policy)


def check_document(doc: Document) -> list[str]:
    """Validity problems of one registry document, `[]` when it is fine."""
    return check_document_json(_to_json(doc, "document"))
