"""The backups in a bucket: their key layout, object metadata, listing and lookup.

One backup is a "folder" under the prefix, named for its UTC time and the store revision::

    <prefix><YYYYMMDDTHHMMSS.mmmZ>-r<revision>/logical.jsonl.gz   the logical archive
    <prefix><YYYYMMDDTHHMMSS.mmmZ>-r<revision>/snapshot.db        etcd stores only

The logical archive is uploaded last, so a folder without one is an unfinished backup: `list`,
`restore` and `prune` ignore it. Names sort in time order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from service.backup.retention import Policy, to_prune
from service.backup.s3 import Bucket

LOGICAL = "logical.jsonl.gz"
SNAPSHOT = "snapshot.db"
DEFAULT_PREFIX = "schema-registry/"
_STAMP = "%Y%m%dT%H%M%S"
_NAME = re.compile(r"(\d{8}T\d{6})\.(\d{3})Z-r(\d+)")


def backup_name(created: datetime, revision: int) -> str:
    """The folder name of a backup made at `created` (aware) of a store at `revision`."""
    moment = created.astimezone(UTC)
    return f"{moment.strftime(_STAMP)}.{moment.microsecond // 1000:03d}Z-r{revision}"


def parse_name(name: str) -> datetime | None:
    """The creation time a backup name carries, None if `name` is not one."""
    match = _NAME.fullmatch(name)
    if match is None:
        return None
    try:
        moment = datetime.strptime(match.group(1), _STAMP).replace(tzinfo=UTC)
    except ValueError:
        return None
    return moment.replace(microsecond=int(match.group(2)) * 1000)


@dataclass(frozen=True, slots=True)
class BackupInfo:
    """A finished backup: its name, time, objects and the logical archive's metadata."""

    name: str
    created: datetime
    logical_key: str
    snapshot_key: str | None
    size: int
    metadata: dict[str, str]

    def keys(self) -> list[str]:
        return [self.logical_key] + ([self.snapshot_key] if self.snapshot_key else [])

    def as_json(self) -> dict[str, object]:
        return {
            "name": self.name,
            "created": self.created.isoformat().replace("+00:00", "Z"),
            "logical_key": self.logical_key,
            "snapshot_key": self.snapshot_key,
            "size": self.size,
            "metadata": self.metadata,
        }


async def list_backups(bucket: Bucket, prefix: str) -> list[BackupInfo]:
    """Every finished backup under `prefix`, newest first, with its metadata."""
    folders: dict[str, dict[str, int]] = {}
    for info in await bucket.list(prefix):
        name, sep, leaf = info.key.removeprefix(prefix).partition("/")
        if sep and parse_name(name) is not None:
            folders.setdefault(name, {})[leaf] = info.size
    backups = []
    for name, leaves in folders.items():
        if LOGICAL not in leaves:
            continue
        created = parse_name(name)
        assert created is not None
        logical = f"{prefix}{name}/{LOGICAL}"
        backups.append(
            BackupInfo(
                name=name,
                created=created,
                logical_key=logical,
                snapshot_key=f"{prefix}{name}/{SNAPSHOT}" if SNAPSHOT in leaves else None,
                size=sum(leaves.values()),
                metadata=await bucket.metadata(logical),
            )
        )
    return sorted(backups, key=lambda backup: (backup.created, backup.name), reverse=True)


def logical_key(prefix: str, key: str) -> str:
    """The logical archive's key for `--key`: a backup name as `list` shows it, its folder, or
    the full key of its archive (with or without the prefix)."""
    name = key.removeprefix(prefix).removesuffix(LOGICAL).rstrip("/")
    return f"{prefix}{name}/{LOGICAL}"


async def prune(
    bucket: Bucket, prefix: str, policy: Policy, now: datetime, *, dry_run: bool = False
) -> list[BackupInfo]:
    """Delete (unless `dry_run`) the backups `policy` lets go at `now`; returns them."""
    backups = await list_backups(bucket, prefix)
    doomed = set(to_prune([(backup.name, backup.created) for backup in backups], policy, now))
    chosen = [backup for backup in backups if backup.name in doomed]
    if not dry_run:
        # Archives first: a backup whose archive is gone is unfinished, never half-restorable.
        await bucket.delete([backup.logical_key for backup in chosen])
        await bucket.delete([key for backup in chosen for key in backup.keys()[1:]])
    return chosen
