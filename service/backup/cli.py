"""`schema-registry backup create|list|restore|prune`: the backup commands and their output.

Exit codes: 0 done, 1 the operation failed (S3 unreachable, checksum mismatch, non-empty
store, ...), 2 usage error.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import orjson

from service.backup import catalog
from service.backup.create import create_backup
from service.backup.restore import RestoreError, restore_backup
from service.backup.retention import Policy
from service.backup.s3 import Bucket, S3Error, open_bucket
from service.backup.snapshot import SnapshotError
from service.backup.stores import ENV_STORE, StoreAccessError
from service.storage import open_store
from service.storage.contract import StoreError

COMMANDS = {"backup"}
ENV_BUCKET = "SCHEMA_REGISTRY_BACKUP_BUCKET"
ENV_PREFIX = "SCHEMA_REGISTRY_BACKUP_PREFIX"
_FAILURES = (S3Error, RestoreError, StoreAccessError, SnapshotError, StoreError)


def add_commands(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `backup` and its four actions to the `schema-registry` parser."""
    backup = subparsers.add_parser(
        "backup",
        help="back up to S3, list, restore and prune backups",
        description="Backups in an S3 bucket (credentials and region from the AWS_* variables; "
        "AWS_ENDPOINT_URL_S3 or --endpoint-url for other S3-compatible servers).",
    )
    actions = backup.add_subparsers(dest="backup_command", required=True)
    create = actions.add_parser("create", help="export the store (and snapshot etcd) to S3")
    _add_store(create)
    _add_bucket(create)
    listing = actions.add_parser("list", help="backups with their metadata, newest first")
    _add_bucket(listing)
    listing.add_argument("--json", action="store_true", help="a JSON array instead of a table")
    restore = actions.add_parser(
        "restore", help="verify a backup and import it into an empty store"
    )
    _add_store(restore)
    _add_bucket(restore)
    restore.add_argument("--key", help="backup name as `list` shows it (default: the newest)")
    restore.add_argument(
        "--force",
        action="store_true",
        help="also restore into a store that holds audit entries but no change (they are "
        "kept); a store with any schema, config or event is refused even so",
    )
    prune = actions.add_parser("prune", help="delete old backups by a retention policy")
    _add_bucket(prune)
    prune.add_argument("--keep-last", type=_count(1), help="always keep the newest K (default 1)")
    prune.add_argument(
        "--keep-days", type=_count(0), help="beyond those, keep backups at most N days old"
    )
    prune.add_argument("--dry-run", action="store_true", help="print, delete nothing")


def _add_store(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--store", default=os.environ.get(ENV_STORE), help=f"store URL (env {ENV_STORE})"
    )


def _add_bucket(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--bucket", default=os.environ.get(ENV_BUCKET), help=f"S3 bucket (env {ENV_BUCKET})"
    )
    parser.add_argument(
        "--prefix",
        default=os.environ.get(ENV_PREFIX, catalog.DEFAULT_PREFIX),
        help=f"key prefix of the backups (default {catalog.DEFAULT_PREFIX}, env {ENV_PREFIX})",
    )
    parser.add_argument("--endpoint-url", help="S3 endpoint, for servers other than AWS")


def _count(minimum: int) -> Any:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text[:40]!r} is not a whole number") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"{value} is less than {minimum}")
        return value

    return parse


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m service.backup.cli backup ...`: the same commands outside the main CLI."""
    parser = argparse.ArgumentParser(prog="schema-registry")
    add_commands(parser.add_subparsers(dest="command", required=True))
    return run(parser.parse_args(argv))


def run(args: argparse.Namespace) -> int:
    """Run a parsed `backup` command; the exit code."""
    usage = _usage_error(args)
    if usage:
        print(f"schema-registry backup: {usage}", file=sys.stderr)
        return 2
    if args.prefix and not args.prefix.endswith("/"):
        args.prefix += "/"
    try:
        return asyncio.run(_run(args))
    except _FAILURES as exc:
        print(f"schema-registry backup {args.backup_command}: error: {exc}", file=sys.stderr)
        return 1


def _usage_error(args: argparse.Namespace) -> str | None:
    if not args.bucket:
        return f"--bucket is required (or set {ENV_BUCKET})"
    if args.backup_command in ("create", "restore"):
        if not args.store:
            return f"--store is required (or set {ENV_STORE})"
        try:
            open_store(args.store)
        except ValueError as exc:
            return str(exc)
    if args.backup_command == "prune" and args.keep_last is None and args.keep_days is None:
        return "prune needs --keep-last and/or --keep-days"
    return None


async def _run(args: argparse.Namespace) -> int:
    async with open_bucket(args.bucket, args.endpoint_url) as bucket:
        if args.backup_command == "create":
            created = await create_backup(args.store, bucket, args.prefix)
            print(f"created backup {created.name}: s3://{bucket.name}/{created.logical_key}")
            print(orjson.dumps(created.metadata, option=orjson.OPT_SORT_KEYS).decode())
            if created.snapshot_key:
                print(f"etcd snapshot: s3://{bucket.name}/{created.snapshot_key}")
            if created.snapshot_error:
                print(f"error: no etcd snapshot: {created.snapshot_error}", file=sys.stderr)
                return 1
            return 0
        if args.backup_command == "list":
            _print_list(await catalog.list_backups(bucket, args.prefix), as_json=args.json)
            return 0
        if args.backup_command == "restore":
            done = await restore_backup(args.store, bucket, args.prefix, args.key, force=args.force)
            print(
                f"restored s3://{bucket.name}/{done.key} (source revision "
                f"{done.source_revision}): {done.schemas} schemas, {done.versions} versions, "
                f"{done.configs} configs, {done.audit} audit entries; verified; "
                f"store revision now {done.revision}"
            )
            return 0
        return await _prune(args, bucket)


async def _prune(args: argparse.Namespace, bucket: Bucket) -> int:
    policy = Policy(keep_last=args.keep_last or 1, keep_days=args.keep_days)
    doomed = await catalog.prune(
        bucket, args.prefix, policy, datetime.now(UTC), dry_run=args.dry_run
    )
    verb = "would delete" if args.dry_run else "deleted"
    for backup in doomed:
        print(f"{verb} {backup.name}")
    print(f"{verb} {len(doomed)} backup(s)")
    return 0


def _print_list(backups: list[catalog.BackupInfo], *, as_json: bool) -> None:
    if as_json:
        print(orjson.dumps([backup.as_json() for backup in backups]).decode())
        return
    rows = [("NAME", "CREATED", "REVISION", "SCHEMAS", "VERSIONS", "BYTES", "SNAPSHOT")]
    rows.extend(
        (
            backup.name,
            backup.metadata.get("created-at", "?"),
            backup.metadata.get("revision", "?"),
            backup.metadata.get("schemas", "?"),
            backup.metadata.get("versions", "?"),
            str(backup.size),
            "yes" if backup.snapshot_key else "no",
        )
        for backup in backups
    )
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))


if __name__ == "__main__":
    sys.exit(main())
