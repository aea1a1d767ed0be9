"""Cleaner throughput: per-record validators against the vectorised Arrow cleaner, end to end.

Every contestant does the same job on the same generated tick CSV (ticks_v1 1.1.0, 0.1 % bad
rows): read the file, validate every row, write the clean rows and the rejected ones (with a
reason) to Parquet. The per-record pipeline is the one a per-record cleaner would run: the csv
module, cells converted by their property's type (ints, floats; empty cells left out), one
validator call per record, clean rows batched into Parquet with `Table.from_pylist`.

    .venv/bin/python loadtests/bench_validation.py            # 1,000,000 rows
    .venv/bin/python loadtests/bench_validation.py --gigabyte # also clean a ~1 GB CSV, peak RSS

jsonschema is slow: it runs on the first 50,000 rows only and its rate is extrapolated (said in
the table). Targets (DESIGN §10): vectorised ≥ 5x fastjsonschema and ≥ 1.5x jsonschema-rs.
"""

from __future__ import annotations

import argparse
import csv
import functools
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from itertools import islice
from pathlib import Path
from typing import Any

import fastjsonschema
import jsonschema
import jsonschema_rs
import pyarrow as pa
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from registry_client.arrow import to_arrow_schema  # noqa: E402
from registry_client.cleaner.casts import cast_rows  # noqa: E402
from registry_client.cleaner.columns import plan_for  # noqa: E402
from registry_client.cleaner.pipeline import Outputs, clean_file  # noqa: E402

DOCUMENT: dict[str, Any] = json.loads((ROOT / "schemas/ticks_v1/1.1.0.json").read_text())
HEADER = "ts,symbol,price,size,side,exchange_id\n"
CHUNK_ROWS = 100_000
FLUSH = 50_000
JSONSCHEMA_CAP = 50_000
METADATA = ("id", "version", "schema_version", "$schema", "arrow")
Check = Callable[[dict[str, Any]], bool]


