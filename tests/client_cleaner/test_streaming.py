"""Cleaning a larger file streams: Arrow's peak allocation is flat in the file's size."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.api.conftest import tick
from tests.client_cleaner.conftest import HEADER

# Run in a fresh interpreter so the memory pool's peak belongs to this run alone.
_SCRIPT = """
import json, sys
from pathlib import Path
import pyarrow as pa
import pyarrow.parquet as pq
from registry_client.cleaner.columns import plan_for
from registry_client.cleaner.pipeline import Outputs, clean_file
source, directory = Path(sys.argv[1]), Path(sys.argv[2])
plan = plan_for(json.loads(sys.argv[3]))
outputs = Outputs(directory / "clean.parquet", directory / "bad.parquet", False, False)
counts, clean, bad = clean_file(source, plan, outputs, batch_rows=4096)
print(json.dumps({
    "peak": pa.default_memory_pool().max_memory(),
    "rows": counts.rows, "rejected": counts.rejected, "kept": [clean is not None, bad is not None],
    "written": pq.ParquetFile(directory / "clean.parquet").metadata.num_rows,
}))
"""


def _generate(path: Path, rows: int) -> int:
    with path.open("w", encoding="utf-8") as file:
        file.write(HEADER + "\n")
        for n in range(rows):
            side = "X" if n % 1000 == 0 else "BS"[n % 2]
            file.write(
                f"2026-01-02T03:04:{n % 60:02d}.{n % 999999:06d}Z,SYM{n % 500},"
                f"{100 + n % 97 / 7:.4f},{n % 5000},{side},{n % 12}\n"
            )
    return path.stat().st_size


def _clean(source: Path, directory: Path) -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, "-c", _SCRIPT, str(source), str(directory), json.dumps(tick("1.1.0"))],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
        cwd=Path(__file__).resolve().parents[2],
    )
    report: dict[str, Any] = json.loads(result.stdout)
    return report


def test_a_larger_file_streams_in_bounded_memory(tmp_path: Path) -> None:
    rows = 3_000_000
    size = _generate(tmp_path / "large.csv", rows)
    report = _clean(tmp_path / "large.csv", tmp_path)
    assert report["rows"] == rows
    assert report["rejected"] == rows // 1000
    assert report["written"] == rows - rows // 1000
    assert report["kept"] == [False, False]
    # ~158 MB of CSV. The peak is the reader's buffers and one batch in flight: 14-18 MB with
    # idle cores, at most ~39 MB when the suite keeps both cores busy and the reader's buffer
    # fills, whatever the file's size (10 MB to 1 GB measured). A run that held the file, or
    # its table, would pass the file's size.
    assert report["peak"] < size / 3, (report["peak"], size)
