"""`MemoryStore`: the whole contract in process memory, for tests (not durable)."""

from __future__ import annotations

import asyncio
import dataclasses
import functools
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from service.storage import timestamps
from service.storage.codec import decode_object, encode_object
from service.storage.contract import (
    CONFIG_UPDATED,
    SCHEMA_DELETED,
    VERSION_CREATED,
    AuditEntry,
    Conflict,
    Event,
    Governed,
    HistoryCompacted,
    NewVersion,
    NotFound,
    SchemaRecord,
    Snapshot,
    StoredVersion,
    StoreUnavailable,
    VersionExists,
    version_key,
)
from service.storage.dump import (
    IMPORTED,
    ConfigStep,
    DeleteStep,
    VersionStep,
    build_dump,
    parse_dump,
)


@dataclass(slots=True)
class _Record:
    versions: dict[str, StoredVersion] = field(default_factory=dict)
    deleted: bool = False
    updated_at: str = ""
    mod_revision: int = 0

    def freeze(self, schema_id: str) -> SchemaRecord:
        ordered = sorted(self.versions.values(), key=lambda v: version_key(v.version))
        return SchemaRecord(
            schema_id, tuple(ordered), self.deleted, self.updated_at, self.mod_revision
        )


# An audit entry as kept: (time, append order, the entry, its details encoded); the tuple
# sorts by time then append order, which is the order `list_audit` returns.
_AuditRow = tuple[str, int, AuditEntry, bytes]


@dataclass(frozen=True, slots=True)
class _StoredEvent:
    # Data is kept encoded so every reader decodes its own copy, as from a real backend.
    type: str
    subject: str
    time: str
    data: bytes