def _chunk() -> str:
    """100,000 tick lines, one in a thousand bad (a rotating choice of five faults)."""
    lines = []
    faults = ("X", "abc", "", "2026-13-01T00:00:00Z", "1.5")
    for n in range(CHUNK_ROWS):
        ts = f"2026-01-02T{n // 3600 % 24:02d}:{n // 60 % 60:02d}:{n % 60:02d}.{n % 999999:06d}Z"
        row = [ts, f"SYM{n % 500}", f"{100 + n % 97 / 7:.4f}", str(n % 5000), "BS"[n % 2], ""]
        if n % 1000 == 999:
            slot = (n // 1000) % 5
            row[[4, 2, 1, 0, 3][slot]] = faults[slot]
        if n % 3:
            row[5] = str(n % 12)
        lines.append(",".join(row))
    return "\n".join(lines) + "\n"


def generate(path: Path, rows: int) -> int:
    chunk = _chunk()
    with path.open("w", encoding="utf-8") as file:
        file.write(HEADER)
        for _ in range(rows // CHUNK_ROWS):
            file.write(chunk)
    return path.stat().st_size


# -- per-record ----------------------------------------------------------------------------

_CONVERT: dict[str, Callable[[str], Any]] = {"integer": int, "number": float}


def _records(path: Path) -> Iterator[tuple[list[str], dict[str, Any]]]:
    properties = DOCUMENT["properties"]
    with path.open(newline="", encoding="utf-8") as file:
        reader = csv.reader(file)
        names = next(reader)
        converters = [_CONVERT.get(properties[n].get("type"), str) for n in names]
        for row in reader:
            record: dict[str, Any] = {}
            for name, convert, cell in zip(names, converters, row, strict=True):
                if cell:
                    try:
                        record[name] = convert(cell)
                    except ValueError:
                        record[name] = cell  # the validator reports the type
            yield row, record


def per_record(path: Path, out: Path, check: Check, limit: int | None) -> int:
    schema = to_arrow_schema(DOCUMENT)
    bad_schema = pa.schema(
        [(n, pa.string()) for n in HEADER.strip().split(",")] + [("_reason", pa.string())]
    )
    clean: list[dict[str, Any]] = []
    bad: list[dict[str, Any]] = []
    rows = 0
    with (
        pq.ParquetWriter(out / "clean.parquet", schema) as good_out,
        pq.ParquetWriter(out / "bad.parquet", bad_schema) as bad_out,
    ):
        for row, record in islice(_records(path), limit):
            rows += 1
            if check(record):
                clean.append(record)
            else:
                bad.append(dict(zip(bad_schema.names, [*row, "invalid"], strict=True)))
            if len(clean) >= FLUSH:
                good_out.write_table(_table(clean, schema))
                clean.clear()
        good_out.write_table(_table(clean, schema))
        bad_out.write_table(pa.Table.from_pylist(bad, schema=bad_schema))
    return rows


def _table(records: list[dict[str, Any]], schema: pa.Schema) -> pa.Table:
    # ISO strings to timestamps in one vectorised cast, as a careful per-record cleaner would.
    # (row-safe: jsonschema without rfc3339-validator installed does not check date-time)
    ts = cast_rows(pa.array([r.pop("ts") for r in records]), pa.timestamp("us", "UTC"))
    table = pa.Table.from_pylist(records, schema=schema.remove(0))
    return table.add_column(0, schema.field(0), ts.cast(pa.timestamp("us")))


def validators() -> dict[str, tuple[Check, int | None]]:
    schema = {k: v for k, v in DOCUMENT.items() if k not in METADATA}
    fast = fastjsonschema.compile(schema)

    def fast_check(record: dict[str, Any]) -> bool:
        try:
            fast(record)
            return True
        except fastjsonschema.JsonSchemaValueException:
            return False

    slow = jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker())
    rust = jsonschema_rs.Draft7Validator(schema, validate_formats=True)
    return {
        "jsonschema (per record)": (slow.is_valid, JSONSCHEMA_CAP),
        "fastjsonschema (per record)": (fast_check, None),
        "jsonschema-rs (per record)": (rust.is_valid, None),
    }


# -- runs ------------------------------------------------------------------------------------


def vectorised(path: Path, out: Path) -> int:
    outputs = Outputs(out / "clean.parquet", out / "bad.parquet", False, False)
    counts, _, _ = clean_file(path, plan_for(DOCUMENT), outputs)
    return counts.rows


def timed(run: Callable[[], int]) -> tuple[int, float]:
    start = time.perf_counter()
    rows = run()
    return rows, time.perf_counter() - start


def compare(rows: int, directory: Path) -> bool:
    path = directory / "ticks.csv"
    size = generate(path, rows)
    print(f"{rows:,} tick rows, {size / 1e6:.1f} MB CSV, 0.1 % bad; read → validate → Parquet")
    rates: dict[str, float] = {}
    print(f"{'contestant':<30}{'rows':>12}{'seconds':>10}{'rows/s':>14}")
    for name, (check, limit) in validators().items():
        done, seconds = timed(functools.partial(per_record, path, directory, check, limit))
        rates[name] = done / seconds
        note = "  (first rows only; rate extrapolated)" if limit else ""
        print(f"{name:<30}{done:>12,}{seconds:>10.2f}{rates[name]:>14,.0f}{note}")
    done, seconds = timed(lambda: vectorised(path, directory))
    rates["vectorised Arrow cleaner"] = done / seconds
    print(f"{'vectorised Arrow cleaner':<30}{done:>12,}{seconds:>10.2f}{done / seconds:>14,.0f}")
    arrow = rates["vectorised Arrow cleaner"]
    ok = True
    for baseline, target in (
        ("fastjsonschema (per record)", 5.0),
        ("jsonschema-rs (per record)", 1.5),
    ):
        ratio = arrow / rates[baseline]
        verdict = "PASS" if ratio >= target else "FAIL"
        ok = ok and ratio >= target
        print(
            f"vectorised / {baseline.split()[0]:<16} {ratio:6.2f}x  (target ≥ {target}x)  {verdict}"
        )
    print(f"vectorised / jsonschema       {arrow / rates['jsonschema (per record)']:6.2f}x")
    return ok


_CHILD = """
import sys, time
sys.path.insert(0, sys.argv[2])
from loadtests.bench_validation import vectorised
from pathlib import Path
def hwm():
    # VmHWM (kB) is this process's own peak; ru_maxrss would include the parent's at fork.
    status = Path("/proc/self/status").read_text()
    return next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM"))
before = hwm()
start = time.perf_counter()
rows = vectorised(Path(sys.argv[1]), Path(sys.argv[1]).parent)
print(rows, time.perf_counter() - start, hwm(), before)
"""


def gigabyte(directory: Path) -> None:
    path = directory / "gigabyte.csv"
    size = generate(path, 20_000_000)
    print(f"\n--gigabyte: {size / 1e9:.2f} GB CSV (20,000,000 rows), cleaned in a fresh process")
    result = subprocess.run(
        [sys.executable, "-c", _CHILD, str(path), str(ROOT)],
        capture_output=True,
        text=True,
        check=True,
        timeout=900,
    )
    rows, seconds, rss_kib, before_kib = result.stdout.split()
    peak, before = int(rss_kib) * 1024, int(before_kib) * 1024
    print(
        f"rows {int(rows):,} in {float(seconds):.1f} s ({int(rows) / float(seconds):,.0f} rows/s)"
    )
    verdict = "PASS" if peak < size / 3 else "FAIL"
    print(
        f"peak RSS {peak / 1e6:.0f} MB = {100 * peak / size:.1f} % of the file; "
        f"{before / 1e6:.0f} MB of it is the interpreter and libraries before the first row "
        f"({verdict}: under a third of the file)"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="multiple of 100,000")
    parser.add_argument("--gigabyte", action="store_true", help="also clean a ~1 GB CSV")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-validation-") as tmp:
        ok = compare(max(args.rows // CHUNK_ROWS, 1) * CHUNK_ROWS, Path(tmp))
        if args.gigabyte:
            gigabyte(Path(tmp))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
