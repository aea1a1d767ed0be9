"""Publishing: the compare-and-swap on mod_revision, duplicate versions, the event it commits."""

from __future__ import annotations

import asyncio

import pytest

from service.storage import Store
from service.storage.contract import VERSION_CREATED, Conflict, StoredVersion, VersionExists
from tests.contract.samples import new_version, publish, take

pytestmark = pytest.mark.asyncio

CONTENDERS = 20


async def test_one_of_twenty_concurrent_publishes_wins(store: Store) -> None:
    base = await publish(store, "ticks_v1", "1.0.0")
    results = await asyncio.gather(
        *(
            store.create_version(
                new_version("ticks_v1", f"1.{n + 1}.0"),
                expected_mod_revision=base.revision,
                event_data={"contender": n},
            )
            for n in range(CONTENDERS)
        ),
        return_exceptions=True,
    )
    winners = [r for r in results if isinstance(r, StoredVersion)]
    losers = [r for r in results if isinstance(r, Conflict)]
    assert len(winners) == 1
    assert len(losers) == CONTENDERS - 1
    assert not any(isinstance(r, VersionExists) for r in losers)
    assert await store.revision() == 2
    record = await store.get("ticks_v1")
    assert record is not None
    assert [v.version for v in record.versions] == ["1.0.0", winners[0].version]
    assert record.mod_revision == winners[0].revision == 2


async def test_one_of_twenty_concurrent_first_publishes_wins(store: Store) -> None:
    results = await asyncio.gather(
        *(
            store.create_version(
                new_version("fills_v1", "1.0.0", title=f"contender {n}"),
                expected_mod_revision=0,
                event_data={},
            )
            for n in range(CONTENDERS)
        ),
        return_exceptions=True,
    )
    winners = [r for r in results if isinstance(r, StoredVersion)]
    assert len(winners) == 1
    assert sum(isinstance(r, Conflict) for r in results) == CONTENDERS - 1
    record = await store.get("fills_v1")
    assert record is not None
    assert record.versions == (winners[0],)
    assert await store.revision() == 1


async def test_an_existing_version_is_a_version_conflict(store: Store) -> None:
    first = await publish(store, "ticks_v1", "1.0.0")
    with pytest.raises(VersionExists, match=r"1\.0\.0"):
        # Even with the right mod_revision: versions are immutable.
        await store.create_version(
            new_version("ticks_v1", "1.0.0", title="other"),
            expected_mod_revision=first.revision,
            event_data={},
        )
    record = await store.get("ticks_v1")
    assert record is not None
    assert record.versions == (first,)
    assert await store.revision() == 1


async def test_a_stale_mod_revision_is_a_conflict(store: Store) -> None:
    first = await publish(store, "ticks_v1", "1.0.0")
    await publish(store, "ticks_v1", "1.1.0")
    with pytest.raises(Conflict, match="mod_revision"):
        await store.create_version(
            new_version("ticks_v1", "1.2.0"), expected_mod_revision=first.revision, event_data={}
        )
    with pytest.raises(Conflict):
        await store.create_version(
            new_version("ticks_v1", "1.2.0"), expected_mod_revision=0, event_data={}
        )
    assert await store.revision() == 2


async def test_expecting_a_record_that_does_not_exist_is_a_conflict(store: Store) -> None:
    with pytest.raises(Conflict):
        await store.create_version(new_version(), expected_mod_revision=3, event_data={})
    assert await store.get("ticks_v1") is None
    assert await store.revision() == 0


async def test_mod_revision_is_per_id(store: Store) -> None:
    a = await publish(store, "a")
    await publish(store, "b")
    # b's commit moved the store revision but not a's mod_revision.
    stored = await store.create_version(
        new_version("a", "1.1.0"), expected_mod_revision=a.revision, event_data={}
    )
    assert stored.revision == 3


async def test_publishing_commits_one_event_with_the_callers_data(store: Store) -> None:
    event_data = {"previous": None, "breaking": False, "changes": [{"path": "/x"}]}
    stored = await store.create_version(
        new_version("ticks_v1", "1.0.0"), expected_mod_revision=0, event_data=event_data
    )
    [event] = await take(store.watch(0), 1)
    assert (event.revision, event.type, event.subject) == (1, VERSION_CREATED, "ticks_v1")
    assert event.time == stored.created_at
    assert event.data == {**event_data, "id": "ticks_v1", "version": "1.0.0"}


async def test_the_store_fills_id_and_version_over_the_callers(store: Store) -> None:
    await store.create_version(
        new_version("ticks_v1", "1.0.0"),
        expected_mod_revision=0,
        event_data={"id": "spoofed", "version": "9.9.9"},
    )
    [event] = await take(store.watch(0), 1)
    assert (event.data["id"], event.data["version"]) == ("ticks_v1", "1.0.0")


async def test_event_data_that_is_not_json_is_refused_before_commit(store: Store) -> None:
    with pytest.raises(ValueError, match="JSON"):
        await store.create_version(new_version(), expected_mod_revision=0, event_data={"x": {1j}})
    assert await store.get("ticks_v1") is None
    assert await store.revision() == 0
