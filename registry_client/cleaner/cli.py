"""`schema-registry clean`: the dataset cleaner on the command line, with progress and a summary.

Exit codes: 0 when the file was cleaned (rejected rows included), 1 when the registry or the
schema is unavailable, 2 for usage and file errors (missing, empty, header not the schema's).
Progress goes to stderr for files of 8 MiB and more: a tqdm bar when tqdm is installed (shown on
a terminal only), else a line per 10 % read.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from registry_client.cleaner.cleaner import DatasetCleaner
from registry_client.cleaner.errors import CleanerError, RegistryUnavailable
from registry_client.cleaner.pipeline import Progress
from registry_client.cleaner.report import CleanResult

ENV_URL = "SCHEMA_REGISTRY_URL"
ENV_TOKEN = "SCHEMA_REGISTRY_TOKEN"
PROGRESS_FROM = 8 * 1024 * 1024


def add_clean_command(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Adds `clean` to a `schema-registry` sub-command set (`args.command == "clean"`)."""
    clean = subparsers.add_parser(
        "clean",
        help="clean a CSV/Parquet file against a registry schema",
        description="Checks every row of FILE against the schema's JSON Schema and Arrow types, "
        "writes the clean rows and the rejected ones (one _reason each) as Parquet, and reports "
        "the failure counts to the registry. Exit 0 when done (even with rejects), 1 when the "
        "registry or schema is unavailable, 2 on usage or file errors.",
    )
    clean.add_argument("file", type=Path, help="CSV (with a header row) or Parquet file")
    clean.add_argument("--schema", required=True, help="id@version, or an id for the latest")
    clean.add_argument("--out", type=Path, help="Parquet file for the clean rows")
    clean.add_argument("--quarantine", type=Path, help="Parquet file for the rejected rows")
    clean.add_argument(
        "--registry", default=os.environ.get(ENV_URL), help=f"registry base URL (env {ENV_URL})"
    )
    clean.add_argument(
        "--token", default=os.environ.get(ENV_TOKEN), help=f"bearer token (env {ENV_TOKEN})"
    )
    clean.add_argument("--delimiter", default=",", help="CSV field delimiter (default ',')")
    clean.add_argument("--batch-rows", type=_positive, default=65_536, help="rows per batch")
    clean.add_argument(
        "--no-report", action="store_true", help="do not report failure counts to the registry"
    )


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text} is not a positive integer")
    return value


def _progress(path: Path) -> tuple[Progress | None, Any]:
    """A progress callback for `path` and the bar to close (None for small files)."""
    try:
        size = path.stat().st_size
    except OSError:
        return None, None
    if size < PROGRESS_FROM:
        return None, None
    try:
        from tqdm import tqdm
    except ImportError:
        return _percentages(path.name), None
    bar = tqdm(total=100, desc=f"cleaning {path.name}", unit="%", file=sys.stderr, disable=None)

    def update(done: int, total: int) -> None:
        bar.update(int(100 * done / max(total, 1)) - bar.n)

    return update, bar


def _percentages(name: str) -> Progress:
    shown = [0]

    def update(done: int, total: int) -> None:
        percent = 100 * done // max(total, 1)
        if percent >= shown[0] + 10:
            shown[0] = percent - percent % 10
            print(f"cleaning {name}: {shown[0]}%", file=sys.stderr, flush=True)

    return update


async def _clean(args: argparse.Namespace, progress: Progress | None) -> CleanResult:
    async with DatasetCleaner(
        args.registry, token=args.token, batch_rows=args.batch_rows, delimiter=args.delimiter
    ) as cleaner:
        return await cleaner.load_raw_data(
            args.file,
            args.schema,
            out=args.out,
            quarantine=args.quarantine,
            report=not args.no_report,
            keep_tables=False,
            progress=progress,
        )


def run_clean(args: argparse.Namespace) -> int:
    """Runs `clean` for parsed arguments; prints the summary to stdout, errors to stderr."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(message)s")
    progress, bar = _progress(args.file)
    try:
        result = asyncio.run(_clean(args, progress))
    except RegistryUnavailable as exc:
        print(f"schema-registry clean: {exc}", file=sys.stderr)
        return 1
    except (CleanerError, ValueError) as exc:
        print(f"schema-registry clean: {exc}", file=sys.stderr)
        return 2
    finally:
        if bar is not None:
            bar.close()
    print(f"{args.file.name} against {result.schema_id}@{result.version}")
    print(result.counts.summary())
    if result.reported is False:
        print("warning: the registry did not accept the failure report", file=sys.stderr)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m registry_client.cleaner.cli clean FILE --schema …` (the same command)."""
    parser = argparse.ArgumentParser(prog="schema-registry")
    add_clean_command(parser.add_subparsers(dest="command", required=True))
    return run_clean(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
