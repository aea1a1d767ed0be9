"""Hostile and oversized input: bad JSON, deep nesting, recursive `$ref`s, huge schemas, GIL."""

from __future__ import annotations

import copy
import threading
import time
from typing import Any

import orjson
import pytest

import compat_rs
from tests.unit.compat.isolated import Outcome, diff_isolated
from tests.unit.compat.tick_document import tick_document

BOUNDED_SECONDS = 10.0
DEEP = 10_000
MAX_SHALLOW_DEPTH = 64
TOO_DEEP = r"(?i)recursion|depth|deep|nest"
GIL_FREE_SHARE = 0.3


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/definitions/{name}"}


# --- malformed input -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "bad",
    ['{"type": "object",', b'{"type": }', "[1, 2", b"\xff\xfe", "", "{'type': 'object'}"],
)
@pytest.mark.parametrize("side", ["old", "new"])
def test_invalid_json_is_a_value_error_with_its_position(bad: str | bytes, side: str) -> None:
    good = '{"type": "object"}'
    old, new = (bad, good) if side == "old" else (good, bad)
    with pytest.raises(ValueError, match="line") as caught:
        compat_rs.diff(old, new)
    assert "column" in str(caught.value)


def test_dict_nested_ten_thousand_deep_is_a_value_error() -> None:
    deep: dict[str, Any] = {"type": "string"}
    for _ in range(DEEP):
        deep = {"not": deep}
    with pytest.raises(ValueError, match=TOO_DEEP) as caught:
        compat_rs.diff(deep, {"type": "string"})
    assert type(caught.value) is ValueError
    with pytest.raises(ValueError, match=TOO_DEEP):
        compat_rs.diff({"type": "string"}, deep)


@pytest.mark.parametrize(
    "text",
    [
        '{"not": ' * DEEP + "{}" + "}" * DEEP,
        "[" * DEEP + "]" * DEEP,
        '{"properties": {"a": ' * DEEP + "{}" + "}}" * DEEP,
    ],
    ids=["not-chain", "arrays", "properties-chain"],
)
def test_json_text_nested_ten_thousand_deep_is_a_value_error(text: str) -> None:
    for old, new in ((text, "{}"), ("{}", text)):
        outcome = diff_isolated(old, new)
        assert outcome.error == "ValueError", outcome
    with pytest.raises(ValueError, match=TOO_DEEP):
        compat_rs.diff(text.encode(), b"{}")


@pytest.mark.parametrize(("mode", "policy"), [("SIDEWAYS", "STRICT"), ("BACKWARD", "LAX")])
def test_unknown_mode_or_policy_is_a_value_error(mode: str, policy: str) -> None:
    with pytest.raises(ValueError, match="mode" if mode == "SIDEWAYS" else "policy"):
        compat_rs.diff({}, {}, mode=mode, policy=policy)


@pytest.mark.parametrize("bad", [42, 4.5, None, ["type", "object"], ("a",), {"a"}])
def test_documents_must_be_dict_str_or_bytes(bad: Any) -> None:
    with pytest.raises(TypeError):
        compat_rs.diff(bad, {})
    with pytest.raises(TypeError):
        compat_rs.diff({}, bad)


# --- recursive $ref graphs -----------------------------------------------------------------


def _ref_graph(size: int, leaf_type: str = "integer", changed: int = -1) -> dict[str, Any]:
    """`size` definitions, each holding a value and refs to the next two: a cyclic graph."""
    definitions = {
        f"d{i}": {
            "type": "object",
            "properties": {
                "value": {"type": leaf_type if i == changed else "integer"},
                "a": _ref(f"d{(i + 1) % size}"),
                "b": _ref(f"d{(i + 2) % size}"),
            },
        }
        for i in range(size)
    }
    return {"$ref": "#/definitions/d0", "definitions": definitions}