class MemoryStore:
    """Implements `Store`. A write checks and commits (its audit entry too) while holding the
    condition's lock and without awaiting in between, so it is atomic on the event loop; the
    same condition wakes the watchers after each commit."""

    def __init__(self) -> None:
        self._records: dict[str, _Record] = {}
        # Key None is the global config.
        self._configs: dict[str | None, bytes] = {}
        # self._events[i] has revision i + 1: history is never compacted.
        self._events: list[_StoredEvent] = []
        self._audit: list[_AuditRow] = []
        self._changed = asyncio.Condition()
        self._state = "new"

    def _check_open(self) -> None:
        if self._state != "open":
            state = "closed" if self._state == "closed" else "not started"
            raise StoreUnavailable(f"memory store is {state}")

    async def start(self) -> None:
        if self._state == "closed":
            raise StoreUnavailable("memory store is closed")
        self._state = "open"

    async def close(self) -> None:
        async with self._changed:
            self._state = "closed"
            self._changed.notify_all()

    async def revision(self) -> int:
        self._check_open()
        return len(self._events)

    async def get(self, schema_id: str) -> SchemaRecord | None:
        self._check_open()
        record = self._records.get(schema_id)
        return record.freeze(schema_id) if record else None

    async def list_ids(
        self,
        prefix: str = "",
        limit: int = 100,
        after: str | None = None,
        *,
        include_deleted: bool = False,
    ) -> list[SchemaRecord]:
        self._check_open()
        if limit < 1:
            raise ValueError("limit must be at least 1")
        ids = sorted(
            schema_id
            for schema_id, record in self._records.items()
            if schema_id.startswith(prefix)
            and (after is None or schema_id > after)
            and (include_deleted or not record.deleted)
        )
        return [self._records[schema_id].freeze(schema_id) for schema_id in ids[:limit]]

    async def snapshot(self) -> Snapshot:
        self._check_open()
        records = tuple(self._records[i].freeze(i) for i in sorted(self._records))
        per_id = sorted((k, v) for k, v in self._configs.items() if k is not None)
        configs = {k: decode_object(v) for k, v in per_id}
        global_config = self._configs.get(None)
        return Snapshot(
            revision=len(self._events),
            records=records,
            global_config=decode_object(global_config) if global_config else None,
            configs=configs,
        )

    async def create_version(
        self,
        version: NewVersion,
        *,
        expected_mod_revision: int,
        event_data: dict[str, Any],
        audit: AuditEntry | None = None,
    ) -> StoredVersion:
        self._check_open()
        data = encode_object(event_data, "event_data")
        pending = _pending_audit(audit)
        # Check and commit under the lock: acquiring it may yield to another writer.
        async with self._changed:
            record = self._records.get(version.schema_id)
            if record is not None and version.version in record.versions:
                raise VersionExists(f"{version.schema_id} {version.version} already exists")
            current = record.mod_revision if record else 0
            if current != expected_mod_revision:
                raise Conflict(
                    f"{version.schema_id} changed: expected mod_revision "
                    f"{expected_mod_revision}, found {current}"
                )
            now = timestamps.now()
            stored = self._commit_version(version, data, now)
            self._add_audit(pending, now)
            return stored

    def _commit_version(self, version: NewVersion, data: bytes, now: str) -> StoredVersion:
        revision = self._append(
            VERSION_CREATED,
            version.schema_id,
            now,
            {**decode_object(data), "id": version.schema_id, "version": version.version},
        )
        stored = StoredVersion(
            version.schema_id,
            version.version,
            version.document,
            version.fingerprint,
            now,
            revision,
        )
        record = self._records.setdefault(version.schema_id, _Record())
        record.versions[version.version] = stored
        record.deleted, record.updated_at, record.mod_revision = False, now, revision
        return stored

    def _append(self, type: str, subject: str, now: str, data: dict[str, Any]) -> int:
        # Callers hold self._changed; waking watchers here keeps commit and notify together.
        self._events.append(_StoredEvent(type, subject, now, encode_object(data, "event data")))
        self._changed.notify_all()
        return len(self._events)

    async def delete(
        self,
        schema_id: str,
        *,
        permanent: bool,
        event_data: dict[str, Any],
        audit: AuditEntry | None = None,
    ) -> int:
        self._check_open()
        data = encode_object(event_data, "event_data")
        pending = _pending_audit(audit)
        async with self._changed:
            record = self._records.get(schema_id)
            if record is None or (record.deleted and not permanent):
                state = "is already soft-deleted" if record else "not found"
                raise NotFound(f"schema {schema_id} {state}")
            if permanent and not record.deleted:
                raise Conflict(f"schema {schema_id} must be soft-deleted before a permanent delete")
            now = timestamps.now()
            revision = self._commit_delete(schema_id, permanent, data, now)
            self._add_audit(pending, now)
            return revision

    def _commit_delete(self, schema_id: str, permanent: bool, data: bytes, now: str) -> int:
        event = {**decode_object(data), "id": schema_id, "permanent": permanent}
        revision = self._append(SCHEMA_DELETED, schema_id, now, event)
        if permanent:
            del self._records[schema_id]
        else:
            record = self._records[schema_id]
            record.deleted, record.updated_at, record.mod_revision = True, now, revision
        return revision

    async def get_config(self, schema_id: str | None) -> dict[str, Any] | None:
        self._check_open()
        if schema_id == "":
            raise ValueError("schema_id must be None (global) or a non-empty id")
        stored = self._configs.get(schema_id)
        return decode_object(stored) if stored is not None else None

    async def get_governed(self, schema_id: str) -> Governed:
        self._check_open()
        # No await in between: one consistent moment on the event loop.
        record = self._records.get(schema_id)
        stored = self._configs.get(schema_id)
        global_config = self._configs.get(None)
        return Governed(
            record.freeze(schema_id) if record else None,
            decode_object(global_config) if global_config is not None else None,
            decode_object(stored) if stored is not None else None,
        )

    async def put_config(
        self,
        schema_id: str | None,
        config: dict[str, Any],
        *,
        event_data: dict[str, Any],
        audit: AuditEntry | None = None,
    ) -> int:
        self._check_open()
        encoded = encode_object(config, "config")
        data = encode_object(event_data, "event_data")
        pending = _pending_audit(audit)
        async with self._changed:
            now = timestamps.now()
            revision = self._commit_config(schema_id, encoded, data, now)
            self._add_audit(pending, now)
            return revision

    def _commit_config(self, schema_id: str | None, config: bytes, data: bytes, now: str) -> int:
        if schema_id == "":
            raise ValueError("schema_id must be None (global) or a non-empty id")
        self._configs[schema_id] = config
        event = {**decode_object(data), "id": schema_id, "config": decode_object(config)}
        return self._append(CONFIG_UPDATED, schema_id or "", now, event)

    async def append_event(self, type: str, subject: str, data: dict[str, Any]) -> int:
        self._check_open()
        if not type:
            raise ValueError("event type must be non-empty")
        encode_object(data, "event data")
        async with self._changed:
            return self._append(type, subject, timestamps.now(), data)

    async def append_audit(self, entry: AuditEntry) -> None:
        self._check_open()
        time = timestamps.normalize(entry.time)
        self._add_audit(_pending_audit(entry), time)

    def _add_audit(self, pending: tuple[AuditEntry, bytes] | None, time: str) -> None:
        # Writes call this in the step that commits their change, so no reader sees one alone.
        if pending is not None:
            entry, details = pending
            self._audit.append((time, len(self._audit), entry, details))

    async def list_audit(self, since: str | None = None, limit: int = 100) -> list[AuditEntry]:
        self._check_open()
        if limit < 1:
            raise ValueError("limit must be at least 1")
        start = timestamps.normalize(since) if since is not None else ""
        rows = sorted(row for row in self._audit if row[0] >= start)[:limit]
        return [self._audit_entry(row) for row in rows]

    @staticmethod
    def _audit_entry(row: _AuditRow) -> AuditEntry:
        time, _, entry, details = row
        return dataclasses.replace(entry, time=time, details=decode_object(details))

    async def watch(self, since: int) -> AsyncIterator[Event]:
        self._check_open()
        if since < 0:
            raise ValueError("since must be >= 0")
        if since > len(self._events):
            raise HistoryCompacted(f"since {since} is ahead of revision {len(self._events)}")
        position = since
        while True:
            async with self._changed:
                await self._changed.wait_for(functools.partial(self._news_after, position))
                self._check_open()
                batch = self._events[position:]
            for offset, stored in enumerate(batch, start=position + 1):
                data = decode_object(stored.data)
                yield Event(offset, stored.type, stored.subject, stored.time, data)
                position = offset

    def _news_after(self, position: int) -> bool:
        return self._state != "open" or len(self._events) > position

    async def export(self) -> dict[str, Any]:
        snapshot = await self.snapshot()
        return build_dump(snapshot, [self._audit_entry(row) for row in sorted(self._audit)])

    async def import_(self, dump: Mapping[str, Any]) -> None:
        self._check_open()
        plan = parse_dump(dump)
        imported = encode_object(IMPORTED, "event data")
        # Nothing awaits inside the lock, so the import is one atomic step on the event loop.
        async with self._changed:
            if self._events:
                raise Conflict(
                    f"import needs an empty store, not one at revision {len(self._events)}"
                )
            for step in plan.steps:
                match step:
                    case VersionStep():
                        self._commit_version(step.version, imported, step.created_at)
                    case DeleteStep():
                        self._commit_delete(step.schema_id, False, imported, step.time)
                    case ConfigStep():
                        config = encode_object(step.config, "config")
                        self._commit_config(step.schema_id, config, imported, timestamps.now())
            for entry in plan.audit:
                self._add_audit(_pending_audit(entry), entry.time)


def _pending_audit(entry: AuditEntry | None) -> tuple[AuditEntry, bytes] | None:
    """`entry` with its details encoded, so that they are checked (`ValueError` unless JSON)
    before anything commits and kept as a copy the caller cannot mutate."""
    return (entry, encode_object(entry.details, "audit details")) if entry is not None else None
