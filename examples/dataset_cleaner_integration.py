"""Cleans a CSV of ticks against the registry's schema: clean rows and a quarantine file.

    make run            # a registry on http://127.0.0.1:8000, seeded from schemas/
    .venv/bin/python examples/dataset_cleaner_integration.py --registry http://127.0.0.1:8000

Without a CSV argument it writes a small sample with four bad rows to --workdir first. Writes
clean.parquet and quarantine.parquet there, prints the counts and each rejected row's reason,
and reports the failures to the registry (`validation.failure.reported`). Exit status: 0 when
done (rejected rows included), 1 when the registry or schema is unavailable, 2 on a file error.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from pathlib import Path

import pyarrow.parquet as pq

from registry_client.cleaner import CleanerError, DatasetCleaner, RegistryUnavailable

# RFC 3339 with an offset, as the JSON Schema `date-time` of ticks_v1 demands.
SAMPLE = """ts,symbol,price,size,side,exchange_id
2026-11-26T14:30:00.000125Z,ES,5901.25,3,B,1
2026-11-26T14:30:00.000480Z,NQ,20871.5,1,S,1
2026-11-26T14:30:00.001002Z,ES,5901.5,,B,2
2026-11-26T14:30:00.001310Z,ES,5901.5,2,X,2
2026-11-26T14:30:00.001555Z,ES,abc,1,B,1
yesterday,ES,5901.75,4,S,1
"""


async def clean(args: argparse.Namespace, workdir: Path) -> int:
    source = args.csv
    if source is None:
        source = workdir / "ticks.csv"
        source.write_text(SAMPLE)
    async with DatasetCleaner(registry_url=args.registry, token=args.token) as cleaner:
        result = await cleaner.load_raw_data(
            file_path=source,
            schema_id=args.schema,
            out=workdir / "clean.parquet",
            quarantine=workdir / "quarantine.parquet",
        )
    print(f"{source.name} against {result.schema_id}@{result.version}")
    print(result.counts.summary())
    quarantine = pq.read_table(workdir / "quarantine.parquet")
    for row in quarantine.select(["ts", "_reason"]).to_pylist():
        print(f"  rejected {row['ts']!s:<30} {row['_reason']}")
    kept = pq.read_metadata(workdir / "clean.parquet").num_rows
    print(f"clean rows in {workdir / 'clean.parquet'}: {kept}")
    print(f"reported to the registry: {'yes' if result.reported else 'no'}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("csv", nargs="?", type=Path, help="default: a generated sample")
    parser.add_argument("--schema", default="ticks_v1@1.1.0", help="id or id@version")
    parser.add_argument("--registry", help="default: $SCHEMA_REGISTRY_URL, else localhost:8000")
    parser.add_argument("--token", help="bearer token, when the registry requires one for reads")
    parser.add_argument("--workdir", type=Path, help="where outputs go (default: a temp dir)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch:
        workdir = args.workdir or Path(scratch)
        workdir.mkdir(parents=True, exist_ok=True)
        try:
            return asyncio.run(clean(args, workdir))
        except RegistryUnavailable as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        except (CleanerError, OSError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2


if __name__ == "__main__":
    sys.exit(main())
