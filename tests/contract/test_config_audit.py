"""Configs (global and per id) and the audit log."""

from __future__ import annotations

import pytest

from service.storage import Store
from service.storage.contract import CONFIG_UPDATED, Governed
from tests.contract.samples import audit_entry, publish, take

pytestmark = pytest.mark.asyncio


async def test_configs_start_unset(store: Store) -> None:
    assert await store.get_config(None) is None
    assert await store.get_config("ticks_v1") is None


async def test_global_and_per_id_configs_are_separate(store: Store) -> None:
    assert await store.put_config(None, {"mode": "BACKWARD"}, event_data={}) == 1
    assert await store.put_config("ticks_v1", {"mode": "FULL"}, event_data={}) == 2
    assert await store.get_config(None) == {"mode": "BACKWARD"}
    assert await store.get_config("ticks_v1") == {"mode": "FULL"}
    assert await store.get_config("bars_v1") is None


async def test_put_replaces_the_whole_config(store: Store) -> None:
    await store.put_config("a", {"mode": "FULL", "policy": "STRICT"}, event_data={})
    await store.put_config("a", {"mode": "NONE"}, event_data={})
    assert await store.get_config("a") == {"mode": "NONE"}


async def test_each_put_commits_one_event(store: Store) -> None:
    await store.put_config(None, {"mode": "FULL"}, event_data={"by": "admin"})
    await store.put_config("a", {"mode": "NONE"}, event_data={})
    first, second = await take(store.watch(0), 2)
    assert (first.revision, first.type, first.subject) == (1, CONFIG_UPDATED, "")
    assert first.data == {"by": "admin", "id": None, "config": {"mode": "FULL"}}
    assert (second.revision, second.type, second.subject) == (2, CONFIG_UPDATED, "a")
    assert second.data == {"id": "a", "config": {"mode": "NONE"}}


async def test_returned_configs_are_copies(store: Store) -> None:
    tags = ["x"]
    await store.put_config("a", {"mode": "FULL", "tags": tags}, event_data={})
    tags.append("changed after put")
    read = await store.get_config("a")
    assert read == {"mode": "FULL", "tags": ["x"]}
    assert read is not None
    read["mode"] = "changed after get"
    assert await store.get_config("a") == {"mode": "FULL", "tags": ["x"]}


async def test_bad_configs_are_refused_without_a_commit(store: Store) -> None:
    with pytest.raises(ValueError, match="JSON"):
        await store.put_config("a", {"mode": object()}, event_data={})
    with pytest.raises(ValueError, match="non-empty"):
        await store.put_config("", {"mode": "FULL"}, event_data={})
    with pytest.raises(ValueError, match="non-empty"):
        await store.get_config("")
    assert await store.revision() == 0
    assert await store.get_config("a") is None


async def test_audit_lists_oldest_first_with_since_and_limit(store: Store) -> None:
    times = ["2026-01-01T00:00:03Z", "2026-01-01T00:00:01Z", "2026-01-01T00:00:02Z"]
    for n, time in enumerate(times):
        await store.append_audit(audit_entry(time, f"action-{n}", n=n))
    listed = await store.list_audit()
    assert [e.action for e in listed] == ["action-1", "action-2", "action-0"]
    assert listed[0].details == {"n": 1}
    assert (listed[0].principal, listed[0].role, listed[0].client) == (
        "deploy-pipeline",
        "ci-bot",
        "192.0.2.7",
    )
    since = await store.list_audit(since="2026-01-01T00:00:02Z")
    assert [e.action for e in since] == ["action-2", "action-0"]
    assert [e.action for e in await store.list_audit(limit=1)] == ["action-1"]
    assert await store.list_audit(since="2026-01-02T00:00:00Z") == []


async def test_audit_times_are_normalised_to_utc(store: Store) -> None:
    await store.append_audit(audit_entry("2026-01-01T02:00:00+02:00", "east"))
    await store.append_audit(audit_entry("2026-01-01T00:30:00Z", "west"))
    listed = await store.list_audit(since="2026-01-01T01:00:00+01:00")
    assert [(e.action, e.time) for e in listed] == [
        ("east", "2026-01-01T00:00:00.000000Z"),
        ("west", "2026-01-01T00:30:00.000000Z"),
    ]


async def test_audit_keeps_append_order_for_equal_times(store: Store) -> None:
    for action in ["first", "second", "third"]:
        await store.append_audit(audit_entry("2026-01-01T00:00:00Z", action))
    assert [e.action for e in await store.list_audit()] == ["first", "second", "third"]


async def test_bad_audit_entries_are_refused(store: Store) -> None:
    with pytest.raises(ValueError, match="RFC 3339"):
        await store.append_audit(audit_entry("yesterday"))
    with pytest.raises(ValueError, match="JSON"):
        await store.append_audit(audit_entry("2026-01-01T00:00:00Z", blob=b"\x00"))
    with pytest.raises(ValueError, match="RFC 3339"):
        await store.list_audit(since="last week")
    assert await store.list_audit() == []


async def test_governed_reads_a_record_with_its_configs(store: Store) -> None:
    governed = await store.get_governed("ticks_v1")
    assert governed == Governed(None, None, None)
    await publish(store, "ticks_v1", "1.0.0")
    await store.put_config(None, {"mode": "FULL"}, event_data={})
    await store.put_config("ticks_v1", {"policy": "LENIENT"}, event_data={})
    await store.put_config("other", {"mode": "NONE"}, event_data={})
    governed = await store.get_governed("ticks_v1")
    assert governed.record == await store.get("ticks_v1")
    assert governed.global_config == {"mode": "FULL"}
    assert governed.config == {"policy": "LENIENT"}
    # A config may exist for an id that has no record yet.
    other = await store.get_governed("other")
    assert other == Governed(None, {"mode": "FULL"}, {"mode": "NONE"})
