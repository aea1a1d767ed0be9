"""Base vs head snapshots, per schema id: versions added, removed or edited in place, and for
each new version what the registry's publishing rules say about it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import compat_rs
from service.diffbot.schemafile import SchemaFile
from service.diffbot.tree import Key, Snapshot
from service.domain.config import CompatConfig
from service.domain.errors import BumpRequired, DomainError
from service.domain.publishing import ExistingVersion, plan_publish
from service.domain.versions import Bump, Version, as_bump, bump_between

Kind = Literal["added", "removed", "modified"]
Verdict = Literal[
    "ok", "insufficient_bump", "version_conflict", "immutable_edit", "deleted", "invalid"
]


@dataclass(frozen=True, slots=True)
class VersionReport:
    """One version that differs between base and head, and whether that is acceptable."""

    schema_id: str
    version: Version
    kind: Kind
    path: str
    verdict: Verdict
    message: str
    previous: Version | None = None
    required_bump: Bump | None = None
    declared_bump: Bump | None = None
    changes: list[dict[str, Any]] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return self.verdict != "ok"

    @property
    def breaking(self) -> bool:
        """Readers of the base break: a breaking change, an edit of a published version or a
        deletion."""
        return self.kind != "added" or any(change["breaking"] for change in self.changes)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.schema_id,
            "version": str(self.version),
            "kind": self.kind,
            "path": self.path,
            "verdict": self.verdict,
            "failed": self.failed,
            "breaking": self.breaking,
            "message": self.message,
            "previous": None if self.previous is None else str(self.previous),
            "required_bump": self.required_bump,
            "declared_bump": self.declared_bump,
            "changes": self.changes,
        }


@dataclass(frozen=True, slots=True)
class Report:
    """Every differing version of every schema id, ordered by id then version."""

    base: str
    head: str
    versions: list[VersionReport]

    @property
    def failed(self) -> bool:
        return any(entry.failed for entry in self.versions)

    @property
    def breaking(self) -> bool:
        return any(entry.breaking for entry in self.versions)

    @property
    def label(self) -> str:
        return "schema:breaking" if self.breaking else "schema:compatible"


def _existing(file: SchemaFile) -> ExistingVersion:
    prepared = file.prepared
    return ExistingVersion(prepared.version, prepared.canonical, prepared.fingerprint)


def _removed(key: Key, file: SchemaFile) -> VersionReport:
    return VersionReport(
        key[0],
        key[1],
        "removed",
        file.path,
        "deleted",
        f"{key[0]} {key[1]} was deleted; published versions are immutable and readers may be "
        "pinned to it",
    )


def _modified(key: Key, old: SchemaFile, new: SchemaFile, config: CompatConfig) -> VersionReport:
    try:
        result = compat_rs.diff(
            old.prepared.canonical,
            new.prepared.canonical,
            config.mode.base.value,
            config.policy.value,
        )
        changes: list[dict[str, Any]] = result.to_dict()["changes"]
    except ValueError:
        changes = []
    return VersionReport(
        key[0],
        key[1],
        "modified",
        new.path,
        "immutable_edit",
        f"{key[0]} {key[1]} was edited in place; published versions are immutable: "
        "restore it and publish the change as a new version",
        changes=changes,
    )


def _added(
    file: SchemaFile, existing: list[ExistingVersion], config: CompatConfig
) -> VersionReport:
    schema_id, target = file.schema_id, file.version
    below = [stored.version for stored in existing if stored.version < target]
    previous = max(below) if below else None
    declared = bump_between(previous, target) if previous is not None else None

    def report(verdict: Verdict, message: str, **more: Any) -> VersionReport:
        return VersionReport(
            schema_id, target, "added", file.path, verdict, message, previous, **more
        )

    try:
        plan = plan_publish(file.prepared, existing, config)
    except BumpRequired as exc:
        return report(
            "insufficient_bump",
            f"{schema_id} {target} declares a {exc.actual_bump.upper()} bump over {previous}, "
            f"but its changes require {exc.required_bump.upper()}",
            required_bump=as_bump(exc.required_bump),
            declared_bump=declared,
            changes=exc.changes,
        )
    except DomainError as exc:
        verdict: Verdict = "version_conflict" if exc.code == "version_conflict" else "invalid"
        return report(verdict, exc.message, declared_bump=declared)
    if previous is None:
        opens = "a new schema" if not existing else "a line below every stored version"
        return report("ok", f"{schema_id} {target} is the first version of {opens}")
    return report(
        "ok",
        f"{schema_id} {target} declares a {str(declared).upper()} bump over {previous}; "
        f"its changes require {plan.required_bump.upper()}",
        required_bump=plan.required_bump,
        declared_bump=declared,
        changes=plan.changes,
    )


def compare(base: Snapshot, head: Snapshot, config_for: Callable[[str], CompatConfig]) -> Report:
    """What changed from `base` to `head`; new versions are planned in SemVer order against
    the base's versions plus the new ones before them, as publishing them would be."""
    entries: list[VersionReport] = []
    for schema_id in sorted({key[0] for key in base.files} | {key[0] for key in head.files}):
        config = config_for(schema_id)
        old = {key: file for key, file in base.files.items() if key[0] == schema_id}
        new = {key: file for key, file in head.files.items() if key[0] == schema_id}
        existing = [_existing(file) for _, file in sorted(old.items())]
        for key in sorted(old.keys() | new.keys()):
            if key not in new:
                entries.append(_removed(key, old[key]))
            elif key not in old:
                entries.append(_added(new[key], existing, config))
                existing.append(_existing(new[key]))
            elif old[key].prepared.fingerprint != new[key].prepared.fingerprint:
                entries.append(_modified(key, old[key], new[key], config))
    return Report(base.label, head.label, entries)
