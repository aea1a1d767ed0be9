"""Restoring a logical backup: download, verify, import into an empty store, verify again.

Nothing is written to the store until the archive has passed every check (sha256 against the
object's metadata, gzip, JSON lines, format, counts, the dump's own validation).

Which stores a restore fills:
- an empty store (revision 0 and no audit entries): always;
- a store with audit entries but no change (revision 0): only with `force`; its entries are
  kept and the backup's are added after them;
- a store with any committed change (revision > 0): never, `force` or not. The restore does
  not delete anything: restore into a new SQLite file or a new etcd prefix and point the
  registry at it, or remove the old content yourself first.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson

from service.backup import archive
from service.backup.catalog import list_backups, logical_key
from service.backup.s3 import Bucket, ObjectNotFound
from service.backup.stores import started_store
from service.storage.contract import Store, StoreError
from service.storage.dump import parse_dump


class RestoreError(Exception):
    """The restore was refused or failed; the message says whether the store was changed."""


@dataclass(frozen=True, slots=True)
class Restored:
    key: str
    source_revision: int
    schemas: int
    versions: int
    configs: int
    audit: int
    revision: int


async def restore_backup(
    store_url: str, bucket: Bucket, prefix: str, key: str | None = None, *, force: bool = False
) -> Restored:
    """Restore the backup `key` (default: the newest) into the store at `store_url`."""
    object_key = await _resolve(bucket, prefix, key)
    dump = await _download(bucket, object_key)
    async with started_store(store_url, must_exist=False) as store:
        await _check_empty(store, store_url, force)
        try:
            await store.import_(dump)
        except (StoreError, ValueError) as exc:
            raise RestoreError(
                f"import into {store_url} failed: {exc} (SQLite and memory roll back; on etcd "
                "the changes before the failure remain: restore into a fresh prefix)"
            ) from None
        problems = _differences(dump, await store.export(), exact_audit=not force)
        if problems:
            raise RestoreError("restored, but verification failed: " + "; ".join(problems[:5]))
        revision = await store.revision()
    configs = dump["configs"]
    return Restored(
        key=object_key,
        source_revision=int(dump["revision"]),
        schemas=len(dump["schemas"]),
        versions=sum(len(schema["versions"]) for schema in dump["schemas"]),
        configs=len(configs["schemas"]) + (configs["global"] is not None),
        audit=len(dump["audit"]),
        revision=revision,
    )


async def _resolve(bucket: Bucket, prefix: str, key: str | None) -> str:
    if key is not None:
        return logical_key(prefix, key)
    backups = await list_backups(bucket, prefix)
    if not backups:
        raise RestoreError(f"no backup under s3://{bucket.name}/{prefix}")
    return backups[0].logical_key


async def _download(bucket: Bucket, key: str) -> dict[str, Any]:
    where = f"s3://{bucket.name}/{key}"
    try:
        stored = await bucket.get(key)
    except ObjectNotFound:
        raise RestoreError(
            f"no backup at {where} (`schema-registry backup list` shows the backups)"
        ) from None
    expected = stored.metadata.get("sha256")
    if not expected:
        raise RestoreError(f"{where} has no sha256 metadata: cannot verify it; nothing restored")
    actual = await asyncio.to_thread(archive.sha256, stored.data)
    if actual != expected:
        raise RestoreError(
            f"checksum mismatch for {where}: the object's sha256 is {actual}, its metadata says "
            f"{expected}: the backup is corrupted; nothing restored"
        )
    try:
        dump = await asyncio.to_thread(archive.decode, stored.data)
        await asyncio.to_thread(parse_dump, dump)
    except ValueError as exc:
        raise RestoreError(f"{where} is not a restorable backup: {exc}; nothing restored") from None
    for name, found in (
        ("schemas", len(dump["schemas"])),
        ("versions", sum(len(schema["versions"]) for schema in dump["schemas"])),
    ):
        if stored.metadata.get(name, str(found)) != str(found):
            raise RestoreError(
                f"{where}: metadata says {stored.metadata[name]} {name}, the archive holds "
                f"{found}; nothing restored"
            )
    return dump


async def _check_empty(store: Store, url: str, force: bool) -> None:
    revision = await store.revision()
    if revision != 0:
        raise RestoreError(
            f"store {url} is not empty (revision {revision}); restore only fills an empty store, "
            "even with --force: restore into a new SQLite file or etcd prefix instead; "
            "nothing restored"
        )
    if not force and await store.list_audit(limit=1):
        raise RestoreError(
            f"store {url} holds audit entries; --force keeps them and adds the backup's; "
            "nothing restored"
        )


def _differences(
    dump: Mapping[str, Any], restored: Mapping[str, Any], *, exact_audit: bool
) -> list[str]:
    """What the restored store's export lacks or has differently from the dump."""
    problems = []
    want = {schema["id"]: schema for schema in dump["schemas"]}
    have = {schema["id"]: schema for schema in restored["schemas"]}
    if set(want) != set(have):
        missing, extra = sorted(set(want) - set(have)), sorted(set(have) - set(want))
        problems.append(f"schema ids differ (missing {missing[:5]}, unexpected {extra[:5]})")
    for schema_id in sorted(set(want) & set(have)):
        problems.extend(_schema_differences(want[schema_id], have[schema_id]))
    if dump["configs"] != restored["configs"]:
        problems.append("configs differ")
    want_audit, have_audit = Counter(_keyed(dump["audit"])), Counter(_keyed(restored["audit"]))
    if want_audit - have_audit or (exact_audit and have_audit != want_audit):
        problems.append(
            f"audit log differs ({len(dump['audit'])} entries in the backup, "
            f"{len(restored['audit'])} in the store)"
        )
    return problems


def _schema_differences(want: Mapping[str, Any], have: Mapping[str, Any]) -> list[str]:
    schema_id = want["id"]
    problems = []
    for field in ("deleted", "updated_at"):
        if want[field] != have[field]:
            problems.append(f"{schema_id}: {field} {have[field]!r}, expected {want[field]!r}")
    versions = {version["version"]: version for version in have["versions"]}
    if set(versions) != {version["version"] for version in want["versions"]}:
        problems.append(f"{schema_id}: versions {sorted(versions)} differ from the backup's")
    for version in want["versions"]:
        got = versions.get(version["version"])
        if got is None:
            continue
        for field in ("fingerprint", "document", "created_at"):
            if got[field] != version[field]:
                problems.append(f"{schema_id}@{version['version']}: {field} differs")
    return problems


def _keyed(entries: list[Any]) -> list[bytes]:
    # A format 1 dump's entries have no role or client; the store reads them back as "".
    return [
        orjson.dumps({"role": "", "client": "", **entry}, option=orjson.OPT_SORT_KEYS)
        for entry in entries
    ]
