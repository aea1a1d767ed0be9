"""The C++ tick store example: built against pyarrow's Arrow C++ library, run on the sample CSV."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.examples.conftest import EXAMPLES, ROOT, SAMPLE_CSV, TICKS_1_1

pytestmark = pytest.mark.cpp

BUILD = EXAMPLES / "build_cpp.sh"


def _build(out: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(BUILD), str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
        env={**os.environ, "PYTHON": sys.executable, **env},
        check=False,
    )


@pytest.fixture(scope="module")
def binary(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # Not a skip: `make test` installs g++ and nlohmann-json3-dev, so their absence is a failure.
    if shutil.which(os.environ.get("CXX", "g++")) is None:
        pytest.fail("g++ is not installed: apt-get install -y --no-install-recommends g++")
    built = _build(tmp_path_factory.mktemp("cpp"))
    assert built.returncode == 0, f"examples/build_cpp.sh failed:\n{built.stderr}"
    return Path(built.stdout.strip().splitlines()[-1])


def _run(binary: Path, schema: str | Path, csv: Path, stdin: str | None = None) -> Any:
    return subprocess.run(
        [str(binary), str(schema), str(csv)],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _tick_document(**changes: Any) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(TICKS_1_1.read_text())
    document.update(changes)
    return document


def test_reads_the_sample_with_the_arrow_block(binary: Path) -> None:
    done = _run(binary, TICKS_1_1, SAMPLE_CSV)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "schema ticks_v1@1.1.0 (6 fields)"
    assert lines[1:7] == [
        "ts: timestamp[us]",
        "symbol: string",
        "price: double",
        "size: int32",
        "side: string",
        "exchange_id: int32",
    ]
    # The sample's bad rows are bad for Great Expectations (an enum, required values), not for
    # Arrow: every row parses, the empty cells are nulls.
    assert "nulls exchange_id: 2" in lines
    assert lines[-1] == "rows: 12"


def test_reads_the_document_from_stdin(binary: Path) -> None:
    done = _run(binary, "-", SAMPLE_CSV, stdin=TICKS_1_1.read_text())
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "rows: 12"


def test_rebuilding_is_a_no_op(binary: Path) -> None:
    before = binary.stat().st_mtime_ns
    again = _build(binary.parent)
    assert again.returncode == 0, again.stderr
    assert binary.stat().st_mtime_ns == before


def test_a_missing_compiler_is_a_clear_error(tmp_path: Path) -> None:
    done = _build(tmp_path, CXX="no-such-compiler")
    assert done.returncode == 1
    assert "no C++ compiler 'no-such-compiler'" in done.stderr
    assert "apt-get install" in done.stderr


def _nested_field() -> dict[str, Any]:
    return {"name": "tags", "type": {"name": "list", "value_type": {"name": "utf8"}}}


@pytest.mark.parametrize(
    ("document", "csv_text", "status", "message"),
    [
        ('{"id": "ticks_v1", "arrow": ', None, 2, "is not valid JSON"),
        (
            {"arrow": {"fields": [{"name": "ts", "type": {"name": "string"}}]}},
            None,
            2,
            "#/arrow/fields/0/type/name: unknown Arrow type 'string'",
        ),
        (
            {"arrow": {"fields": [{"name": "ts", "type": {"name": "timestamp", "unit": "h"}}]}},
            None,
            2,
            "unit 'h' is not allowed",
        ),
        ({"arrow": {"fields": [_nested_field()]}}, None, 2, "a CSV column cannot hold"),
        # Wrong column types: a price that is no number, a size that is no int32.
        (None, "2024-03-01T14:30:00,AAPL,abc,1,B,1", 1, "invalid value 'abc'"),
        (None, "2024-03-01T14:30:00,AAPL,1.5,4294967296,B,1", 1, "int32"),
        # The schema's timestamp has no time zone, so a zoned value does not fit it.
        (None, "2024-03-01T14:30:00Z,AAPL,1.5,1,B,1", 1, "timestamp[us]: invalid value"),
    ],
)
def test_bad_input_fails_with_a_message(
    binary: Path,
    tmp_path: Path,
    document: dict[str, Any] | str | None,
    csv_text: str | None,
    status: int,
    message: str,
) -> None:
    schema = tmp_path / "schema.json"
    if isinstance(document, str):
        schema.write_text(document)
    else:
        schema.write_text(json.dumps(_tick_document(**(document or {}))))
    csv = SAMPLE_CSV
    if csv_text is not None:
        csv = tmp_path / "ticks.csv"
        csv.write_text(f"ts,symbol,price,size,side,exchange_id\n{csv_text}\n")
    done = _run(binary, schema, csv)
    assert done.returncode == status, done.stdout
    assert done.stderr.startswith("error: ")
    assert message in done.stderr
    assert "rows:" not in done.stdout


def test_columns_must_match_a_closed_schema(binary: Path, tmp_path: Path) -> None:
    header, *rows = SAMPLE_CSV.read_text().splitlines()
    extra = tmp_path / "extra.csv"
    extra.write_text("\n".join([f"{header},venue", *(f"{r},X" for r in rows)]) + "\n")
    done = _run(binary, TICKS_1_1, extra)
    assert done.returncode == 1
    assert "CSV column 'venue' is not in the schema" in done.stderr
    # 2.0.0 renamed price to last_price: the 1.1.0 sample lacks a column.
    done = _run(binary, ROOT / "schemas/ticks_v1/2.0.0.json", SAMPLE_CSV)
    assert done.returncode == 1
    assert "has no column 'last_price'" in done.stderr


def test_a_non_nullable_field_refuses_empty_cells(binary: Path, tmp_path: Path) -> None:
    document = _tick_document()
    document["arrow"]["fields"][2]["nullable"] = False  # price; the sample's row 9 has none
    schema = tmp_path / "schema.json"
    schema.write_text(json.dumps(document))
    done = _run(binary, schema, SAMPLE_CSV)
    assert done.returncode == 1
    assert "column 'price' is not nullable but has 1 empty cells" in done.stderr


def test_without_an_arrow_block_the_default_mapping_is_used(binary: Path, tmp_path: Path) -> None:
    document = _tick_document()
    del document["arrow"]
    schema = tmp_path / "schema.json"
    schema.write_text(json.dumps(document))
    csv = tmp_path / "ticks.csv"
    csv.write_text("ts,symbol,price,size,side,exchange_id\n2024-03-01T14:30:00Z,AAPL,1.5,1,,\n")
    done = _run(binary, schema, csv)
    assert done.returncode == 0, done.stderr
    # date-time maps to timestamp(us, UTC), integer to int64; required ones are not nullable.
    assert "ts: timestamp[us, tz=UTC] not null" in done.stdout
    assert "exchange_id: int64" in done.stdout
    assert done.stdout.splitlines()[-1] == "rows: 1"