def _gave_up_cleanly(outcome: Outcome, *, depth: int) -> bool:
    """True when the engine stopped in time on its work budget or on its `$ref` depth limit."""
    assert outcome.seconds < BOUNDED_SECONDS, f"took {outcome.seconds:.1f} s"
    if outcome.error == "ValueError":
        assert "budget" in outcome.message, outcome
        return True
    # A cycle through 400 distinct definitions is also 400 levels of `$ref` depth, past the
    # engine's nesting limit; 30 levels are not.
    if outcome.error == "RecursionError" and depth > MAX_SHALLOW_DEPTH:
        return True
    assert outcome.error is None, outcome
    return False


@pytest.mark.parametrize("size", [30, 400])
@pytest.mark.parametrize(
    ("leaf_type", "compatible", "expected_type"),
    [("integer", True, None), ("number", True, "TYPE_EXTENDED"), ("string", False, "TYPE_CHANGED")],
    ids=["identical", "widened", "changed"],
)
def test_mutually_recursive_refs_finish_or_exhaust_the_budget(
    size: int, leaf_type: str, compatible: bool, expected_type: str | None
) -> None:
    old = _ref_graph(size)
    new = _ref_graph(size, leaf_type=leaf_type, changed=size // 2)
    outcome = diff_isolated(old, new)
    if _gave_up_cleanly(outcome, depth=size):
        return
    assert outcome.result is not None
    assert outcome.result["compatible"] is compatible, outcome
    if expected_type is None:
        assert outcome.result["changes"] == [], outcome
    else:
        assert expected_type in outcome.change_types, outcome


def _tree(self_ref: str, value: dict[str, Any], extra: dict[str, Any] | None = None) -> Any:
    node: dict[str, Any] = {
        "type": "object",
        "properties": {
            "value": value,
            "children": {"type": "array", "items": {"$ref": self_ref}},
        },
        "required": ["value"],
    }
    for key, change in (extra or {}).items():
        node[key] = change
    if self_ref == "#":
        return node
    return {"$ref": self_ref, "definitions": {"node": node}}


@pytest.mark.parametrize("self_ref", ["#", "#/definitions/node"])
@pytest.mark.parametrize(
    ("value", "extra", "compatible", "expected_type"),
    [
        ({"type": "number"}, None, True, "TYPE_EXTENDED"),
        ({"type": "string"}, None, False, "TYPE_CHANGED"),
        ({"type": "integer", "minimum": 0}, None, False, "MINIMUM_ADDED"),
        ({"type": "integer"}, {"maxProperties": 1}, False, "MAX_PROPERTIES_ADDED"),
    ],
    ids=["widened", "changed", "minimum", "max-properties"],
)
def test_self_recursive_tree_gives_a_finite_correct_result(
    self_ref: str,
    value: dict[str, Any],
    extra: dict[str, Any] | None,
    compatible: bool,
    expected_type: str,
) -> None:
    old = _tree(self_ref, {"type": "integer"})
    new = _tree(self_ref, value, extra)
    outcome = diff_isolated(old, new)
    assert outcome.error is None, outcome
    assert outcome.seconds < BOUNDED_SECONDS
    assert outcome.result is not None
    assert outcome.result["compatible"] is compatible, outcome
    assert expected_type in outcome.change_types, outcome


def _ref_chain(length: int, leaf_type: str, *, through_properties: bool) -> dict[str, Any]:
    definitions: dict[str, Any] = {}
    for i in range(length):
        target = _ref(f"c{i + 1}")
        definitions[f"c{i}"] = {"properties": {"x": target}} if through_properties else target
    definitions[f"c{length}"] = {"type": leaf_type}
    return {"$ref": "#/definitions/c0", "definitions": definitions}


@pytest.mark.parametrize("through_properties", [True, False], ids=["properties", "direct"])
def test_deep_ref_chains_fail_cleanly_or_give_a_correct_result(through_properties: bool) -> None:
    old = _ref_chain(5_000, "integer", through_properties=through_properties)
    new = _ref_chain(5_000, "string", through_properties=through_properties)
    outcome = diff_isolated(old, new)
    assert outcome.seconds < BOUNDED_SECONDS
    if outcome.error is not None:
        assert outcome.error in {"ValueError", "RecursionError"}, outcome
        return
    assert outcome.result is not None
    assert outcome.result["compatible"] is False, outcome
    assert "TYPE_CHANGED" in outcome.change_types, outcome


# --- size and the GIL ----------------------------------------------------------------------


def _big_schema(properties: int, *, changed: int | None = None) -> dict[str, Any]:
    padding = "Settlement field carried over from the upstream venue feed. " * 3
    schema: dict[str, Any] = {
        "type": "object",
        "properties": {
            f"p{i:05d}": {
                "type": "string" if i == changed else "integer",
                "minimum": 0,
                "maximum": 1_000_000 + i,
                "description": padding,
            }
            for i in range(properties)
        },
        "required": [f"p{i:05d}" for i in range(0, properties, 10)],
        "additionalProperties": False,
    }
    return schema


@pytest.fixture(scope="module")
def big_pair() -> tuple[bytes, bytes]:
    old = orjson.dumps(_big_schema(20_000))
    new = orjson.dumps(_big_schema(20_000, changed=12_345))
    assert len(old) >= 5_000_000, len(old)
    return old, new


def test_five_megabyte_schema_diffs_without_error(big_pair: tuple[bytes, bytes]) -> None:
    old, new = big_pair
    same = compat_rs.diff(old, old)
    assert same.required_bump == "none"
    result = compat_rs.diff(old, new)
    assert result.required_bump in {"major", "minor", "patch", "none"}


def test_five_megabyte_schema_change_is_found(big_pair: tuple[bytes, bytes]) -> None:
    old, new = big_pair
    result = compat_rs.diff(old, new)
    found = [(c.type, c.path) for c in result.changes]
    assert found == [("TYPE_CHANGED", "#/properties/p12345")], found
    assert not result.compatible


def _slow_pair(minimum_seconds: float) -> tuple[bytes, bytes]:
    """A schema pair whose diff takes at least `minimum_seconds` on this machine."""
    properties = 20_000
    while True:
        old = orjson.dumps(_big_schema(properties))
        new = orjson.dumps(_big_schema(properties, changed=properties // 2))
        started = time.perf_counter()
        compat_rs.diff(old, new)
        if time.perf_counter() - started >= minimum_seconds or properties >= 160_000:
            return old, new
        properties *= 2


def test_diff_releases_the_gil() -> None:
    old, new = _slow_pair(minimum_seconds=0.15)
    stamps: list[float] = []
    window: dict[str, float] = {}
    finished = threading.Event()

    def worker() -> None:
        window["start"] = time.perf_counter()
        compat_rs.diff(old, new)
        window["end"] = time.perf_counter()
        finished.set()

    thread = threading.Thread(target=worker)
    thread.start()
    spins = 0
    while not finished.is_set():
        spins += 1
        if spins % 1024 == 0:
            stamps.append(time.perf_counter())
    thread.join()
    start, end = window["start"], window["end"]
    assert end - start >= 0.1, f"the diff took only {(end - start) * 1e3:.1f} ms"
    # Share of the call's milliseconds in which the main thread ran Python. A call holding the
    # GIL leaves it at most a switch interval or two (~2 %); a released GIL gives ~100 %.
    busy = {int((stamp - start) * 1000) for stamp in stamps if start <= stamp <= end}
    share = len(busy) / max(1, int((end - start) * 1000))
    assert share >= GIL_FREE_SHARE, f"main thread ran in {share:.0%} of a {end - start:.3f} s diff"


# --- check_document ------------------------------------------------------------------------


def test_check_document_accepts_the_design_example() -> None:
    assert compat_rs.check_document(tick_document()) == []


def test_check_document_rejects_a_remote_ref() -> None:
    document = tick_document()
    document["properties"]["symbol"] = {"$ref": "https://example.com/schemas/symbol.json"}
    problems = compat_rs.check_document(document)
    assert any("remote" in problem.lower() for problem in problems), problems


@pytest.mark.parametrize("garbage", ["{not json", b"\x00\x01", "", "[1,"])
def test_check_document_rejects_garbage_json(garbage: str | bytes) -> None:
    with pytest.raises(ValueError, match="line"):
        compat_rs.check_document(garbage)


def test_check_document_does_not_mutate_its_input() -> None:
    document = tick_document()
    before = copy.deepcopy(document)
    compat_rs.check_document(document)
    assert document == before
