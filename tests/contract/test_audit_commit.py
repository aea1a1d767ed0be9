"""Audit entries committed with the change they record: same transaction, the commit's time."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Awaitable, Callable

import pytest

from service.storage import EtcdStore, SqliteStore, Store
from service.storage.contract import AuditEntry, Conflict, Event, NotFound, VersionExists
from tests.contract.conftest import StoreFactory
from tests.contract.samples import audit_entry, new_version, publish, take

pytestmark = pytest.mark.asyncio

# What a caller would put in the entry; the store replaces it with the commit's time.
CALLER_TIME = "2000-01-01T00:00:00Z"


def _stamped(entry: AuditEntry, time: str) -> AuditEntry:
    return dataclasses.replace(entry, time=time)


async def test_a_publish_commits_its_entry_at_the_version_time(store: Store) -> None:
    entry = audit_entry(CALLER_TIME, "publish", version="1.0.0")
    stored = await store.create_version(
        new_version("ticks_v1", "1.0.0"), expected_mod_revision=0, event_data={}, audit=entry
    )
    [listed] = await store.list_audit()
    assert listed == _stamped(entry, stored.created_at)
    assert (listed.role, listed.client, listed.details) == (
        "ci-bot",
        "192.0.2.7",
        {"version": "1.0.0"},
    )
    assert await store.revision() == 1


async def test_a_soft_delete_commits_its_entry_at_the_event_time(store: Store) -> None:
    await publish(store, "a")
    entry = audit_entry(CALLER_TIME, "delete", permanent=False)
    revision = await store.delete("a", permanent=False, event_data={}, audit=entry)
    [event] = await take(store.watch(revision - 1), 1)
    record = await store.get("a")
    assert record is not None
    assert event.time == record.updated_at
    assert await store.list_audit() == [_stamped(entry, event.time)]


async def test_a_permanent_delete_commits_its_entry_at_the_event_time(store: Store) -> None:
    await publish(store, "a")
    await store.delete("a", permanent=False, event_data={})
    entry = audit_entry(CALLER_TIME, "delete", permanent=True)
    revision = await store.delete("a", permanent=True, event_data={}, audit=entry)
    [event] = await take(store.watch(revision - 1), 1)
    assert await store.get("a") is None
    assert await store.list_audit() == [_stamped(entry, event.time)]


@pytest.mark.parametrize("schema_id", [None, "ticks_v1"])
async def test_a_config_put_commits_its_entry_at_the_event_time(
    store: Store, schema_id: str | None
) -> None:
    entry = audit_entry(CALLER_TIME, "config", mode="FULL")
    revision = await store.put_config(schema_id, {"mode": "FULL"}, event_data={}, audit=entry)
    [event] = await take(store.watch(revision - 1), 1)
    assert await store.list_audit() == [_stamped(entry, event.time)]


async def test_committed_and_appended_entries_list_together_by_time(store: Store) -> None:
    # A rejection recorded on its own sits among the entries committed with changes, by time.
    first = await publish(store, "a", "1.0.0")
    await store.append_audit(audit_entry(first.created_at, "rejected"))
    entry = audit_entry(CALLER_TIME, "publish")
    second = await store.create_version(
        new_version("a", "1.1.0"), expected_mod_revision=1, event_data={}, audit=entry
    )
    listed = await store.list_audit(since=first.created_at)
    assert [(e.action, e.time) for e in listed] == [
        ("rejected", first.created_at),
        ("publish", second.created_at),
    ]


Attempt = Callable[[Store, AuditEntry], Awaitable[object]]

# Each is refused on a store holding live "a" 1.0.0 (revision 1) and soft-deleted "b".
REFUSALS: dict[str, tuple[Attempt, type[Exception]]] = {
    "version exists": (
        lambda s, e: s.create_version(
            new_version("a", "1.0.0"), expected_mod_revision=1, event_data={}, audit=e
        ),
        VersionExists,
    ),
    "stale expected_mod_revision": (
        lambda s, e: s.create_version(
            new_version("a", "1.1.0"), expected_mod_revision=0, event_data={}, audit=e
        ),
        Conflict,
    ),
    "delete of an absent id": (
        lambda s, e: s.delete("nope", permanent=False, event_data={}, audit=e),
        NotFound,
    ),
    "soft delete of a deleted id": (
        lambda s, e: s.delete("b", permanent=False, event_data={}, audit=e),
        NotFound,
    ),
    "permanent delete of a live id": (
        lambda s, e: s.delete("a", permanent=True, event_data={}, audit=e),
        Conflict,
    ),
    "config for the empty id": (
        lambda s, e: s.put_config("", {"mode": "FULL"}, event_data={}, audit=e),
        ValueError,
    ),
    "event data that is not JSON": (
        lambda s, e: s.put_config("a", {}, event_data={"x": object()}, audit=e),
        ValueError,
    ),
    "audit details that are not JSON": (
        lambda s, e: s.put_config(
            "a", {}, event_data={}, audit=dataclasses.replace(e, details={"x": b"\x00"})
        ),
        ValueError,
    ),
}


@pytest.mark.parametrize("case", sorted(REFUSALS))
async def test_a_refused_write_stores_no_entry(store: Store, case: str) -> None:
    await publish(store, "a")
    await publish(store, "b")
    await store.delete("b", permanent=False, event_data={})
    revision = await store.revision()
    attempt, error = REFUSALS[case]
    with pytest.raises(error):
        await attempt(store, audit_entry(CALLER_TIME, "refused"))
    assert await store.list_audit() == []
    assert await store.revision() == revision
    assert await store.get_config("a") is None


async def test_a_watcher_that_sees_the_event_finds_the_entry(store: Store) -> None:
    watch = store.watch(0)

    async def each_event_with_the_log() -> list[tuple[Event, list[AuditEntry]]]:
        # Reads the log as soon as each event arrives: its entry must already be there.
        seen: list[tuple[Event, list[AuditEntry]]] = []
        for _ in range(3):
            [event] = await take(watch, 1)
            seen.append((event, await store.list_audit()))
        return seen

    pending = asyncio.create_task(each_event_with_the_log())
    await asyncio.sleep(0)
    await store.create_version(
        new_version("a"), expected_mod_revision=0, event_data={}, audit=audit_entry(CALLER_TIME)
    )
    await store.put_config("a", {}, event_data={}, audit=audit_entry(CALLER_TIME, "config"))
    await store.delete("a", permanent=False, event_data={}, audit=audit_entry(CALLER_TIME, "del"))
    # After the last commit returns, every event and every entry is there.
    assert [e.action for e in await store.list_audit()] == ["publish", "config", "del"]
    seen = await pending
    for (event, log), action in zip(seen, ["publish", "config", "del"], strict=True):
        assert (action, event.time) in [(e.action, e.time) for e in log]


async def test_concurrent_writes_each_commit_exactly_their_entry(store: Store) -> None:
    # Writes that share a transaction (etcd's group commit), and ones the batch retries alone
    # after a refused compare, write one entry per committed change and none for a refusal.
    await publish(store, "taken")
    results = await asyncio.gather(
        *(
            store.create_version(
                new_version(f"id_{n}"),
                expected_mod_revision=0,
                event_data={},
                audit=audit_entry(CALLER_TIME, f"publish-{n}"),
            )
            for n in range(8)
        ),
        store.create_version(
            new_version("taken", "2.0.0"),
            expected_mod_revision=0,
            event_data={},
            audit=audit_entry(CALLER_TIME, "stale"),
        ),
        return_exceptions=True,
    )
    assert isinstance(results[-1], Conflict)
    listed = await store.list_audit()
    assert sorted(e.action for e in listed) == sorted(f"publish-{n}" for n in range(8))
    created = {r.schema_id: r.created_at for r in results[:-1] if not isinstance(r, BaseException)}
    assert len(created) == 8
    assert sorted(e.time for e in listed) == sorted(created.values())


def _reopened(store: Store) -> Store:
    """A new, unstarted store on the same data as `store`."""
    if isinstance(store, SqliteStore):
        return SqliteStore(store.path)
    if isinstance(store, EtcdStore):
        return EtcdStore(store.connection.endpoints, prefix=store.keys.prefix.decode())
    pytest.skip("the memory store is not durable")


async def test_committed_entries_survive_a_reopen(make_store: StoreFactory) -> None:
    store = await make_store()
    reopened = _reopened(store)
    stored = await store.create_version(
        new_version("a"), expected_mod_revision=0, event_data={}, audit=audit_entry(CALLER_TIME)
    )
    await store.put_config(None, {}, event_data={}, audit=audit_entry(CALLER_TIME, "config"))
    before = await store.list_audit()
    await store.close()
    await reopened.start()
    try:
        assert await reopened.list_audit() == before
        assert before[0] == _stamped(audit_entry(CALLER_TIME), stored.created_at)
        assert before[1].role == "ci-bot"
    finally:
        await reopened.close()
