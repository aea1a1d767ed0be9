"""Schema ids: the DESIGN §3 pattern, matched on ASCII only, with errors naming the culprit."""

from __future__ import annotations

import re
import unicodedata

from service.domain.errors import InvalidSchemaId, clipped, shown

MAX_LENGTH = 128

# re.ASCII and fullmatch: without them `$` would accept a trailing newline, and Unicode
# look-alikes are never letters of the id alphabet anyway.
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}", re.ASCII)
_FIRST = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
_REST = _FIRST | frozenset("._-")

_EXPECTED = (
    f"a schema id is 1 to {MAX_LENGTH} characters: ASCII letters, digits, '.', '_' and '-', "
    "starting with a letter or digit"
)


def describe_character(char: str) -> str:
    """One character for an error message: escaped, with its code point and Unicode name, so
    control characters and look-alikes (Cyrillic U+0430 for Latin 'a') are unmistakable."""
    name = unicodedata.name(char, "")
    return f"{char!r} (U+{ord(char):04X}{' ' + name if name else ''})"


def _problem(text: str) -> str:
    if not text:
        return "schema id is empty"
    if len(text) > MAX_LENGTH:
        return f"schema id is {len(text)} characters long, more than {MAX_LENGTH}"
    if text[0] not in _FIRST:
        return f"schema id {shown(text)} starts with {describe_character(text[0])}"
    position, char = next((i, c) for i, c in enumerate(text) if c not in _REST)
    return f"schema id {shown(text)} contains {describe_character(char)} at position {position}"


def validate_schema_id(text: object) -> str:
    """`text` when it is a valid schema id; otherwise raises `InvalidSchemaId` saying why."""
    if not isinstance(text, str):
        raise InvalidSchemaId(f"schema id must be a string, not {shown(text)}; {_EXPECTED}")
    if _ID.fullmatch(text) is None:
        raise InvalidSchemaId(f"{_problem(text)}; {_EXPECTED}", {"id": clipped(text)})
    return text
