"""Making a backup: export the store, snapshot etcd, upload both with their metadata."""

from __future__ import annotations

import asyncio
import hashlib
import shutil
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata as package_metadata
from pathlib import Path
from urllib.parse import urlsplit

from service.backup import archive, snapshot
from service.backup.catalog import LOGICAL, SNAPSHOT, backup_name
from service.backup.s3 import Bucket
from service.backup.stores import started_store


def tool_version() -> str:
    try:
        return package_metadata.version("schema-registry")
    except package_metadata.PackageNotFoundError:
        return "unknown"


@dataclass(frozen=True, slots=True)
class CreatedBackup:
    """What `create_backup` uploaded; `snapshot_error` says why an etcd snapshot is missing."""

    name: str
    logical_key: str
    snapshot_key: str | None
    metadata: dict[str, str]
    snapshot_error: str | None = None


async def create_backup(
    store_url: str, bucket: Bucket, prefix: str, now: datetime | None = None
) -> CreatedBackup:
    """Back up the store at `store_url` into `bucket` under `prefix`.

    The logical archive is the consistent copy (one revision). On etcd a snapshot of the whole
    cluster is taken right after the export, so it may hold later changes; it is uploaded
    first, the archive last, and a failed snapshot still leaves the archive uploaded.
    """
    async with started_store(store_url, must_exist=True) as store:
        dump = await store.export()
    packed = await asyncio.to_thread(archive.encode, dump)
    created = now or datetime.now(UTC)
    name = backup_name(created, packed.revision)
    common = {
        "revision": str(packed.revision),
        "created-at": created.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "tool-version": tool_version(),
        "store-kind": urlsplit(store_url).scheme.lower(),
    }
    metadata = {
        **common,
        "format": f"{archive.FORMAT}/{archive.FORMAT_VERSION}",
        "schemas": str(packed.schemas),
        "versions": str(packed.versions),
        "sha256": packed.sha256,
    }
    snapshot_key, snapshot_error = None, None
    endpoints = snapshot.etcd_endpoints(store_url)
    if endpoints is not None:
        key = f"{prefix}{name}/{SNAPSHOT}"
        try:
            sha = await _upload_snapshot(endpoints, bucket, key, common)
        except snapshot.SnapshotError as exc:
            snapshot_error = str(exc)
        else:
            snapshot_key = key
            metadata["snapshot-sha256"] = sha
    logical = f"{prefix}{name}/{LOGICAL}"
    await bucket.put(logical, packed.data, metadata)
    return CreatedBackup(name, logical, snapshot_key, metadata, snapshot_error)


async def _upload_snapshot(
    endpoints: list[str], bucket: Bucket, key: str, common: dict[str, str]
) -> str:
    directory = Path(await asyncio.to_thread(tempfile.mkdtemp, prefix="registry-snapshot-"))
    try:
        path = directory / SNAPSHOT
        endpoint = await snapshot.save(endpoints, path)
        sha = await asyncio.to_thread(_file_sha256, path)
        await bucket.put_file(
            key,
            path,
            {**common, "format": "etcd-snapshot", "sha256": sha, "endpoint": endpoint},
        )
        return sha
    finally:
        await asyncio.to_thread(shutil.rmtree, directory, True)


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
