"""Tests of service.domain.publishing: the DESIGN §4 publishing rules over real documents."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from service.domain.config import CompatConfig, Mode, Policy
from service.domain.documents import PreparedDocument, prepare
from service.domain.errors import BumpRequired, InvalidSchema, VersionConflict
from service.domain.publishing import ExistingVersion, PublishPlan, check_compat, plan_publish
from service.domain.versions import Version

Ticks = Callable[[str], dict[str, Any]]

BACKWARD = CompatConfig()
LENIENT = CompatConfig(Mode.BACKWARD, Policy.LENIENT)


def stored(prepared: PreparedDocument) -> ExistingVersion:
    return ExistingVersion(prepared.version, prepared.document, prepared.fingerprint)


class Registry:
    """The stored versions of one schema id, as the store would hand them to the domain."""

    def __init__(self, config: CompatConfig = BACKWARD) -> None:
        self.config = config
        self.versions: list[ExistingVersion] = []

    def publish(self, version: str, doc: dict[str, Any]) -> PublishPlan:
        candidate = prepare("ticks_v1", version, doc)
        plan = plan_publish(candidate, self.versions, self.config)
        if not plan.idempotent:
            self.versions.append(stored(candidate))
        return plan


def as_version(ticks: Ticks, source: str, version: str) -> dict[str, Any]:
    """The content of reference document `source`, relabelled as `version`."""
    doc = ticks(source)
    doc["version"] = version
    return doc


def without_side(ticks: Ticks, source: str) -> dict[str, Any]:
    """`source` without its optional `side` column (JSON property and Arrow field)."""
    doc = ticks(source)
    del doc["properties"]["side"]
    doc["arrow"]["fields"] = [f for f in doc["arrow"]["fields"] if f["name"] != "side"]
    return doc


def change_types(changes: list[dict[str, Any]]) -> list[str]:
    return sorted(change["type"] for change in changes)


# -- the reference evolution -----------------------------------------------------------------


def test_reference_evolution_publishes_in_order(ticks: Ticks) -> None:
    registry = Registry()

    first = registry.publish("1.0.0", ticks("1.0.0"))
    assert first == PublishPlan(previous=None, required_bump="none")

    minor = registry.publish("1.1.0", ticks("1.1.0"))
    assert (minor.previous, minor.required_bump, minor.breaking) == (
        Version(1, 0, 0),
        "minor",
        False,
    )
    assert change_types(minor.changes) == [
        "ARROW_FIELD_ADDED_NULLABLE",
        "OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL",
    ]
    assert minor.checked_against == ["1.0.0"]

    major = registry.publish("2.0.0", ticks("2.0.0"))
    assert (major.previous, major.required_bump, major.breaking) == (
        Version(1, 1, 0),
        "major",
        True,
    )
    messages = [change["message"] for change in major.changes]
    assert "Field 'price' renamed to 'last_price'" in messages
    assert all(change["against"] == "1.1.0" for change in major.changes)

    # 1.2.0 comes after 2.0.0 but belongs to the 1.x line: its predecessor is 1.1.0.
    backport = registry.publish("1.2.0", ticks("1.2.0"))
    assert (backport.previous, backport.required_bump) == (Version(1, 1, 0), "minor")
    assert backport.breaking is False
    assert change_types(backport.changes) == ["ARROW_TYPE_WIDENED"]
    assert backport.checked_against == ["1.1.0"]
    assert [str(v.version) for v in registry.versions] == ["1.0.0", "1.1.0", "2.0.0", "1.2.0"]


def test_reference_evolution_passes_backward_transitive_too(ticks: Ticks) -> None:
    registry = Registry(CompatConfig(Mode.BACKWARD_TRANSITIVE))
    for version in ("1.0.0", "1.1.0", "2.0.0"):
        registry.publish(version, ticks(version))
    backport = registry.publish("1.2.0", ticks("1.2.0"))
    assert backport.checked_against == ["1.1.0", "1.0.0"]
    assert backport.required_bump == "minor"
    # Compatible differences from 1.0.0 were paid for by 1.1.0's bump: only breaks are listed.
    assert [change["against"] for change in backport.changes] == ["1.1.0"]


def test_major_after_skipped_numbers_opens_a_line(ticks: Ticks) -> None:
    registry = Registry()
    registry.publish("1.0.0", ticks("1.0.0"))
    registry.publish("1.1.0", ticks("1.1.0"))
    plan = registry.publish("3.1.0", as_version(ticks, "2.0.0", "3.1.0"))
    assert (plan.previous, plan.required_bump, plan.breaking) == (Version(1, 1, 0), "major", True)


# -- insufficient bumps ----------------------------------------------------------------------


def test_optional_column_claimed_as_patch_needs_minor(ticks: Ticks) -> None:
    registry = Registry()
    registry.publish("1.0.0", ticks("1.0.0"))
    with pytest.raises(BumpRequired) as caught:
        registry.publish("1.0.1", as_version(ticks, "1.1.0", "1.0.1"))
    error = caught.value
    assert (error.required_bump, error.actual_bump) == ("minor", "patch")
    assert error.code == "bump_required"
    assert change_types(error.changes) == [
        "ARROW_FIELD_ADDED_NULLABLE",
        "OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL",
    ]
    assert error.details["changes"] == error.changes
    assert [str(v.version) for v in registry.versions] == ["1.0.0"]


def test_adding_exchange_id_again_claimed_as_patch_needs_minor(ticks: Ticks) -> None:
    # 1.1.0 → 1.1.1 adding another optional column (venue) is a MINOR change, not a PATCH.
    registry = Registry()
    registry.publish("1.1.0", ticks("1.1.0"))
    doc = as_version(ticks, "1.1.0", "1.1.1")
    doc["properties"]["venue"] = {"type": "string"}
    doc["arrow"]["fields"].append({"name": "venue", "type": {"name": "utf8"}, "nullable": True})
    with pytest.raises(BumpRequired) as caught:
        registry.publish("1.1.1", doc)
    assert (caught.value.required_bump, caught.value.actual_bump) == ("minor", "patch")


def _required_exchange_id(ticks: Ticks, version: str) -> dict[str, Any]:
    doc = as_version(ticks, "1.1.0", version)
    doc["required"].append("exchange_id")
    doc["arrow"]["fields"][-1]["nullable"] = False
    return doc


def test_adding_a_required_field_needs_major(ticks: Ticks) -> None:
    registry = Registry()
    registry.publish("1.1.0", ticks("1.1.0"))
    with pytest.raises(BumpRequired) as caught:
        registry.publish("1.2.0", _required_exchange_id(ticks, "1.2.0"))
    assert (caught.value.required_bump, caught.value.actual_bump) == ("major", "minor")
    breaking = [c["type"] for c in caught.value.changes if c["breaking"]]
    assert sorted(breaking) == ["ARROW_NULLABLE_TO_NON_NULLABLE", "REQUIRED_ATTRIBUTE_ADDED"]
    plan = registry.publish("2.0.0", _required_exchange_id(ticks, "2.0.0"))
    assert (plan.required_bump, plan.breaking) == ("major", True)


def test_annotation_only_change_needs_only_a_patch(ticks: Ticks) -> None:
    registry = Registry()
    registry.publish("1.1.0", ticks("1.1.0"))
    doc = as_version(ticks, "1.1.0", "1.1.1")
    doc["description"] = "Level-1 ticks from every venue"
    plan = registry.publish("1.1.1", doc)
    assert (plan.required_bump, plan.breaking) == ("patch", False)
    assert change_types(plan.changes) == ["DESCRIPTION_CHANGED"]


def test_a_bigger_bump_than_required_is_fine(ticks: Ticks) -> None:
    registry = Registry()
    registry.publish("1.0.0", ticks("1.0.0"))
    plan = registry.publish("2.0.0", as_version(ticks, "1.1.0", "2.0.0"))
    assert (plan.required_bump, plan.breaking) == ("minor", False)


def test_identical_content_under_a_new_number_is_allowed(ticks: Ticks) -> None:
    # Nothing changed, so nothing is required; any higher number is at least a patch.
    registry = Registry()
    registry.publish("1.1.0", ticks("1.1.0"))
    plan = registry.publish("1.1.1", as_version(ticks, "1.1.0", "1.1.1"))
    assert plan == PublishPlan(Version(1, 1, 0), "none", checked_against=["1.1.0"])


# -- version conflicts and idempotency -------------------------------------------------------


def test_a_version_below_the_top_of_its_line_conflicts(ticks: Ticks) -> None:
    registry = Registry()
    registry.publish("1.0.0", ticks("1.0.0"))
    registry.publish("1.1.0", ticks("1.1.0"))
    with pytest.raises(VersionConflict) as caught:
        registry.publish("1.0.1", as_version(ticks, "1.0.0", "1.0.1"))
    assert "1.1.0" in caught.value.message
    assert caught.value.details == {"version": "1.0.1", "highest": "1.1.0"}
    assert caught.value.code == "version_conflict"


def test_other_lines_do_not_constrain_the_number(ticks: Ticks) -> None:
    registry = Registry()
    registry.publish("2.0.0", ticks("2.0.0"))
    # A lower line that has nothing yet: no predecessor, nothing to compare with.
    plan = registry.publish("1.0.0", ticks("1.0.0"))
    assert plan == PublishPlan(previous=None, required_bump="none")


def test_identical_republish_is_idempotent(ticks: Ticks) -> None:
    registry = Registry()
    registry.publish("1.0.0", ticks("1.0.0"))
    registry.publish("1.1.0", ticks("1.1.0"))
    again = ticks("1.1.0")
    again["$schema"] = again.pop("schema_version")  # same content, other spelling
    plan = registry.publish("1.1.0", again)
    assert plan == PublishPlan(Version(1, 0, 0), "none", idempotent=True)
    assert len(registry.versions) == 2


def test_same_version_with_other_content_conflicts(ticks: Ticks) -> None:
    registry = Registry()
    registry.publish("1.1.0", ticks("1.1.0"))
    changed = ticks("1.1.0")
    changed["title"] = "Level-1 Ticks"
    with pytest.raises(VersionConflict, match=r"1\.1\.0 already exists with different content"):
        registry.publish("1.1.0", changed)


# -- modes and policies ----------------------------------------------------------------------


def _removed_then_retyped(ticks: Ticks) -> list[dict[str, Any]]:
    """1.0.0; 1.1.0 drops the optional `side`; 1.2.0 brings `side` back as an integer.

    Under STRICT, BACKWARD compatibility is set inclusion (every old document stays valid), and
    inclusion is transitive: no honest example passes each step yet breaks across two. LENIENT
    deliberately is not inclusion (readers ignore unknown properties), so this classic case
    passes each step and breaks 1.0.0 data, whose `side` is a string.
    """
    retyped = without_side(ticks, "1.1.0")
    retyped["version"] = "1.2.0"
    retyped["properties"]["side"] = {"type": "integer"}
    retyped["arrow"]["fields"].append({"name": "side", "type": {"name": "int8"}, "nullable": True})
    return [ticks("1.0.0"), without_side(ticks, "1.0.0") | {"version": "1.1.0"}, retyped]


@pytest.mark.parametrize("mode", [Mode.BACKWARD, Mode.FORWARD, Mode.FULL])
def test_non_transitive_modes_check_only_the_predecessor(ticks: Ticks, mode: Mode) -> None:
    registry = Registry(CompatConfig(mode, Policy.LENIENT))
    v1, v11, v12 = _removed_then_retyped(ticks)
    registry.publish("1.0.0", v1)
    registry.publish("1.1.0", v11)
    plan = registry.publish("1.2.0", v12)
    assert (plan.required_bump, plan.breaking, plan.checked_against) == ("minor", False, ["1.1.0"])


@pytest.mark.parametrize(
    "mode", [Mode.BACKWARD_TRANSITIVE, Mode.FORWARD_TRANSITIVE, Mode.FULL_TRANSITIVE]
)
def test_transitive_modes_check_the_whole_line(ticks: Ticks, mode: Mode) -> None:
    registry = Registry(CompatConfig(mode, Policy.LENIENT))
    v1, v11, v12 = _removed_then_retyped(ticks)
    registry.publish("1.0.0", v1)
    registry.publish("1.1.0", v11)
    with pytest.raises(BumpRequired) as caught:
        registry.publish("1.2.0", v12)
    assert (caught.value.required_bump, caught.value.actual_bump) == ("major", "minor")
    against_first = [c for c in caught.value.changes if c["against"] == "1.0.0"]
    assert against_first
    assert all(change["breaking"] for change in against_first)
    assert "#/properties/side" in {c["path"] for c in against_first}
    assert "Field 'side'" in " ".join(c["message"] for c in against_first)
    # A MAJOR bump starts a new line: nothing earlier constrains it.
    v2 = v12 | {"version": "2.0.0"}
    plan = registry.publish("2.0.0", v2)
    assert (plan.required_bump, plan.checked_against) == ("minor", ["1.1.0"])


def test_transitive_checks_stay_on_the_candidates_line(ticks: Ticks) -> None:
    registry = Registry(CompatConfig(Mode.FULL_TRANSITIVE))
    registry.publish("1.0.0", ticks("1.0.0"))
    registry.publish("2.0.0", ticks("2.0.0"))
    doc = as_version(ticks, "2.0.0", "2.0.1")
    doc["description"] = "renamed price"
    plan = registry.publish("2.0.1", doc)
    assert (plan.checked_against, plan.required_bump) == (["2.0.0"], "patch")


def test_transitive_does_not_charge_compatible_history_again(ticks: Ticks) -> None:
    # 1.0.0 → 1.1.0 added a column; 1.1.1 only edits a description. Against 1.0.0 the candidate
    # differs by a column too, but that MINOR change was already paid for by 1.1.0.
    registry = Registry(CompatConfig(Mode.BACKWARD_TRANSITIVE))
    registry.publish("1.0.0", ticks("1.0.0"))
    registry.publish("1.1.0", ticks("1.1.0"))
    doc = as_version(ticks, "1.1.0", "1.1.1")
    doc["description"] = "with exchange ids"
    plan = registry.publish("1.1.1", doc)
    assert plan.required_bump == "patch"
    assert plan.checked_against == ["1.1.0", "1.0.0"]


def test_full_mode_refuses_a_column_old_readers_reject(ticks: Ticks) -> None:
    # additionalProperties is false: a 1.0.0 reader rejects records carrying exchange_id.
    registry = Registry(CompatConfig(Mode.FULL))
    registry.publish("1.0.0", ticks("1.0.0"))
    with pytest.raises(BumpRequired) as caught:
        registry.publish("1.1.0", ticks("1.1.0"))
    assert (caught.value.required_bump, caught.value.actual_bump) == ("major", "minor")
    assert any(c["message"].startswith("forward: ") for c in caught.value.changes)


def test_forward_mode_judges_the_other_direction(ticks: Ticks) -> None:
    forward = Registry(CompatConfig(Mode.FORWARD))
    forward.publish("1.0.0", ticks("1.0.0"))
    with pytest.raises(BumpRequired):
        forward.publish("1.1.0", ticks("1.1.0"))
    # Dropping an optional column: old readers still read new data, new readers not old data.
    dropped = without_side(ticks, "1.0.0") | {"version": "1.1.0"}
    assert forward.publish("1.1.0", dropped).required_bump == "minor"
    backward = Registry()
    backward.publish("1.0.0", ticks("1.0.0"))
    with pytest.raises(BumpRequired) as caught:
        backward.publish("1.1.0", dropped)
    assert caught.value.required_bump == "major"


def test_lenient_policy_allows_dropping_an_optional_column(ticks: Ticks) -> None:
    registry = Registry(LENIENT)
    registry.publish("1.0.0", ticks("1.0.0"))
    plan = registry.publish("1.1.0", without_side(ticks, "1.0.0") | {"version": "1.1.0"})
    assert (plan.required_bump, plan.breaking) == ("minor", False)
    assert change_types(plan.changes) == [
        "ARROW_FIELD_REMOVED",
        "PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL",
    ]


def test_mode_none_reports_but_never_refuses(ticks: Ticks) -> None:
    registry = Registry(CompatConfig(Mode.NONE))
    registry.publish("1.1.0", ticks("1.1.0"))
    # A rename claimed as a patch: reported, not refused, and nothing counts as breaking.
    plan = registry.publish("1.1.1", as_version(ticks, "2.0.0", "1.1.1"))
    assert plan.breaking is False
    assert plan.required_bump == "minor"
    assert "Field 'price' renamed to 'last_price'" in [c["message"] for c in plan.changes]
    # Version rules still hold under NONE.
    with pytest.raises(VersionConflict):
        registry.publish("1.0.0", ticks("1.0.0"))


def test_stored_documents_may_be_bytes(ticks: Ticks) -> None:
    first = prepare("ticks_v1", None, ticks("1.0.0"))
    history = [ExistingVersion(first.version, first.canonical, first.fingerprint)]
    plan = plan_publish(prepare("ticks_v1", None, ticks("1.1.0")), history, BACKWARD)
    assert plan.required_bump == "minor"


# -- dry run ---------------------------------------------------------------------------------


def test_check_compat_has_the_api_shape(ticks: Ticks) -> None:
    against = stored(prepare("ticks_v1", None, ticks("1.1.0")))
    result = check_compat(ticks("2.0.0"), against, CompatConfig(Mode.BACKWARD_TRANSITIVE))
    assert set(result) == {"compatible", "against", "mode", "policy", "required_bump", "changes"}
    assert result["compatible"] is False
    assert result["against"] == "1.1.0"
    assert (result["mode"], result["policy"]) == ("BACKWARD_TRANSITIVE", "STRICT")
    assert result["required_bump"] == "major"
    assert any(c["type"] == "ARROW_FIELD_RENAMED" for c in result["changes"])


def test_check_compat_under_none_and_lenient(ticks: Ticks) -> None:
    against = stored(prepare("ticks_v1", None, ticks("1.0.0")))
    none = check_compat(ticks("2.0.0"), against, CompatConfig(Mode.NONE))
    assert (none["compatible"], none["mode"]) == (True, "NONE")
    assert none["changes"]
    lenient = check_compat(without_side(ticks, "1.0.0"), against, LENIENT)
    assert (lenient["compatible"], lenient["policy"]) == (True, "LENIENT")


def test_check_compat_accepts_bytes_and_reports_broken_candidates(ticks: Ticks) -> None:
    against = stored(prepare("ticks_v1", None, ticks("1.0.0")))
    as_bytes = prepare("ticks_v1", None, ticks("1.1.0")).canonical
    assert check_compat(as_bytes, against, BACKWARD)["required_bump"] == "minor"
    with pytest.raises(InvalidSchema) as caught:
        check_compat(b'{"type": ', against, BACKWARD)
    assert "invalid JSON" in caught.value.problems[0]
