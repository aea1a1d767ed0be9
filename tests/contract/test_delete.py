"""Deleting: soft delete, revival by publishing, permanent delete only after a soft one."""

from __future__ import annotations

import pytest

from service.storage import Store
from service.storage.contract import SCHEMA_DELETED, Conflict, NotFound, VersionExists
from tests.contract.samples import new_version, publish, take

pytestmark = pytest.mark.asyncio


async def test_soft_delete_keeps_the_record_marked_deleted(store: Store) -> None:
    await publish(store, "a", "1.0.0")
    await publish(store, "a", "1.1.0")
    revision = await store.delete("a", permanent=False, event_data={"by": "admin"})
    assert revision == 3
    record = await store.get("a")
    assert record is not None
    assert record.deleted
    assert record.mod_revision == 3
    assert [v.version for v in record.versions] == ["1.0.0", "1.1.0"]
    [event] = await take(store.watch(2), 1)
    assert (event.revision, event.type, event.subject) == (3, SCHEMA_DELETED, "a")
    assert event.data == {"by": "admin", "id": "a", "permanent": False}
    assert event.time == record.updated_at


async def test_deleting_an_absent_id_is_not_found(store: Store) -> None:
    with pytest.raises(NotFound):
        await store.delete("nope", permanent=False, event_data={})
    with pytest.raises(NotFound):
        await store.delete("nope", permanent=True, event_data={})
    assert await store.revision() == 0


async def test_soft_deleting_twice_is_not_found(store: Store) -> None:
    await publish(store, "a")
    await store.delete("a", permanent=False, event_data={})
    with pytest.raises(NotFound, match="already soft-deleted"):
        await store.delete("a", permanent=False, event_data={})
    assert await store.revision() == 2


async def test_permanent_delete_needs_a_soft_delete_first(store: Store) -> None:
    await publish(store, "a")
    with pytest.raises(Conflict, match="soft-deleted"):
        await store.delete("a", permanent=True, event_data={})
    record = await store.get("a")
    assert record is not None
    assert not record.deleted
    assert await store.revision() == 1


async def test_permanent_delete_frees_the_id(store: Store) -> None:
    await publish(store, "a", "1.0.0")
    await store.delete("a", permanent=False, event_data={})
    revision = await store.delete("a", permanent=True, event_data={})
    assert revision == 3
    assert await store.get("a") is None
    assert await store.list_ids(include_deleted=True) == []
    [event] = await take(store.watch(2), 1)
    assert event.data == {"id": "a", "permanent": True}
    # Gone means gone: the same version can be published again, on expected_mod_revision 0.
    stored = await store.create_version(
        new_version("a", "1.0.0"), expected_mod_revision=0, event_data={}
    )
    assert stored.revision == 4
    record = await store.get("a")
    assert record is not None
    assert record.versions == (stored,)


async def test_publishing_revives_a_soft_deleted_id(store: Store) -> None:
    old = await publish(store, "a", "1.0.0")
    deleted_at = await store.delete("a", permanent=False, event_data={})
    # The deleted record exists, so 0 is not its mod_revision.
    with pytest.raises(Conflict):
        await store.create_version(
            new_version("a", "1.1.0"), expected_mod_revision=0, event_data={}
        )
    # Old versions come back with the record and stay immutable.
    with pytest.raises(VersionExists):
        await store.create_version(
            new_version("a", "1.0.0"), expected_mod_revision=deleted_at, event_data={}
        )
    new = await store.create_version(
        new_version("a", "1.1.0"), expected_mod_revision=deleted_at, event_data={}
    )
    record = await store.get("a")
    assert record is not None
    assert not record.deleted
    assert record.versions == (old, new)
    assert record.mod_revision == new.revision == 3


async def test_configs_survive_deletes(store: Store) -> None:
    await publish(store, "a")
    await store.put_config("a", {"mode": "FULL"}, event_data={})
    await store.delete("a", permanent=False, event_data={})
    await store.delete("a", permanent=True, event_data={})
    assert await store.get_config("a") == {"mode": "FULL"}
