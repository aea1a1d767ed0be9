"""Export and import: the dump restores content; revisions are the importing store's own."""

from __future__ import annotations

import copy
import dataclasses
from typing import Any

import orjson
import pytest

from service.storage import Store
from service.storage.contract import (
    CONFIG_UPDATED,
    SCHEMA_DELETED,
    VERSION_CREATED,
    Conflict,
    SchemaRecord,
)
from service.storage.dump import FORMAT_VERSION
from tests.contract.conftest import StoreFactory
from tests.contract.samples import populate, publish, take

pytestmark = pytest.mark.asyncio


def _content(record: SchemaRecord) -> tuple[Any, ...]:
    """A record without its revisions, which an import does not keep."""
    versions = tuple((v.version, v.document, v.fingerprint, v.created_at) for v in record.versions)
    return record.schema_id, record.deleted, record.updated_at, versions


async def test_export_is_json_ready(store: Store) -> None:
    await populate(store)
    dump = await store.export()
    assert orjson.loads(orjson.dumps(dump)) == dump
    assert dump["revision"] == await store.revision()
    assert [s["id"] for s in dump["schemas"]] == ["bars_v1", "old", "ticks_v1"]


async def test_import_restores_the_content(make_store: StoreFactory) -> None:
    source = await make_store()
    await populate(source)
    target = await make_store()
    await target.import_(await source.export())
    before, after = await source.snapshot(), await target.snapshot()
    assert [_content(r) for r in after.records] == [_content(r) for r in before.records]
    assert after.global_config == before.global_config
    assert dict(after.configs) == dict(before.configs)
    assert await target.list_audit() == await source.list_audit()
    assert [r.schema_id for r in await target.list_ids()] == ["bars_v1", "ticks_v1"]


async def test_audit_entries_keep_role_and_client_through_a_dump(
    make_store: StoreFactory,
) -> None:
    source = await make_store()
    await populate(source)
    dump = await source.export()
    assert dump["format_version"] == FORMAT_VERSION == 2
    assert len(dump["audit"]) == 4
    assert {(e["role"], e["client"]) for e in dump["audit"]} == {("ci-bot", "192.0.2.7")}
    target = await make_store()
    await target.import_(orjson.loads(orjson.dumps(dump)))
    listed = await target.list_audit()
    assert [(e.action, e.role, e.client) for e in listed] == [
        (e.action, e.role, e.client) for e in await source.list_audit()
    ]


def _format_1(dump: dict[str, Any]) -> dict[str, Any]:
    """`dump` as the first release wrote it: audit entries without role and client."""
    old = copy.deepcopy(dump)
    old["format_version"] = 1
    for entry in old["audit"]:
        del entry["role"], entry["client"]
    return old


async def test_a_format_1_dump_still_imports(make_store: StoreFactory) -> None:
    source = await make_store()
    await populate(source)
    target = await make_store()
    await target.import_(_format_1(await source.export()))
    assert [_content(r) for r in (await target.snapshot()).records] == [
        _content(r) for r in (await source.snapshot()).records
    ]
    expected = [dataclasses.replace(e, role="", client="") for e in await source.list_audit()]
    assert await target.list_audit() == expected
    # Re-exported, it is a current dump.
    assert (await target.export())["format_version"] == FORMAT_VERSION


async def test_import_replays_the_content_as_ordinary_events(make_store: StoreFactory) -> None:
    source = await make_store()
    await populate(source)
    target = await make_store()
    await target.import_(await source.export())
    # 5 versions (bars_v1 1.0.0, old 1.0.0, ticks_v1 x3), 1 soft delete, 2 configs.
    assert await target.revision() == 8
    events = await take(target.watch(0), 8)
    assert [e.revision for e in events] == list(range(1, 9))
    assert [(e.type, e.subject, e.data.get("version")) for e in events] == [
        (VERSION_CREATED, "ticks_v1", "1.0.0"),
        (VERSION_CREATED, "bars_v1", "1.0.0"),
        (VERSION_CREATED, "ticks_v1", "1.1.0"),
        (VERSION_CREATED, "ticks_v1", "2.0.0"),
        (VERSION_CREATED, "old", "1.0.0"),
        (SCHEMA_DELETED, "old", None),
        (CONFIG_UPDATED, "", None),
        (CONFIG_UPDATED, "ticks_v1", None),
    ]
    assert all(e.data["imported"] is True for e in events)
    # Revisions in the imported records are the target's own, and match its events.
    record = await target.get("ticks_v1")
    assert record is not None
    assert [v.revision for v in record.versions] == [1, 3, 4]


