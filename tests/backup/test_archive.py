"""The archive format on its own: a round trip, stable bytes, and what the header promises."""

from __future__ import annotations

import asyncio
import gzip
from typing import Any

import orjson

from service.backup import archive
from service.storage import MemoryStore
from service.storage.dump import parse_dump
from tests.contract.samples import populate


def _dump() -> dict[str, Any]:
    async def export() -> dict[str, Any]:
        store = MemoryStore()
        await store.start()
        await populate(store)
        dump = await store.export()
        await store.close()
        return dump

    return asyncio.run(export())


def test_round_trip_gives_back_the_dump() -> None:
    dump = _dump()
    packed = archive.encode(dump)
    assert archive.decode(packed.data) == dump
    parse_dump(archive.decode(packed.data))
    assert packed.sha256 == archive.sha256(packed.data)
    assert packed.schemas == len(dump["schemas"])
    assert packed.versions == sum(len(s["versions"]) for s in dump["schemas"])


def test_same_dump_same_bytes() -> None:
    dump = _dump()
    assert archive.encode(dump).sha256 == archive.encode(dump).sha256


def test_layout_is_a_header_then_json_lines() -> None:
    dump = _dump()
    lines = gzip.decompress(archive.encode(dump).data).splitlines()
    header = orjson.loads(lines[0])
    assert header["format"] == "schema-registry-backup"
    assert header["format_version"] == 1
    kinds = [orjson.loads(line)["kind"] for line in lines[1:]]
    counts = header["counts"]
    assert kinds == (
        ["schema"] * counts["schemas"]
        + ["config"] * counts["configs"]
        + ["audit"] * counts["audit"]
    )
