"""The export format: building a dump from a snapshot, validating one into an import plan.

A dump is a JSON object::

    {"format": "schema-registry-dump", "format_version": 2, "revision": 12,
     "exported_at": "…Z",
     "schemas": [{"id": "ticks_v1", "deleted": false, "updated_at": "…Z",
                  "versions": [{"version": "1.0.0", "document": "{…}", "fingerprint": "…",
                                "created_at": "…Z", "revision": 3}]}],
     "configs": {"global": {…} | null, "schemas": {"ticks_v1": {…}}},
     "audit": [{"principal": …, "action": …, "target": …, "outcome": …,
                "request_id": …, "time": …, "details": {…}, "role": …, "client": …}]}

`revision` values are the source store's, kept only to replay versions in commit order.
Format 1 is format 2 without the audit entries' `role` and `client`; it still imports, and
its entries read back with both "".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from service.storage import timestamps
from service.storage.codec import encode_object
from service.storage.contract import AuditEntry, NewVersion, SchemaRecord, Snapshot, version_key

FORMAT = "schema-registry-dump"
FORMAT_VERSION = 2
# The text fields of an audit entry in each format_version `parse_dump` reads: older dumps are
# still restorable, and what they lack reads back as the field's default.
_AUDIT_TEXT: dict[int, tuple[str, ...]] = {
    1: ("principal", "action", "target", "outcome", "request_id"),
    2: ("principal", "action", "target", "outcome", "request_id", "role", "client"),
}
READABLE_VERSIONS = tuple(sorted(_AUDIT_TEXT))
IMPORTED: dict[str, Any] = {"imported": True}


@dataclass(frozen=True, slots=True)
class VersionStep:
    """Replay one version, stamped with its original creation time."""

    version: NewVersion
    created_at: str


@dataclass(frozen=True, slots=True)
class DeleteStep:
    """Replay the soft delete of an id at its original time."""

    schema_id: str
    time: str


@dataclass(frozen=True, slots=True)
class ConfigStep:
    """Replay one config (None: the global one)."""

    schema_id: str | None
    config: dict[str, Any]


Step = VersionStep | DeleteStep | ConfigStep


@dataclass(frozen=True, slots=True)
class ImportPlan:
    """A validated dump: the changes to commit in order, and the audit entries to add."""

    steps: tuple[Step, ...]
    audit: tuple[AuditEntry, ...]


def build_dump(snapshot: Snapshot, audit: Sequence[AuditEntry]) -> dict[str, Any]:
    """The JSON-ready dump of `snapshot` and the whole audit log."""
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "revision": snapshot.revision,
        "exported_at": timestamps.now(),
        "schemas": [_record_dump(record) for record in snapshot.records],
        "configs": {"global": snapshot.global_config, "schemas": dict(snapshot.configs)},
        "audit": [
            {
                "principal": entry.principal,
                "action": entry.action,
                "target": entry.target,
                "outcome": entry.outcome,
                "request_id": entry.request_id,
                "time": entry.time,
                "details": entry.details,
                "role": entry.role,
                "client": entry.client,
            }
            for entry in audit
        ],
    }


def _record_dump(record: SchemaRecord) -> dict[str, Any]:
    return {
        "id": record.schema_id,
        "deleted": record.deleted,
        "updated_at": record.updated_at,
        "versions": [
            {
                "version": stored.version,
                "document": stored.document.decode("utf-8"),
                "fingerprint": stored.fingerprint,
                "created_at": stored.created_at,
                "revision": stored.revision,
            }
            for stored in record.versions
        ],
    }


def _get(obj: Mapping[str, Any], key: str, kind: type | tuple[type, ...], where: str) -> Any:
    if not isinstance(obj, Mapping):
        raise ValueError(f"dump: {where} must be an object")
    value = obj.get(key)
    # bool is an int subclass: a revision of `true` is malformed, not 1.
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise ValueError(f"dump: {where}.{key} is missing or not {_kind_name(kind)}")
    return value


def _time(obj: Mapping[str, Any], key: str, where: str) -> str:
    text = _get(obj, key, str, where)
    try:
        return timestamps.normalize(text)
    except ValueError as exc:
        raise ValueError(f"dump: {where}.{key}: {exc}") from None


def _kind_name(kind: type | tuple[type, ...]) -> str:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return " or ".join(k.__name__ for k in kinds)


def parse_dump(dump: Mapping[str, Any]) -> ImportPlan:
    """Validate `dump` whole and turn it into an import plan; `ValueError` on any defect."""
    if _get(dump, "format", str, "dump") != FORMAT:
        raise ValueError(f"dump: format is not {FORMAT!r}")
    format_version = _get(dump, "format_version", int, "dump")
    if format_version not in READABLE_VERSIONS:
        readable = " or ".join(str(v) for v in READABLE_VERSIONS)
        raise ValueError(f"dump: only format_version {readable} can be imported")
    versions: list[tuple[int, VersionStep]] = []
    deletes: list[DeleteStep] = []
    seen: set[str] = set()
    for index, raw in enumerate(_get(dump, "schemas", list, "dump")):
        where = f"schemas[{index}]"
        schema_id = _get(raw, "id", str, where)
        if schema_id in seen:
            raise ValueError(f"dump: {where}: id {schema_id!r} appears twice")
        seen.add(schema_id)
        versions.extend(_parse_versions(raw, schema_id, where))
        updated_at = _time(raw, "updated_at", where)
        if _get(raw, "deleted", bool, where):
            deletes.append(DeleteStep(schema_id, updated_at))
    versions.sort(key=lambda item: item[0])
    steps: list[Step] = [step for _, step in versions]
    steps.extend(deletes)
    steps.extend(_parse_configs(_get(dump, "configs", Mapping, "dump")))
    audit = tuple(
        _parse_audit(raw, f"audit[{index}]", _AUDIT_TEXT[format_version])
        for index, raw in enumerate(_get(dump, "audit", list, "dump"))
    )
    return ImportPlan(tuple(steps), audit)


def _parse_versions(
    raw: Mapping[str, Any], schema_id: str, where: str
) -> list[tuple[int, VersionStep]]:
    items = _get(raw, "versions", list, where)
    if not items:
        raise ValueError(f"dump: {where}: a schema has at least one version")
    parsed: dict[tuple[int, int, int], tuple[int, VersionStep]] = {}
    for index, item in enumerate(items):
        at = f"{where}.versions[{index}]"
        try:
            version = NewVersion(
                schema_id=schema_id,
                version=_get(item, "version", str, at),
                document=_get(item, "document", str, at).encode("utf-8"),
                fingerprint=_get(item, "fingerprint", str, at),
            )
        except UnicodeError as exc:
            raise ValueError(f"dump: {at}.document is not valid text: {exc}") from None
        except ValueError as exc:
            raise ValueError(f"dump: {at}: {exc}") from None
        key = version_key(version.version)
        if key in parsed:
            raise ValueError(f"dump: {at}: version {version.version} appears twice")
        created_at = _time(item, "created_at", at)
        parsed[key] = (_get(item, "revision", int, at), VersionStep(version, created_at))
    return list(parsed.values())


def _parse_configs(raw: Mapping[str, Any]) -> list[ConfigStep]:
    steps: list[ConfigStep] = []
    global_config = raw.get("global")
    if global_config is not None:
        encode_object(global_config, "dump: configs.global")
        steps.append(ConfigStep(None, global_config))
    per_id = _get(raw, "schemas", Mapping, "configs")
    for schema_id in sorted(per_id):
        if not isinstance(schema_id, str) or not schema_id:
            raise ValueError("dump: configs.schemas keys must be non-empty ids")
        encode_object(per_id[schema_id], f"dump: configs.schemas[{schema_id!r}]")
        steps.append(ConfigStep(schema_id, per_id[schema_id]))
    return steps


def _parse_audit(raw: Mapping[str, Any], where: str, fields: tuple[str, ...]) -> AuditEntry:
    # A format 1 entry has no role or client: AuditEntry's defaults ("") stand in for them.
    text = {name: _get(raw, name, str, where) for name in fields}
    details = _get(raw, "details", dict, where)
    encode_object(details, f"dump: {where}.details")
    return AuditEntry(**text, time=_time(raw, "time", where), details=details)
