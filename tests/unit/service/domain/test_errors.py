"""Tests of service.domain.errors: stable codes, details and bounded messages."""

from __future__ import annotations

import pytest

from service.domain.errors import (
    BumpRequired,
    DomainError,
    InvalidConfig,
    InvalidDocument,
    InvalidSchema,
    InvalidSchemaId,
    InvalidVersion,
    VersionConflict,
    clipped,
    shown,
)


@pytest.mark.parametrize(
    ("kind", "code"),
    [
        (InvalidSchemaId, "invalid_schema_id"),
        (InvalidVersion, "invalid_version"),
        (InvalidDocument, "invalid_document"),
        (InvalidConfig, "invalid_config"),
        (VersionConflict, "version_conflict"),
    ],
)
def test_each_error_has_its_wire_code(kind: type[DomainError], code: str) -> None:
    error = kind("why", {"k": "v"})
    assert isinstance(error, DomainError)
    assert (error.code, error.message, error.details, str(error)) == (
        code,
        "why",
        {"k": "v"},
        "why",
    )
    assert kind("why").details == {}


def test_invalid_schema_carries_every_problem() -> None:
    one = InvalidSchema(["type at #/type must be …"])
    assert one.code == "invalid_schema"
    assert one.details == {"problems": ["type at #/type must be …"]}
    assert "type at #/type" in one.message
    many = InvalidSchema(["a", "b", "c"])
    assert many.problems == ["a", "b", "c"]
    assert many.message == "invalid schema document: 3 problems; the first: a"


def test_bump_required_carries_bumps_and_changes() -> None:
    changes = [{"type": "TYPE_CHANGED", "breaking": True}, {"type": "X", "breaking": False}]
    error = BumpRequired("major", "minor", changes)
    assert error.code == "bump_required"
    assert error.details == {"required_bump": "major", "actual_bump": "minor", "changes": changes}
    assert "major" in error.message
    assert "1 breaking" in error.message


def test_shown_escapes_and_truncates() -> None:
    assert shown("a\nb") == "'a\\nb'"
    values: list[object] = [None, True, 1, 1.5, [], {}]
    assert [shown(v) for v in values] == [
        "null",
        "a boolean",
        "a number",
        "a number",
        "an array",
        "an object",
    ]
    assert shown(object()) == "object"
    long = shown("x" * 10_000)
    assert long.endswith("(10000 characters)")
    assert len(long) < 100
    assert clipped("y" * 100) == "y" * 64
    assert clipped(5) is None
