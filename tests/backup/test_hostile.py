"""Backup objects that are not what they claim: each refused with a clear error, store untouched."""

from __future__ import annotations

import asyncio
import gzip
from pathlib import Path

import orjson
import pytest

from service.backup import archive
from tests.backup.conftest import revision_and_audit, run_cli, s3_client

NAME = "20260101T000000.000Z-r1"
KEY = f"schema-registry/{NAME}/logical.jsonl.gz"


def _header(**overrides: object) -> bytes:
    header = {
        "format": archive.FORMAT,
        "format_version": archive.FORMAT_VERSION,
        "dump_format": "schema-registry-dump",
        "dump_format_version": 2,
        "revision": 0,
        "exported_at": "2026-01-01T00:00:00Z",
        "counts": {"schemas": 0, "versions": 0, "configs": 0, "audit": 0},
        **overrides,
    }
    return orjson.dumps(header) + b"\n"


CASES = {
    "not gzip": (b"just some bytes", "not a gzip archive"),
    "truncated gzip": (gzip.compress(_header())[:-9], "not a gzip archive"),
    "not JSON lines": (gzip.compress(b"{not json\n"), "line 1 (the header) is not JSON"),
    "a JSON array": (gzip.compress(b"[1, 2]\n"), "is not a JSON object"),
    "empty": (gzip.compress(b""), "no header line"),
    "other format": (gzip.compress(_header(format="tarball")), "not a schema registry backup"),
    "format version 99": (gzip.compress(_header(format_version=99)), "format_version 99"),
    "counts disagree": (
        gzip.compress(_header(counts={"schemas": 1, "versions": 1, "configs": 0, "audit": 0})),
        "truncated or edited",
    ),
    "unknown line": (gzip.compress(_header() + b'{"kind": "virus"}\n'), "unknown kind"),
    "bad dump": (
        gzip.compress(
            _header(counts={"schemas": 1, "versions": 0, "configs": 0, "audit": 0})
            + b'{"kind": "schema", "schema": {"id": 5}}\n'
        ),
        "schemas[0].id",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_hostile_archives_are_refused(
    case: str,
    s3_endpoint: str,
    bucket: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    data, message = CASES[case]

    async def upload() -> None:
        async with s3_client(s3_endpoint) as client:
            await client.put_object(
                Bucket=bucket, Key=KEY, Body=data, Metadata={"sha256": archive.sha256(data)}
            )

    asyncio.run(upload())
    target = f"sqlite:///{tmp_path / 'target.db'}"
    argv = ("restore", "--store", target, "--bucket", bucket, "--endpoint-url", s3_endpoint)
    assert run_cli(*argv, "--key", NAME) == 1
    error = capsys.readouterr().err
    assert "is not a restorable backup" in error
    assert message in error
    assert asyncio.run(revision_and_audit(target)) == (0, 0)


def test_an_object_without_a_checksum_is_refused(
    s3_endpoint: str, bucket: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    async def upload() -> None:
        async with s3_client(s3_endpoint) as client:
            await client.put_object(Bucket=bucket, Key=KEY, Body=gzip.compress(_header()))

    asyncio.run(upload())
    target = f"sqlite:///{tmp_path / 'target.db'}"
    argv = ("restore", "--store", target, "--bucket", bucket, "--endpoint-url", s3_endpoint)
    assert run_cli(*argv, "--key", KEY) == 1
    assert "no sha256 metadata" in capsys.readouterr().err


def test_a_gzip_bomb_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(archive, "MAX_DECOMPRESSED", 1000)
    with pytest.raises(archive.ArchiveError, match="more than 1000 bytes"):
        archive.decode(gzip.compress(b"\n" * 5000))
