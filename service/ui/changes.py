"""View models of a compatibility answer: change rows (renames called out) and a line diff."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Any

import orjson

# The engine reports an Arrow rename as its own change (compat_rs, ARROW_FIELD_RENAMED) with a
# message like "Field 'price' renamed to 'last_price'".
RENAMED = "ARROW_FIELD_RENAMED"
_RENAME_MESSAGE = re.compile(r"^Field '(?P<old>.*)' renamed to '(?P<new>.*)'$")
# SequenceMatcher is quadratic in the worst case: past this many lines the page shows the two
# documents without aligning them.
MAX_DIFF_LINES = 5000


@dataclass(frozen=True, slots=True)
class ChangeRow:
    """One change as the UI lists it; `rename` is (old, new) for a rename."""

    kind: str
    path: str
    message: str
    breaking: bool
    against: str | None
    rename: tuple[str, str] | None


@dataclass(frozen=True, slots=True)
class Verdict:
    """A compatibility answer (`POST /schema/{id}/compat`'s body) ready to render."""

    compatible: bool
    against: str
    mode: str
    policy: str
    required_bump: str
    changes: tuple[ChangeRow, ...]

    @property
    def breaking(self) -> int:
        return sum(change.breaking for change in self.changes)


@dataclass(frozen=True, slots=True)
class DiffLine:
    """One row of the side-by-side view; `tag` is equal, replace, delete or insert."""

    tag: str
    old_number: int | None
    old_text: str
    new_number: int | None
    new_text: str


def change_row(change: dict[str, Any]) -> ChangeRow:
    kind = str(change.get("type", ""))
    message = str(change.get("message", ""))
    rename = None
    if kind == RENAMED:
        match = _RENAME_MESSAGE.match(message)
        if match is not None:
            rename = (match["old"], match["new"])
    against = change.get("against")
    return ChangeRow(
        kind=kind,
        path=str(change.get("path", "")),
        message=message,
        breaking=bool(change.get("breaking")),
        against=str(against) if against is not None else None,
        rename=rename,
    )


def verdict(result: dict[str, Any]) -> Verdict:
    """Renames first (they explain the removals and additions around them), then breaking
    changes, each group in the engine's order."""
    rows = sorted(
        (change_row(change) for change in result["changes"]),
        key=lambda row: (row.rename is None, not row.breaking),
    )
    return Verdict(
        compatible=bool(result["compatible"]),
        against=str(result["against"]),
        mode=str(result["mode"]),
        policy=str(result["policy"]),
        required_bump=str(result["required_bump"]),
        changes=tuple(rows),
    )


def pretty(document: bytes | dict[str, Any]) -> str:
    """A stored document indented for reading (stored bodies are canonical: one line)."""
    value = orjson.loads(document) if isinstance(document, bytes) else document
    return orjson.dumps(value, option=orjson.OPT_INDENT_2).decode()


def side_by_side(old: str, new: str) -> list[DiffLine] | None:
    """Two texts aligned line by line, as a side-by-side diff shows them; None when they are
    too long to align (CPU-bound either way: callers run it in a thread)."""
    old_lines, new_lines = old.splitlines(), new.splitlines()
    if len(old_lines) + len(new_lines) > MAX_DIFF_LINES:
        return None
    matcher = difflib.SequenceMatcher(a=old_lines, b=new_lines, autojunk=False)
    rows: list[DiffLine] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        for offset in range(max(i2 - i1, j2 - j1)):
            i, j = i1 + offset, j1 + offset
            in_old, in_new = i < i2, j < j2
            rows.append(
                DiffLine(
                    tag=tag if in_old and in_new else ("delete" if in_old else "insert"),
                    old_number=i + 1 if in_old else None,
                    old_text=old_lines[i] if in_old else "",
                    new_number=j + 1 if in_new else None,
                    new_text=new_lines[j] if in_new else "",
                )
            )
    return rows