async def test_an_imported_store_exports_the_same_content(make_store: StoreFactory) -> None:
    source = await make_store()
    await populate(source)
    first = await source.export()
    target = await make_store()
    await target.import_(first)
    second = await target.export()
    for dump in (first, second):
        for key in ("revision", "exported_at"):
            del dump[key]
        for schema in dump["schemas"]:
            for version in schema["versions"]:
                del version["revision"]
    assert first == second


async def test_an_empty_dump_imports_into_an_empty_store(make_store: StoreFactory) -> None:
    source, target = await make_store(), await make_store()
    await target.import_(await source.export())
    assert await target.revision() == 0
    assert await target.export() | {"exported_at": None} == await source.export() | {
        "exported_at": None
    }


async def test_import_into_a_store_with_changes_is_a_conflict(make_store: StoreFactory) -> None:
    source = await make_store()
    await populate(source)
    target = await make_store()
    await publish(target, "mine")
    with pytest.raises(Conflict, match="empty"):
        await target.import_(await source.export())
    assert [r.schema_id for r in await target.list_ids()] == ["mine"]
    assert await target.revision() == 1


def _broken(dump: dict[str, Any], path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    broken = copy.deepcopy(dump)
    target: Any = broken
    for key in path[:-1]:
        target = target[key]
    if value is _DELETE:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return broken


_DELETE = object()

MALFORMED = {
    "wrong format": (("format",), "other"),
    "newer format": (("format_version",), 3),
    "older format": (("format_version",), 0),
    "no schemas": (("schemas",), _DELETE),
    "schemas not a list": (("schemas",), {"ticks_v1": {}}),
    "no id": (("schemas", 0, "id"), _DELETE),
    "duplicate id": (("schemas", 1, "id"), "bars_v1"),
    "deleted not a bool": (("schemas", 0, "deleted"), "no"),
    "no versions": (("schemas", 0, "versions"), []),
    "bad version": (("schemas", 0, "versions", 0, "version"), "1.0"),
    "document not text": (("schemas", 0, "versions", 0, "document"), {"type": "object"}),
    "bad created_at": (("schemas", 0, "versions", 0, "created_at"), "soon"),
    "revision a bool": (("schemas", 0, "versions", 0, "revision"), True),
    "duplicate version": (("schemas", 2, "versions", 1, "version"), "1.0.0"),
    "config not an object": (("configs", "global"), ["BACKWARD"]),
    "no per-id configs": (("configs", "schemas"), _DELETE),
    "audit entry without principal": (("audit", 0, "principal"), _DELETE),
    "audit details not an object": (("audit", 0, "details"), "x"),
    "audit entry without role": (("audit", 0, "role"), _DELETE),
    "audit client not text": (("audit", 1, "client"), 7),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
async def test_malformed_dumps_are_refused_whole(make_store: StoreFactory, case: str) -> None:
    source = await make_store()
    await populate(source)
    path, value = MALFORMED[case]
    broken = _broken(await source.export(), path, value)
    target = await make_store()
    with pytest.raises(ValueError, match="dump"):
        await target.import_(broken)
    assert await target.revision() == 0
    assert await target.list_ids(include_deleted=True) == []
    assert await target.list_audit() == []


@pytest.mark.parametrize("dump", [[], "dump", {}, {"format": "schema-registry-dump"}])
async def test_dumps_that_are_not_dumps_are_refused(store: Store, dump: Any) -> None:
    with pytest.raises(ValueError, match="dump"):
        await store.import_(dump)
