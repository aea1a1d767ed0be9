"""Records: revisions, get, list with prefix and pagination, version order, snapshots."""

from __future__ import annotations

import re

import pytest

from service.storage import Store
from service.storage.contract import NewVersion
from tests.contract.samples import audit_entry, new_version, publish

pytestmark = pytest.mark.asyncio

RFC3339_UTC = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z")


async def test_revision_starts_at_zero_and_grows_by_one_per_change(store: Store) -> None:
    assert await store.revision() == 0
    revisions = [
        (await publish(store, "a", "1.0.0")).revision,
        (await publish(store, "a", "1.1.0")).revision,
        await store.put_config(None, {"mode": "FULL"}, event_data={}),
        await store.put_config("a", {"mode": "NONE"}, event_data={}),
        await store.append_event("validation.failure.reported", "a", {"invalid": 3}),
        await store.delete("a", permanent=False, event_data={}),
        await store.delete("a", permanent=True, event_data={}),
    ]
    assert revisions == [1, 2, 3, 4, 5, 6, 7]
    assert await store.revision() == 7


async def test_audit_entries_do_not_change_the_revision(store: Store) -> None:
    await store.append_audit(audit_entry("2026-01-01T00:00:00Z"))
    assert await store.revision() == 0


async def test_get_returns_what_was_published(store: Store) -> None:
    assert await store.get("ticks_v1") is None
    # Non-canonical bytes on purpose: the store must hand back exactly what it was given.
    version = NewVersion("ticks_v1", "1.0.0", b'{ "b": 1,  "a": "\xc3\xa9" }', "sha256:x")
    stored = await store.create_version(version, expected_mod_revision=0, event_data={})
    assert (stored.schema_id, stored.version, stored.document, stored.fingerprint) == (
        version.schema_id,
        version.version,
        version.document,
        version.fingerprint,
    )
    assert stored.revision == 1
    assert RFC3339_UTC.fullmatch(stored.created_at)
    record = await store.get("ticks_v1")
    assert record is not None
    assert record.versions == (stored,)
    assert record.latest == stored
    assert (record.deleted, record.mod_revision, record.updated_at) == (False, 1, stored.created_at)


async def test_versions_sort_numerically(store: Store) -> None:
    for version in ["1.9.0", "1.10.0", "0.1.0", "1.2.10", "1.2.9", "10.0.0", "2.0.0"]:
        await publish(store, "bars", version)
    record = await store.get("bars")
    assert record is not None
    assert [v.version for v in record.versions] == [
        "0.1.0",
        "1.2.9",
        "1.2.10",
        "1.9.0",
        "1.10.0",
        "2.0.0",
        "10.0.0",
    ]
    assert record.latest.version == "10.0.0"
    assert record.mod_revision == 7


async def test_list_sorts_by_id_and_filters_by_prefix(store: Store) -> None:
    for schema_id in ["ticks_v2", "bars_v1", "ticks_v1", "fills_v1", "ticks", "tick"]:
        await publish(store, schema_id)
    listed = await store.list_ids()
    assert [r.schema_id for r in listed] == [
        "bars_v1",
        "fills_v1",
        "tick",
        "ticks",
        "ticks_v1",
        "ticks_v2",
    ]
    assert [r.schema_id for r in await store.list_ids("ticks")] == ["ticks", "ticks_v1", "ticks_v2"]
    assert await store.list_ids("quotes") == []
    # A prefix is literal text, not a pattern.
    assert await store.list_ids("tick%") == []
    assert await store.list_ids("tick_") == []


async def test_list_pages_with_the_after_cursor(store: Store) -> None:
    ids = [f"s{n:02d}" for n in range(7)]
    for schema_id in reversed(ids):
        await publish(store, schema_id)
    pages: list[list[str]] = []
    after: str | None = None
    while page := await store.list_ids(limit=3, after=after):
        pages.append([r.schema_id for r in page])
        after = page[-1].schema_id
    assert pages == [ids[0:3], ids[3:6], ids[6:7]]
    prefixed = await store.list_ids("s0", limit=2, after="s01")
    assert [r.schema_id for r in prefixed] == ["s02", "s03"]


async def test_list_returns_full_records(store: Store) -> None:
    await publish(store, "a", "1.0.0")
    await publish(store, "a", "1.1.0")
    [listed] = await store.list_ids()
    assert listed == await store.get("a")


async def test_list_skips_soft_deleted_records_unless_asked(store: Store) -> None:
    for schema_id in ["a", "b", "c"]:
        await publish(store, schema_id)
    await store.delete("b", permanent=False, event_data={})
    assert [r.schema_id for r in await store.list_ids()] == ["a", "c"]
    everything = await store.list_ids(include_deleted=True)
    assert [(r.schema_id, r.deleted) for r in everything] == [
        ("a", False),
        ("b", True),
        ("c", False),
    ]


async def test_list_rejects_a_limit_below_one(store: Store) -> None:
    with pytest.raises(ValueError, match="limit"):
        await store.list_ids(limit=0)


async def test_snapshot_holds_every_record_and_config(store: Store) -> None:
    empty = await store.snapshot()
    assert (empty.revision, empty.records, empty.global_config, dict(empty.configs)) == (
        0,
        (),
        None,
        {},
    )
    await publish(store, "b")
    await publish(store, "a")
    await publish(store, "a", "2.0.0")
    await store.delete("b", permanent=False, event_data={})
    await store.put_config(None, {"mode": "BACKWARD"}, event_data={})
    await store.put_config("a", {"mode": "FULL"}, event_data={})
    snapshot = await store.snapshot()
    assert snapshot.revision == await store.revision() == 6
    assert list(snapshot.records) == await store.list_ids(include_deleted=True)
    assert snapshot.global_config == {"mode": "BACKWARD"}
    assert dict(snapshot.configs) == {"a": {"mode": "FULL"}}


@pytest.mark.parametrize(
    ("schema_id", "version", "document", "fingerprint"),
    [
        ("", "1.0.0", b"{}", "f"),
        ("a", "1.0", b"{}", "f"),
        ("a", "v1.0.0", b"{}", "f"),
        ("a", "01.0.0", b"{}", "f"),
        ("a", "1.0.0-rc1", b"{}", "f"),
        ("a", "1.0.0", b"", "f"),
        ("a", "1.0.0", b"\xff\xfe", "f"),
        ("a", "1.0.0", b"{}", ""),
        ("a", f"{2**63}.0.0", b"{}", "f"),
    ],
)
async def test_malformed_new_versions_are_rejected(
    schema_id: str, version: str, document: bytes, fingerprint: str
) -> None:
    with pytest.raises(ValueError, match=r"\S"):
        NewVersion(schema_id, version, document, fingerprint)


async def test_largest_version_parts_are_stored(store: Store) -> None:
    top = f"{2**63 - 1}.0.0"
    await store.create_version(new_version("a", top), expected_mod_revision=0, event_data={})
    await publish(store, "a", "1.0.0")
    record = await store.get("a")
    assert record is not None
    assert [v.version for v in record.versions] == ["1.0.0", top]
