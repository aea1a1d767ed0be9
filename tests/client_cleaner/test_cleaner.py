"""DatasetCleaner against a live registry: reasons per row, outputs, hostile files, the report."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

import aiohttp
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from registry_client.cleaner import CleanerError, DatasetCleaner, RegistryUnavailable
from tests.client_cleaner.conftest import GOOD, HEADER, Server, base_url, write_csv

pytestmark = pytest.mark.asyncio

# (line, expected reason); None: clean. Order in the file is kept in the quarantine.
ROWS: list[tuple[str, str | None]] = [
    (GOOD, None),
    ("2026-01-02T03:04:05.123456789+01:00,MSFT,1e2,5,S,", None),
    ("2026-01-02T03:04:05Z,AAPL,101.5,,B,7", "required:size"),
    ("2026-01-02T03:04:05Z,,101.5,,B,7", "required:symbol"),
    ("2026-01-02T03:04:05Z,AAPL,abc,100,B,7", "type:price"),
    ("2026-01-02T03:04:05Z,AAPL,nan,100,B,7", "type:price"),
    ("2026-01-02T03:04:05Z,AAPL,101.5,1.5,B,7", "type:size"),
    ("2026-01-02T03:04:05Z,AAPL,101.5,3000000000,B,7", "type:size"),
    ("2026-01-02T03:04:05Z,AAPL,101.5,100,X,7", "enum:side"),
    ("2026-02-30T03:04:05Z,AAPL,101.5,100,B,7", "format:ts"),
    ("2026-01-02T03:04:05,AAPL,101.5,100,B,7", "format:ts"),
    ("yesterday,AAPL,abc,100,X,7", "type:price"),
    ("2026-01-02T03:04:05Z,AAPL,101.5,100,B", "columns"),
]


def _csv(path: Path) -> Path:
    return write_csv(path, *(line for line, _ in ROWS))


async def test_each_bad_row_is_quarantined_with_its_first_failing_rule(
    registry: Server, tmp_path: Path
) -> None:
    async with DatasetCleaner(base_url(registry)) as cleaner:
        result = await cleaner.load_raw_data(_csv(tmp_path / "ticks.csv"), "ticks_v1@1.1.0")
    assert result.clean is not None
    assert result.quarantine is not None
    expected = [reason for _, reason in ROWS if reason is not None]
    assert result.quarantine.column("_reason").to_pylist() == expected
    assert result.clean.column("symbol").to_pylist() == ["AAPL", "MSFT"]
    assert result.clean.schema.field("size").type == pa.int32()
    # Sub-microsecond digits are cut; offsets become UTC.
    assert str(result.clean.column("ts")[1]) == "2026-01-02 02:04:05.123456"
    counts = result.counts
    assert (counts.rows, counts.clean, counts.rejected) == (len(ROWS), 2, len(expected))
    assert counts.reasons["type:price"] == 3
    first_bad = result.quarantine.slice(0, 1).to_pylist()[0]
    assert first_bad == {
        "ts": "2026-01-02T03:04:05Z",
        "symbol": "AAPL",
        "price": "101.5",
        "size": None,
        "side": "B",
        "exchange_id": "7",
        "_reason": "required:size",
        "_raw": None,
    }
    assert result.quarantine.column("_raw").to_pylist()[-1] == ROWS[-1][0]
    assert result.reported is True


async def test_outputs_are_parquet_files_and_tables_are_not_kept(
    registry: Server, tmp_path: Path
) -> None:
    out, bad = tmp_path / "clean.parquet", tmp_path / "bad.parquet"
    async with DatasetCleaner(base_url(registry)) as cleaner:
        result = await cleaner.load_raw_data(
            _csv(tmp_path / "ticks.csv"), "ticks_v1@1.1.0", out=out, quarantine=bad, report=False
        )
    assert result.clean is None
    assert result.quarantine is None
    assert result.reported is None
    clean = pq.read_table(out)
    assert clean.num_rows == 2
    assert clean.schema.field("ts").type == pa.timestamp("us")
    assert pq.read_table(bad).num_rows == result.counts.rejected
    assert not [p for p in await asyncio.to_thread(os.listdir, tmp_path) if p.endswith(".partial")]


async def test_parquet_input_is_checked_with_its_own_types(
    registry: Server, tmp_path: Path
) -> None:
    table = pa.table(
        {
            "ts": pa.array(["2026-01-02T03:04:05Z", "bad", "2026-01-02T03:04:05Z"]),
            "symbol": ["AAPL", "AAPL", None],
            "price": pa.array([1.5, 2.5, 3.5]),
            "size": pa.array([10, 2**40, 30], pa.int64()),
            "side": ["B", "S", "B"],
        }
    )
    pq.write_table(table, tmp_path / "ticks.data")
    async with DatasetCleaner(base_url(registry)) as cleaner:
        result = await cleaner.load_raw_data(tmp_path / "ticks.data", "ticks_v1@1.0.0")
    assert result.quarantine is not None
    assert result.clean is not None
    # Row 2 fails both `type` (size beyond int32) and `format` (ts): type comes first.
    assert result.quarantine.column("_reason").to_pylist() == ["type:size", "required:symbol"]
    assert result.quarantine.column("size").to_pylist() == [str(2**40), "30"]
    assert result.clean.num_rows == 1


async def test_extra_columns_quarantine_every_row(registry: Server, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "x.csv", f"{GOOD},z", f"{GOOD},z", header=f"{HEADER},venue")
    async with DatasetCleaner(base_url(registry)) as cleaner:
        result = await cleaner.load_raw_data(path, "ticks_v1@1.1.0", report=False)
    assert result.counts.reasons == {"extra_column:venue": 2}
    assert result.clean is not None
    assert result.clean.num_rows == 0
    assert result.quarantine is not None
    assert result.quarantine.column("venue").to_pylist() == ["z", "z"]


async def test_a_column_absent_from_an_older_file_is_null(registry: Server, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "old.csv", "2026-01-02T03:04:05Z,AAPL,1.5,1", header="ts,symbol,price,size"
    )
    async with DatasetCleaner(base_url(registry)) as cleaner:
        result = await cleaner.load_raw_data(path, "ticks_v1@1.1.0")
    assert result.clean is not None
    assert result.clean.to_pylist()[0]["exchange_id"] is None
    assert result.reported is None


async def test_non_utf8_bytes_reject_the_row_not_the_file(registry: Server, tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes(f"{HEADER}\n{GOOD}\n".encode() + b"2026-01-02T03:04:05Z,Z\xfcrich,1,1,B,1\n")
    async with DatasetCleaner(base_url(registry)) as cleaner:
        result = await cleaner.load_raw_data(path, "ticks_v1@1.1.0", report=False)
    assert result.quarantine is not None
    assert result.quarantine.to_pylist()[0]["_reason"] == "encoding:symbol"
    assert result.quarantine.to_pylist()[0]["symbol"] == "Z\ufffdrich"
    assert result.counts.clean == 1


async def test_header_only_gives_empty_outputs(registry: Server, tmp_path: Path) -> None:
    out, bad = tmp_path / "clean.parquet", tmp_path / "bad.parquet"
    path = write_csv(tmp_path / "h.csv")
    async with DatasetCleaner(base_url(registry)) as cleaner:
        result = await cleaner.load_raw_data(path, "ticks_v1@1.1.0", out=out, quarantine=bad)
    assert (result.counts.rows, result.reported) == (0, None)
    assert pq.read_table(out).num_rows == 0
    assert pq.read_table(out).schema.names == HEADER.split(",")


HOSTILE: list[tuple[str, bytes | None, str]] = [
    ("zero bytes", b"", "is empty"),
    ("blank lines", b"\n\n\n", "no header row"),
    ("no header", f"{GOOD}\n{GOOD}\n".encode(), "does the file have a header row?"),
    ("semicolons", f"{HEADER}\n{GOOD}\n".replace(",", ";").encode(), "is the delimiter wrong?"),
    ("duplicate column", f"{HEADER},size\n{GOOD},1\n".encode(), "repeats column(s) size"),
    ("bad header bytes", b"ts,sym\xffbol,price,size\n1,2,3,4\n", "not valid UTF-8"),
    ("missing file", None, "does not exist"),
    ("directory", None, "is a directory"),
]


@pytest.mark.parametrize(("case", "content", "message"), HOSTILE, ids=[c for c, _, _ in HOSTILE])
async def test_unusable_files_raise_and_write_nothing(
    registry: Server, tmp_path: Path, case: str, content: bytes | None, message: str
) -> None:
    path = tmp_path / "input.csv"
    if content is not None:
        path.write_bytes(content)
    elif case == "directory":
        path.mkdir()
    out, bad = tmp_path / "clean.parquet", tmp_path / "bad.parquet"
    async with DatasetCleaner(base_url(registry)) as cleaner:
        with pytest.raises(CleanerError) as raised:
            await cleaner.load_raw_data(path, "ticks_v1@1.1.0", out=out, quarantine=bad)
    assert message in str(raised.value)
    assert sorted(await asyncio.to_thread(os.listdir, tmp_path)) == (
        ["input.csv"] if case != "missing file" else []
    )


@pytest.mark.parametrize(
    ("ref", "message"),
    [("ticks_v1@9.9.9", "version_not_found"), ("orders_v1", "schema_not_found")],
)
async def test_unknown_schema_is_registry_unavailable(
    registry: Server, tmp_path: Path, ref: str, message: str
) -> None:
    async with DatasetCleaner(base_url(registry)) as cleaner:
        with pytest.raises(RegistryUnavailable, match=message):
            await cleaner.load_raw_data(write_csv(tmp_path / "t.csv", GOOD), ref)


async def test_an_unreachable_registry_is_registry_unavailable(tmp_path: Path) -> None:
    async with DatasetCleaner("http://127.0.0.1:9") as cleaner:
        with pytest.raises(RegistryUnavailable, match="cannot reach"):
            await cleaner.load_raw_data(write_csv(tmp_path / "t.csv", GOOD), "ticks_v1")


async def test_the_report_reaches_websocket_subscribers(registry: Server, tmp_path: Path) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.ws_connect(registry.make_url("/ws")) as ws,
    ):
        await ws.send_json({"op": "subscribe", "ids": ["ticks_v1"]})
        assert (await ws.receive_json(timeout=5))["type"] == "subscribed"
        async with DatasetCleaner(base_url(registry), session=session) as cleaner:
            result = await cleaner.load_raw_data(_csv(tmp_path / "ticks.csv"), "ticks_v1@1.1.0")
        event: dict[str, Any] = await asyncio.wait_for(ws.receive_json(), 5)
    assert event["type"] == "validation.failure.reported"
    assert event["data"]["version"] == "1.1.0"
    assert event["data"]["source"] == "ticks.csv"
    assert event["data"]["rejected"] == result.counts.rejected
    assert event["data"]["reasons"] == dict(result.counts.reasons)
    assert event["data"]["reporter"] == "anonymous"
