"""`EtcdStore`: the contract on etcd, for any number of stateless replicas on one cluster.

Every write is part of one etcd transaction that compares the registry's revision counter (and,
for a publish, the id's compare-and-swap key), then writes the change, its event, its audit entry
(if any) and the counter together (`etcd_commit.py` batches a replica's concurrent writes into
one). Two replicas racing for one revision: one transaction fails its compare, re-reads and
tries again; two publishes of one version: exactly one wins. Key layout: `etcd_keys.py`.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Mapping, Sequence
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
    NewVersion,
    NotFound,
    SchemaRecord,
    Snapshot,
    StoredVersion,
    StoreUnavailable,
    VersionExists,
)
from service.storage.dump import (
    IMPORTED,
    ConfigStep,
    DeleteStep,
    VersionStep,
    build_dump,
    parse_dump,
)
from service.storage.etcd_commit import Change, Committer
from service.storage.etcd_connection import (
    REQUEST_TIMEOUT,
    Endpoint,
    EtcdConnection,
    absent,
    delete,
    get,
    put,
    ranged_kvs,
    value_is,
)
from service.storage.etcd_keys import (
    DEFAULT_PREFIX,
    Keys,
    decode_audit,
    decode_head,
    decode_version,
    encode_audit,
    encode_head,
    encode_version,
    range_end,
)
from service.storage.etcd_watch import follow_events


class EtcdStore:
    """Implements `Store` under one key prefix of an etcd cluster."""

    def __init__(
        self,
        endpoints: Sequence[Endpoint],
        *,
        prefix: str = DEFAULT_PREFIX,
        timeout: float = REQUEST_TIMEOUT,
    ) -> None:
        self.keys = Keys.under(prefix)
        self.connection = EtcdConnection(endpoints, timeout)
        self._committer = Committer(self.connection, self.keys)
        self._state = "new"
        # How often a watch re-read the event keys because etcd had compacted its history.
        self.watch_rereads = 0

    def __repr__(self) -> str:
        endpoints = ",".join(str(e) for e in self.connection.endpoints)
        return f"EtcdStore(etcd://{endpoints}{self.keys.prefix.decode()})"

    def _check_open(self) -> None:
        if self._state != "open":
            state = "closed" if self._state == "closed" else "not started"
            raise StoreUnavailable(f"etcd store is {state}")

    async def start(self) -> None:
        if self._state == "closed":
            raise StoreUnavailable("etcd store is closed")
        self._state = "open"
        try:
            await self.revision()
        except StoreUnavailable:
            self._state = "new"
            raise

    async def close(self) -> None:
        if self._state == "closed":
            return
        self._state = "closed"
        await self._committer.close()
        await self.connection.close()

    # -- reads -----------------------------------------------------------------------------

    async def revision(self) -> int:
        self._check_open()
        response = await self.connection.range(self.keys.revision, b"")
        return int(response.kvs[0].value) if response.kvs else 0

    async def get(self, schema_id: str) -> SchemaRecord | None:
        self._check_open()
        versions = self.keys.versions(schema_id)
        response = await self.connection.txn(
            [], [get(self.keys.head(schema_id)), get(versions, range_end(versions))], []
        )
        heads, stored = ranged_kvs(response, 0), ranged_kvs(response, 1)
        return self._record(schema_id, heads[0].value, stored) if heads else None

    async def get_governed(self, schema_id: str) -> Governed:
        self._check_open()
        keys = self.keys
        versions = keys.versions(schema_id)
        reads = [
            get(keys.head(schema_id)),
            get(versions, range_end(versions)),
            get(keys.config(None)),
            get(keys.config(schema_id)),
        ]
        response = await self.connection.txn([], reads, [])
        heads = ranged_kvs(response, 0)
        record = self._record(schema_id, heads[0].value, ranged_kvs(response, 1)) if heads else None
        configs = [ranged_kvs(response, 2), ranged_kvs(response, 3)]
        global_config, config = (decode_object(kvs[0].value) if kvs else None for kvs in configs)
        return Governed(record, global_config, config)

    def _record(self, schema_id: str, head: bytes, stored: list[Any]) -> SchemaRecord:
        deleted, updated_at, mod_revision = decode_head(head)
        # Version keys sort by semantic version, so the range is already in order.
        versions = tuple(decode_version(schema_id, kv.value) for kv in stored)
        return SchemaRecord(schema_id, versions, deleted, updated_at, mod_revision)

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
        start = self.keys.head(prefix)
        end = range_end(start) if prefix else range_end(self.keys.heads)
        if after is not None:
            start = max(start, self.keys.head(after) + b"\x00")
        heads: list[Any] = []
        revision = 0
        while len(heads) < limit and start < end:
            response = await self.connection.range(start, end, limit=limit, revision=revision)
            revision = response.header.revision
            for kv in response.kvs:
                if include_deleted or not decode_head(kv.value)[0]:
                    heads.append(kv)
            if not response.more:
                break
            start = response.kvs[-1].key + b"\x00"
        heads = heads[:limit]

        async def record(kv: Any) -> SchemaRecord:
            schema_id = self.keys.schema_id_of_head(kv.key)
            versions = self.keys.versions(schema_id)
            stored = await self.connection.range_all(versions, range_end(versions), revision)
            return self._record(schema_id, kv.value, stored)

        return list(await asyncio.gather(*(record(kv) for kv in heads)))

    async def snapshot(self) -> Snapshot:
        self._check_open()
        counter = await self.connection.range(self.keys.revision, b"")
        at = counter.header.revision
        revision = int(counter.kvs[0].value) if counter.kvs else 0
        keys = self.keys
        heads, stored, configs = await asyncio.gather(
            self.connection.range_all(keys.heads, range_end(keys.heads), at),
            self.connection.range_all(keys.all_versions, range_end(keys.all_versions), at),
            self.connection.range_all(keys.configs, range_end(keys.configs), at),
        )
        by_id: dict[str, list[Any]] = {}
        for kv in stored:
            by_id.setdefault(keys.schema_id_of_version(kv.key), []).append(kv)
        records = tuple(
            self._record(schema_id, kv.value, by_id.get(schema_id, []))
            for kv in heads
            for schema_id in [keys.schema_id_of_head(kv.key)]
        )
        global_config = None
        per_id: dict[str, dict[str, Any]] = {}
        for kv in configs:
            owner = keys.schema_id_of_config(kv.key)
            if owner is None:
                global_config = decode_object(kv.value)
            else:
                per_id[owner] = decode_object(kv.value)
        return Snapshot(revision, records, global_config, per_id)

    async def get_config(self, schema_id: str | None) -> dict[str, Any] | None:
        self._check_open()
        if schema_id == "":
            raise ValueError("schema_id must be None (global) or a non-empty id")
        response = await self.connection.range(self.keys.config(schema_id), b"")
        return decode_object(response.kvs[0].value) if response.kvs else None

    async def list_audit(self, since: str | None = None, limit: int = 100) -> list[AuditEntry]:
        self._check_open()
        if limit < 1:
            raise ValueError("limit must be at least 1")
        start = self.keys.audit + (timestamps.normalize(since).encode() if since else b"")
        end = range_end(self.keys.audit)
        kvs: list[Any] = []
        revision = 0
        # Keys sort by time; entries of one instant follow append order (their creation).
        while len(kvs) < limit:
            response = await self.connection.range(start, end, limit=limit, revision=revision)
            revision = response.header.revision
            kvs.extend(response.kvs)
            if not response.more:
                break
            start = response.kvs[-1].key + b"\x00"
        return [decode_audit(kv.value) for kv in _in_append_order(kvs)[:limit]]

    # -- writes ----------------------------------------------------------------------------

    async def create_version(
        self,
        version: NewVersion,
        *,
        expected_mod_revision: int,
        event_data: dict[str, Any],
        audit: AuditEntry | None = None,
    ) -> StoredVersion:
        data = decode_object(encode_object(event_data, "event_data"))
        now = timestamps.now()
        audit_ops = self._audit_ops(audit, now)
        return await self._create(version, expected_mod_revision, data, now, audit_ops)

    def _audit_ops(self, entry: AuditEntry | None, now: str) -> list[Any]:
        """The put that commits `entry` in its change's transaction, timed as that commit.

        Built (and its details checked) before the write queues, so a bad entry refuses the
        write with `ValueError` and nothing committed. A refused change never reaches a
        transaction, so it writes no entry; one the committer re-prepares carries this same
        single put."""
        if entry is None:
            return []
        encode_object(entry.details, "audit details")
        key = self.keys.audit_entry(now, uuid.uuid4().hex)
        return [put(key, encode_audit(entry, now))]

    async def _create(
        self,
        version: NewVersion,
        expected: int,
        data: dict[str, Any],
        now: str,
        audit_ops: Sequence[Any] = (),
    ) -> StoredVersion:
        keys = self.keys
        schema_id = version.schema_id
        version_key = keys.version(schema_id, version.version)
        cas = keys.cas(schema_id)
        committed: list[StoredVersion] = []

        def explain(response: Any) -> None:
            if ranged_kvs(response, 1):
                raise VersionExists(f"{schema_id} {version.version} already exists")
            found = ranged_kvs(response, 2)
            current = int(found[0].value) if found else 0
            raise Conflict(
                f"{schema_id} changed: expected mod_revision {expected}, found {current}"
            )

        async def prepare(revision: int) -> Change:
            stored = StoredVersion(
                schema_id, version.version, version.document, version.fingerprint, now, revision
            )
            committed[:] = [stored]
            return Change(
                compares=[
                    absent(version_key),
                    value_is(cas, str(expected).encode()) if expected else absent(cas),
                ],
                ops=[
                    put(version_key, encode_version(stored)),
                    put(keys.head(schema_id), encode_head(False, now, revision)),
                    put(cas, str(revision).encode()),
                    *audit_ops,
                ],
                reads=[get(version_key), get(cas)],
                explain=explain,
            )

        def event(revision: int) -> tuple[str, str, str, dict[str, Any]]:
            payload = {**data, "id": schema_id, "version": version.version}
            return VERSION_CREATED, schema_id, now, payload

        self._check_open()
        await self._committer.commit(schema_id, prepare, event)
        return committed[0]

    async def delete(
        self,
        schema_id: str,
        *,
        permanent: bool,
        event_data: dict[str, Any],
        audit: AuditEntry | None = None,
    ) -> int:
        data = decode_object(encode_object(event_data, "event_data"))
        now = timestamps.now()
        audit_ops = self._audit_ops(audit, now)
        return await self._delete(schema_id, permanent, data, now, audit_ops)

    async def _delete(
        self,
        schema_id: str,
        permanent: bool,
        data: dict[str, Any],
        now: str,
        audit_ops: Sequence[Any] = (),
    ) -> int:
        keys = self.keys

        async def prepare(revision: int) -> Change:
            response = await self.connection.range(keys.head(schema_id), b"")
            if not response.kvs or (decode_head(response.kvs[0].value)[0] and not permanent):
                state = "is already soft-deleted" if response.kvs else "not found"
                raise NotFound(f"schema {schema_id} {state}")
            deleted, _, mod_revision = decode_head(response.kvs[0].value)
            if permanent and not deleted:
                raise Conflict(f"schema {schema_id} must be soft-deleted before a permanent delete")
            cas = keys.cas(schema_id)
            if permanent:
                versions = keys.versions(schema_id)
                ops = [
                    delete(keys.head(schema_id)),
                    delete(cas),
                    delete(versions, range_end(versions)),
                ]
            else:
                ops = [
                    put(keys.head(schema_id), encode_head(True, now, revision)),
                    put(cas, str(revision).encode()),
                ]
            # A failed compare means the id changed since the read: prepare again.
            compares = [value_is(cas, str(mod_revision).encode())]
            return Change(compares=compares, ops=[*ops, *audit_ops])

        def event(revision: int) -> tuple[str, str, str, dict[str, Any]]:
            return SCHEMA_DELETED, schema_id, now, {**data, "id": schema_id, "permanent": permanent}

        self._check_open()
        return await self._committer.commit(schema_id, prepare, event)

    async def put_config(
        self,
        schema_id: str | None,
        config: dict[str, Any],
        *,
        event_data: dict[str, Any],
        audit: AuditEntry | None = None,
    ) -> int:
        if schema_id == "":
            raise ValueError("schema_id must be None (global) or a non-empty id")
        encoded = encode_object(config, "config")
        data = decode_object(encode_object(event_data, "event_data"))
        now = timestamps.now()
        audit_ops = self._audit_ops(audit, now)
        return await self._put_config(schema_id, encoded, data, now, audit_ops)

    async def _put_config(
        self,
        schema_id: str | None,
        config: bytes,
        data: dict[str, Any],
        now: str,
        audit_ops: Sequence[Any] = (),
    ) -> int:
        async def prepare(revision: int) -> Change:
            return Change(ops=[put(self.keys.config(schema_id), config), *audit_ops])

        def event(revision: int) -> tuple[str, str, str, dict[str, Any]]:
            payload = {**data, "id": schema_id, "config": decode_object(config)}
            return CONFIG_UPDATED, schema_id or "", now, payload

        self._check_open()
        return await self._committer.commit(None, prepare, event)

    async def append_event(self, type: str, subject: str, data: dict[str, Any]) -> int:
        if not type:
            raise ValueError("event type must be non-empty")
        payload = decode_object(encode_object(data, "event data"))
        now = timestamps.now()

        async def prepare(revision: int) -> Change:
            return Change()

        self._check_open()
        parts = (type, subject, now, payload)
        return await self._committer.commit(None, prepare, lambda revision: parts)

    async def append_audit(self, entry: AuditEntry) -> None:
        self._check_open()
        time = timestamps.normalize(entry.time)
        encode_object(entry.details, "audit details")
        value = encode_audit(entry, time)
        key = self.keys.audit_entry(time, uuid.uuid4().hex)
        await self.connection.txn([], [put(key, value)], [])

    # -- watch -----------------------------------------------------------------------------

    async def watch(self, since: int) -> AsyncIterator[Event]:
        self._check_open()
        if since < 0:
            raise ValueError("since must be >= 0")
        async for event in follow_events(self, since):
            yield event

    def note_reread(self) -> None:
        self.watch_rereads += 1

    def check_open(self) -> None:
        self._check_open()

    # -- export / import -------------------------------------------------------------------

    async def export(self) -> dict[str, Any]:
        snapshot = await self.snapshot()
        return build_dump(snapshot, await self._all_audit())

    async def _all_audit(self) -> list[AuditEntry]:
        kvs = await self.connection.range_all(
            self.keys.audit, range_end(self.keys.audit), (await self._head()).header.revision
        )
        return [decode_audit(kv.value) for kv in _in_append_order(kvs)]

    async def _head(self) -> Any:
        return await self.connection.range(self.keys.revision, b"")

    async def import_(self, dump: Mapping[str, Any]) -> None:
        """Replays the dump one change per transaction (etcd caps the operations of one
        transaction, 128 by default). A failed import leaves the steps before the failure
        committed; the store is then not empty, so clear the prefix before importing again."""
        self._check_open()
        plan = parse_dump(dump)
        current = await self.revision()
        if current:
            raise Conflict(f"import needs an empty store, not one at revision {current}")
        for step in plan.steps:
            match step:
                case VersionStep():
                    record = await self.get(step.version.schema_id)
                    expected = record.mod_revision if record else 0
                    await self._create(step.version, expected, dict(IMPORTED), step.created_at)
                case DeleteStep():
                    await self._delete(step.schema_id, False, dict(IMPORTED), step.time)
                case ConfigStep():
                    config = encode_object(step.config, "config")
                    await self._put_config(step.schema_id, config, dict(IMPORTED), timestamps.now())
        for entry in plan.audit:
            await self.append_audit(entry)


def _in_append_order(kvs: list[Any]) -> list[Any]:
    """Audit key-values by time, then (entries of one instant) by when etcd created them."""
    return sorted(kvs, key=lambda kv: (kv.key.rsplit(b"/", 1)[0], kv.create_revision))
