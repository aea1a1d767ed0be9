"""Sample versions for the contract suite, and the waits it uses instead of sleeps."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator
from typing import Any

import orjson

from service.storage import Store
from service.storage.contract import AuditEntry, Event, NewVersion, StoredVersion

# Generous: only a broken store takes this long, and then the test fails instead of hanging.
TIMEOUT = 5.0


def document(schema_id: str, version: str, **extra: Any) -> bytes:
    """Canonical JSON (sorted keys, no whitespace) of a small registry document."""
    body = {"id": schema_id, "version": version, "type": "object", **extra}
    return orjson.dumps(body, option=orjson.OPT_SORT_KEYS)


def new_version(schema_id: str = "ticks_v1", version: str = "1.0.0", **extra: Any) -> NewVersion:
    doc = document(schema_id, version, **extra)
    return NewVersion(schema_id, version, doc, hashlib.sha256(doc).hexdigest())


async def publish(
    store: Store, schema_id: str = "ticks_v1", version: str = "1.0.0"
) -> StoredVersion:
    """Publish on top of whatever is stored, as the domain layer does."""
    record = await store.get(schema_id)
    return await store.create_version(
        new_version(schema_id, version),
        expected_mod_revision=record.mod_revision if record else 0,
        event_data={"previous": record.latest.version if record else None},
    )


def audit_entry(time: str, action: str = "publish", **details: Any) -> AuditEntry:
    return AuditEntry(
        principal="deploy-pipeline",
        action=action,
        target="ticks_v1",
        outcome="ok",
        request_id=f"req-{action}-{time}",
        time=time,
        details=details,
        role="ci-bot",
        client="192.0.2.7",
    )


async def populate(store: Store) -> None:
    """A bit of everything: versions, deletes of both kinds, configs, an event, audit entries
    committed with changes and appended on their own."""
    await publish(store, "ticks_v1", "1.0.0")
    await publish(store, "bars_v1", "1.0.0")
    await publish(store, "ticks_v1", "1.1.0")
    await publish(store, "ticks_v1", "2.0.0")
    await publish(store, "gone", "1.0.0")
    await store.delete("gone", permanent=False, event_data={})
    await store.delete("gone", permanent=True, event_data={})
    await publish(store, "old", "1.0.0")
    # These two entries commit with their change, at its time rather than the one given here.
    deleted = audit_entry("2026-01-03T00:00:00Z", "delete", permanent=False)
    await store.delete("old", permanent=False, event_data={}, audit=deleted)
    await store.put_config(None, {"mode": "BACKWARD"}, event_data={})
    configured = audit_entry("2026-01-03T00:00:00Z", "config", mode="FULL")
    await store.put_config("ticks_v1", {"mode": "FULL"}, event_data={}, audit=configured)
    await store.append_event("validation.failure.reported", "ticks_v1", {"invalid": 1})
    await store.append_audit(audit_entry("2026-01-01T00:00:00Z", "publish", version="1.0.0"))
    await store.append_audit(audit_entry("2026-01-02T00:00:00Z", "delete"))


async def take(events: AsyncIterator[Event], count: int) -> list[Event]:
    """The next `count` events of a watch; fails the test if they do not all come in time."""
    async with asyncio.timeout(TIMEOUT):
        return [await anext(events) for _ in range(count)]
