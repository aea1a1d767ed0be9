"""The publishing rules of DESIGN §4 as pure functions: what a new version is checked against."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import compat_rs
from service.domain.config import CompatConfig, Mode
from service.domain.documents import PreparedDocument
from service.domain.errors import BumpRequired, InvalidSchema, VersionConflict
from service.domain.versions import Bump, Version, as_bump, bump_between, bump_rank


@dataclass(frozen=True, slots=True)
class ExistingVersion:
    """A stored version of the schema id being published to; `fingerprint` is the one
    `prepare` computed when it was published, so an identical re-publish matches it."""

    version: Version
    document: dict[str, Any] | bytes
    fingerprint: str


@dataclass(frozen=True, slots=True)
class PublishPlan:
    """What publishing a candidate means: its predecessor, required bump and changes.

    `changes` are `compat_rs` change dicts, each with an `against` key naming the version it
    was found against; `checked_against` lists those versions nearest first; `idempotent`
    means the same content is already stored under this version (the API answers 200).
    """

    previous: Version | None
    required_bump: Bump
    changes: list[dict[str, Any]] = field(default_factory=list)
    breaking: bool = False
    idempotent: bool = False
    checked_against: list[str] = field(default_factory=list)


def _diff(
    old: dict[str, Any] | bytes, new: dict[str, Any] | bytes, config: CompatConfig
) -> compat_rs.DiffResult:
    try:
        return compat_rs.diff(old, new, mode=config.mode.base.value, policy=config.policy.value)
    except ValueError as exc:
        # Stored versions passed these checks when published, so the candidate is to blame
        # (for example a recursive `$ref` graph that exhausts the engine's work budget).
        raise InvalidSchema([str(exc)]) from exc


def _tagged(
    result: compat_rs.DiffResult, against: Version, breaking_only: bool
) -> list[dict[str, Any]]:
    changes: list[dict[str, Any]] = result.to_dict()["changes"]
    return [
        {**change, "against": str(against)}
        for change in changes
        if change["breaking"] or not breaking_only
    ]


def _check_line(version: Version, stored: Sequence[Version]) -> None:
    line = [v for v in stored if v.major == version.major]
    if line and max(line) > version:
        highest = max(line)
        raise VersionConflict(
            f"{version} is not above {highest}, the highest version of the {version.major}.x line; "
            f"publish a version greater than {highest}",
            {"version": str(version), "highest": str(highest)},
        )


def plan_publish(
    candidate: PreparedDocument, existing: Sequence[ExistingVersion], config: CompatConfig
) -> PublishPlan:
    """Checks `candidate` against the stored versions under `config`; raises when refused.

    - Same version stored: same fingerprint → idempotent plan; other content → VersionConflict.
    - The version must exceed every stored version of its MAJOR line (else VersionConflict).
    - The predecessor is the highest stored version below it, on any line. Without one the
      candidate opens the schema's history (or a lower line) and needs no bump.
    - The diff predecessor → candidate gives the required bump; `*_TRANSITIVE` modes also
      diff every earlier version of the line, where any breaking change requires MAJOR.
    - The version must carry at least the required bump (else BumpRequired). A MAJOR bump
      always does, so a new line may break. Mode NONE reports but never refuses.
    """
    by_version = {stored.version: stored for stored in existing}
    target = candidate.version
    below = sorted(v for v in by_version if v < target)
    previous = below[-1] if below else None
    same = by_version.get(target)
    if same is not None:
        if same.fingerprint == candidate.fingerprint:
            return PublishPlan(previous, "none", idempotent=True)
        raise VersionConflict(
            f"{target} already exists with different content",
            {"version": str(target), "fingerprint": same.fingerprint},
        )
    _check_line(target, list(by_version))
    if previous is None:
        return PublishPlan(None, "none")
    result = _diff(by_version[previous].document, candidate.canonical, config)
    changes = _tagged(result, previous, breaking_only=False)
    required = as_bump(result.required_bump)
    checked = [previous]
    if config.mode.transitive:
        # Compatible differences from older versions were paid for by the bumps in between;
        # only a break against one of them raises what the candidate needs.
        for older in (v for v in reversed(below[:-1]) if v.major == target.major):
            broken = _tagged(
                _diff(by_version[older].document, candidate.canonical, config), older, True
            )
            changes.extend(broken)
            checked.append(older)
            if broken:
                required = "major"
    actual = bump_between(previous, target)
    if config.mode is not Mode.NONE and bump_rank(actual) < bump_rank(required):
        raise BumpRequired(required, actual, changes)
    return PublishPlan(
        previous,
        required,
        changes,
        breaking=any(change["breaking"] for change in changes),
        checked_against=[str(v) for v in checked],
    )


def check_compat(
    candidate_doc: dict[str, Any] | bytes, against: ExistingVersion, config: CompatConfig
) -> dict[str, Any]:
    """The dry-run answer: `candidate_doc` diffed against one stored version under `config`.

    Under a `*_TRANSITIVE` mode this still checks only `against`; `mode` echoes the config.
    """
    result = _diff(against.document, candidate_doc, config)
    return {
        "compatible": result.compatible,
        "against": str(against.version),
        "mode": config.mode.value,
        "policy": config.policy.value,
        "required_bump": result.required_bump,
        "changes": result.to_dict()["changes"],
    }
