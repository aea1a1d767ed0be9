"""The reference evolution of ticks_v1 (COMPAT_RULES.md "SemVer") and the bump rules."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

import compat_rs
from tests.unit.compat.corpus import REPO_ROOT
from tests.unit.compat.tick_document import tick_document

TICKS_V1 = REPO_ROOT / "schemas" / "ticks_v1"
VERSIONS = ("1.0.0", "1.1.0", "1.2.0", "2.0.0")
RENAME_MESSAGE = "Field 'price' renamed to 'last_price'"


def _load(version: str) -> dict[str, Any]:
    path = TICKS_V1 / f"{version}.json"
    if not path.is_file():
        pytest.fail(f"reference schema {path} is missing (schemas/<id>/<version>.json)")
    document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return document


def _types(result: compat_rs.DiffResult) -> list[str]:
    return [change.type for change in result.changes]


def _with_required_exchange_id(document: dict[str, Any]) -> dict[str, Any]:
    """`document` plus a required `exchange_id`: required in JSON, non-nullable in Arrow."""
    changed = copy.deepcopy(document)
    changed["properties"]["exchange_id"] = {"type": "integer"}
    changed["required"] = [*changed["required"], "exchange_id"]
    fields = [f for f in changed["arrow"]["fields"] if f["name"] != "exchange_id"]
    fields.append({"name": "exchange_id", "type": {"name": "int32"}, "nullable": False})
    changed["arrow"]["fields"] = fields
    return changed


@pytest.mark.parametrize("version", VERSIONS)
def test_reference_documents_are_valid(version: str) -> None:
    assert compat_rs.check_document(_load(version)) == []


def test_adding_nullable_exchange_id_is_minor_and_compatible() -> None:
    result = compat_rs.diff(_load("1.0.0"), _load("1.1.0"))
    assert result.compatible, result.to_dict()
    assert result.required_bump == "minor", result.to_dict()
    assert "ARROW_FIELD_ADDED_NULLABLE" in _types(result)


def test_renaming_price_is_major_and_says_so() -> None:
    result = compat_rs.diff(_load("1.1.0"), _load("2.0.0"))
    assert not result.compatible, result.to_dict()
    assert result.required_bump == "major", result.to_dict()
    renames = [change for change in result.changes if change.message == RENAME_MESSAGE]
    assert renames, f"no change says {RENAME_MESSAGE!r}: {result.to_dict()}"
    assert all(change.breaking for change in renames)
    assert renames[0].type == "ARROW_FIELD_RENAMED"


def test_widening_size_is_minor_and_backward_compatible() -> None:
    result = compat_rs.diff(_load("1.1.0"), _load("1.2.0"), mode="BACKWARD")
    assert result.compatible, result.to_dict()
    assert result.required_bump == "minor", result.to_dict()
    assert "ARROW_TYPE_WIDENED" in _types(result)


def test_adding_required_exchange_id_is_major_and_breaking() -> None:
    original = _load("1.0.0")
    changed = _with_required_exchange_id(original)
    assert compat_rs.check_document(changed) == [], "the test document itself must be valid"
    result = compat_rs.diff(original, changed)
    assert not result.compatible, result.to_dict()
    assert result.required_bump == "major", result.to_dict()
    assert "ARROW_FIELD_ADDED_NON_NULLABLE" in _types(result)


@pytest.mark.parametrize("mode", ["BACKWARD", "FORWARD", "FULL", "NONE"])
def test_identical_documents_need_no_bump(mode: str) -> None:
    document = tick_document()
    result = compat_rs.diff(document, copy.deepcopy(document), mode=mode)
    assert result.changes == []
    assert result.compatible
    assert result.required_bump == "none"


def test_key_order_and_whitespace_do_not_count_as_content() -> None:
    document = tick_document()
    reordered = json.dumps(dict(reversed(list(document.items()))), indent=4)
    result = compat_rs.diff(json.dumps(document), reordered)
    assert result.required_bump == "none", result.to_dict()


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("title",), "Level-1 Ticks"),
        (("description",), "Trades from the consolidated tape"),
        (("properties", "price", "description"), "Last trade price"),
        (("properties", "size", "title"), "Trade size"),
    ],
)
def test_annotation_only_changes_need_a_patch(path: tuple[str, ...], value: str) -> None:
    original = tick_document()
    changed = copy.deepcopy(original)
    node = changed
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    result = compat_rs.diff(original, changed)
    assert result.compatible, result.to_dict()
    assert result.required_bump == "patch", result.to_dict()


@pytest.mark.parametrize(
    "edit",
    [
        {"version": "1.0.1"},
        {"version": "7.3.0"},
        {"id": "ticks_v2"},
        {"id": "ticks_v2", "version": "2.0.0"},
    ],
)
def test_id_and_version_changes_need_no_bump(edit: dict[str, str]) -> None:
    original = tick_document()
    result = compat_rs.diff(original, {**original, **edit})
    assert result.changes == [], result.to_dict()
    assert result.required_bump == "none"
