"""Algebraic properties of `compat_rs.diff` over random draft-07 schema pairs (hypothesis)."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import orjson
from hypothesis import HealthCheck, given, settings
from jsonschema import Draft7Validator

import compat_rs
from tests.unit.compat.draft07_strategy import Schema, root_schemas, schema_pairs

MODES = ("BACKWARD", "FORWARD", "FULL", "NONE")
POLICIES = ("STRICT", "LENIENT")
CHECKED_MODES = ("BACKWARD", "FORWARD", "FULL")
BUMPS = {"major", "minor", "patch", "none"}

# Fixed seed and bounded size: the whole file runs in seconds and CI sees the same examples.
PROPERTY_SETTINGS = settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

_TABLE = {name: (strict, lenient) for name, strict, lenient, _ in compat_rs.change_types()}
_ANNOTATION = {name for name, _, _, annotation in compat_rs.change_types() if annotation}


def _kinds(result: compat_rs.DiffResult) -> Counter[str]:
    return Counter(f"{change.type} {change.path}" for change in result.changes)


def _canonical(schema: Schema) -> bytes:
    return orjson.dumps(schema, option=orjson.OPT_SORT_KEYS)


@PROPERTY_SETTINGS
@given(root_schemas())
def test_generated_schemas_are_valid_draft07(schema: Schema) -> None:
    Draft7Validator.check_schema(schema)


@PROPERTY_SETTINGS
@given(root_schemas())
def test_self_diff_is_empty_under_every_mode_and_policy(schema: Schema) -> None:
    for mode in MODES:
        for policy in POLICIES:
            result = compat_rs.diff(schema, schema, mode=mode, policy=policy)
            assert result.changes == [], (mode, policy)
            assert result.compatible, (mode, policy)
            assert result.required_bump == "none", (mode, policy)


@PROPERTY_SETTINGS
@given(schema_pairs())
def test_full_is_backward_and_forward(pair: tuple[Schema, Schema]) -> None:
    old, new = pair
    for policy in POLICIES:
        full = compat_rs.diff(old, new, mode="FULL", policy=policy).compatible
        backward = compat_rs.diff(old, new, mode="BACKWARD", policy=policy).compatible
        forward = compat_rs.diff(old, new, mode="FORWARD", policy=policy).compatible
        assert full == (backward and forward), policy


@PROPERTY_SETTINGS
@given(schema_pairs())
def test_none_mode_is_always_compatible(pair: tuple[Schema, Schema]) -> None:
    old, new = pair
    for policy in POLICIES:
        result = compat_rs.diff(old, new, mode="NONE", policy=policy)
        assert result.compatible
        assert not any(change.breaking for change in result.changes)


@PROPERTY_SETTINGS
@given(schema_pairs())
def test_lenient_accepts_whatever_strict_accepts(pair: tuple[Schema, Schema]) -> None:
    old, new = pair
    for mode in CHECKED_MODES:
        if compat_rs.diff(old, new, mode=mode, policy="STRICT").compatible:
            assert compat_rs.diff(old, new, mode=mode, policy="LENIENT").compatible, mode


@PROPERTY_SETTINGS
@given(schema_pairs())
def test_forward_is_backward_with_sides_swapped(pair: tuple[Schema, Schema]) -> None:
    old, new = pair
    for policy in POLICIES:
        forward = compat_rs.diff(old, new, mode="FORWARD", policy=policy)
        swapped = compat_rs.diff(new, old, mode="BACKWARD", policy=policy)
        assert forward.compatible == swapped.compatible, policy


@PROPERTY_SETTINGS
@given(schema_pairs())
def test_transitive_modes_behave_like_their_base_mode(pair: tuple[Schema, Schema]) -> None:
    old, new = pair
    for mode in MODES:
        base = compat_rs.diff(old, new, mode=mode)
        transitive = compat_rs.diff(old, new, mode=f"{mode}_TRANSITIVE")
        assert transitive.compatible == base.compatible, mode
        assert transitive.required_bump == base.required_bump, mode
        assert _kinds(transitive) == _kinds(base), mode


def _expected_bump(result: compat_rs.DiffResult, same_content: bool) -> str:
    if any(change.breaking for change in result.changes):
        return "major"
    if any(change.type not in _ANNOTATION for change in result.changes):
        return "minor"
    if result.changes or not same_content:
        return "patch"
    return "none"


@PROPERTY_SETTINGS
@given(schema_pairs())
def test_required_bump_follows_the_semver_rule(pair: tuple[Schema, Schema]) -> None:
    old, new = pair
    same_content = _canonical(old) == _canonical(new)
    for mode in MODES:
        for policy in POLICIES:
            result = compat_rs.diff(old, new, mode=mode, policy=policy)
            assert result.required_bump in BUMPS
            breaking = any(change.breaking for change in result.changes)
            assert (result.required_bump == "major") == breaking, (mode, policy)
            assert result.compatible == (not breaking), (mode, policy)
            assert result.required_bump == _expected_bump(result, same_content), (mode, policy)


@PROPERTY_SETTINGS
@given(schema_pairs())
def test_breaking_flags_follow_the_change_table(pair: tuple[Schema, Schema]) -> None:
    old, new = pair
    for mode in MODES:
        for policy in POLICIES:
            for change in compat_rs.diff(old, new, mode=mode, policy=policy).changes:
                assert change.type in _TABLE, change.type
                assert change.path.startswith("#/"), change.path
                strict, lenient = _TABLE[change.type]
                expected = mode != "NONE" and (strict if policy == "STRICT" else lenient)
                assert change.breaking == expected, (mode, policy, change.type, change.path)


@PROPERTY_SETTINGS
@given(schema_pairs())
def test_to_dict_round_trips_through_json(pair: tuple[Schema, Schema]) -> None:
    old, new = pair
    for mode in MODES:
        result = compat_rs.diff(old, new, mode=mode)
        as_dict: dict[str, Any] = result.to_dict()
        assert json.loads(json.dumps(as_dict)) == as_dict
        assert set(as_dict) == {"compatible", "required_bump", "mode", "policy", "changes"}
        assert as_dict["compatible"] == result.compatible
        assert as_dict["required_bump"] == result.required_bump
        assert (as_dict["mode"], as_dict["policy"]) == (mode, "STRICT")
        assert as_dict["changes"] == [
            {
                "type": change.type,
                "path": change.path,
                "breaking": change.breaking,
                "message": change.message,
            }
            for change in result.changes
        ]
