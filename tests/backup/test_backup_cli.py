"""create, list and restore through the CLI against a real S3 server and SQLite stores."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import orjson
import pytest

from tests.backup.conftest import dump_of, populate, revision_and_audit, run_cli, s3_client


def _sqlite(path: Path) -> str:
    return f"sqlite:///{path}"


def _list(s3_endpoint: str, bucket: str, capsys: pytest.CaptureFixture[str]) -> list[Any]:
    capsys.readouterr()
    assert run_cli("list", "--bucket", bucket, "--endpoint-url", s3_endpoint, "--json") == 0
    listed: list[Any] = orjson.loads(capsys.readouterr().out)
    return listed


@pytest.fixture
def source(tmp_path: Path) -> str:
    url = _sqlite(tmp_path / "source.db")
    asyncio.run(populate(url))
    return url


def _create(s3_endpoint: str, bucket: str, store: str) -> None:
    assert (
        run_cli("create", "--store", store, "--bucket", bucket, "--endpoint-url", s3_endpoint) == 0
    )


def _restore(s3_endpoint: str, bucket: str, store: str, *extra: str) -> int:
    return run_cli(
        "restore", "--store", store, "--bucket", bucket, "--endpoint-url", s3_endpoint, *extra
    )


def test_create_then_list_shows_the_backup_with_metadata(
    s3_endpoint: str, bucket: str, source: str, capsys: pytest.CaptureFixture[str]
) -> None:
    _create(s3_endpoint, bucket, source)
    [backup] = _list(s3_endpoint, bucket, capsys)
    meta = backup["metadata"]
    assert meta["schemas"] == "2"
    assert meta["versions"] == "5"
    assert int(meta["revision"]) > 0
    assert len(meta["sha256"]) == 64
    assert meta["tool-version"]
    assert meta["created-at"].endswith("Z")
    assert meta["store-kind"] == "sqlite"
    assert backup["logical_key"] == f"schema-registry/{backup['name']}/logical.jsonl.gz"
    assert backup["snapshot_key"] is None
    assert run_cli("list", "--bucket", bucket, "--endpoint-url", s3_endpoint) == 0
    table = capsys.readouterr().out.splitlines()
    assert table[0].split() == [
        "NAME", "CREATED", "REVISION", "SCHEMAS", "VERSIONS", "BYTES", "SNAPSHOT",
    ]  # fmt: skip
    assert table[1].split()[0] == backup["name"]


def test_list_is_newest_first(
    s3_endpoint: str, bucket: str, source: str, capsys: pytest.CaptureFixture[str]
) -> None:
    _create(s3_endpoint, bucket, source)
    time.sleep(0.01)
    _create(s3_endpoint, bucket, source)
    names = [backup["name"] for backup in _list(s3_endpoint, bucket, capsys)]
    assert len(names) == 2
    assert names == sorted(names, reverse=True)


def test_restore_into_a_wiped_store_gives_back_everything(
    s3_endpoint: str, bucket: str, source: str, tmp_path: Path
) -> None:
    _create(s3_endpoint, bucket, source)
    before = asyncio.run(dump_of(source))
    # Wiped: a new, empty file.
    target = _sqlite(tmp_path / "wiped.db")
    assert _restore(s3_endpoint, bucket, target) == 0
    after = asyncio.run(dump_of(target))
    assert after == before
    assert len(after["audit"]) >= 6
    assert [s["id"] for s in after["schemas"] if s["deleted"]] == ["quotes_v1"]
    assert after["configs"]["global"]["mode"] == "FULL"


def test_restore_picks_the_named_backup(
    s3_endpoint: str, bucket: str, source: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = _sqlite(tmp_path / "empty.db")
    asyncio.run(revision_and_audit(empty))
    _create(s3_endpoint, bucket, empty)
    _create(s3_endpoint, bucket, source)
    oldest = _list(s3_endpoint, bucket, capsys)[-1]["name"]
    target = _sqlite(tmp_path / "target.db")
    assert _restore(s3_endpoint, bucket, target, "--key", oldest) == 0
    assert asyncio.run(revision_and_audit(target)) == (0, 0)


def test_a_flipped_byte_is_refused_and_nothing_changes(
    s3_endpoint: str,
    bucket: str,
    source: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _create(s3_endpoint, bucket, source)
    [backup] = _list(s3_endpoint, bucket, capsys)

    async def corrupt() -> None:
        async with s3_client(s3_endpoint) as client:
            key = backup["logical_key"]
            answer = await client.get_object(Bucket=bucket, Key=key)
            data = bytearray(await answer["Body"].read())
            data[len(data) // 2] ^= 0x01
            await client.put_object(
                Bucket=bucket, Key=key, Body=bytes(data), Metadata=answer["Metadata"]
            )

    asyncio.run(corrupt())
    target = _sqlite(tmp_path / "target.db")
    assert _restore(s3_endpoint, bucket, target) == 1
    error = capsys.readouterr().err
    assert "checksum mismatch" in error
    assert "nothing restored" in error
    assert asyncio.run(revision_and_audit(target)) == (0, 0)


def test_a_non_empty_store_is_refused_even_with_force(
    s3_endpoint: str, bucket: str, source: str, capsys: pytest.CaptureFixture[str]
) -> None:
    _create(s3_endpoint, bucket, source)
    before = asyncio.run(dump_of(source))
    for force in ((), ("--force",)):
        capsys.readouterr()
        assert _restore(s3_endpoint, bucket, source, *force) == 1
        assert "is not empty" in capsys.readouterr().err
    assert asyncio.run(dump_of(source)) == before


def test_audit_entries_alone_need_force_and_are_kept(
    s3_endpoint: str,
    bucket: str,
    source: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from service.storage import open_store
    from tests.contract.samples import audit_entry

    _create(s3_endpoint, bucket, source)
    target = _sqlite(tmp_path / "target.db")

    async def audit_only() -> None:
        store = open_store(target)
        await store.start()
        await store.append_audit(audit_entry("2020-01-01T00:00:00Z", "rejected"))
        await store.close()

    asyncio.run(audit_only())
    assert _restore(s3_endpoint, bucket, target) == 1
    assert "--force" in capsys.readouterr().err
    assert asyncio.run(revision_and_audit(target)) == (0, 1)
    assert _restore(s3_endpoint, bucket, target, "--force") == 0
    restored = asyncio.run(dump_of(target))
    expected = asyncio.run(dump_of(source))
    assert len(restored["audit"]) == len(expected["audit"]) + 1
    assert restored["schemas"] == expected["schemas"]


def test_a_missing_key_fails_with_a_message(
    s3_endpoint: str, bucket: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = _sqlite(tmp_path / "target.db")
    assert _restore(s3_endpoint, bucket, target, "--key", "20200101T000000.000Z-r1") == 1
    assert "no backup at s3://" in capsys.readouterr().err
    assert _restore(s3_endpoint, bucket, target) == 1
    assert "no backup under" in capsys.readouterr().err


def test_a_missing_sqlite_file_is_not_backed_up(
    s3_endpoint: str, bucket: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = _sqlite(tmp_path / "typo.db")
    assert (
        run_cli("create", "--store", missing, "--bucket", bucket, "--endpoint-url", s3_endpoint)
        == 1
    )
    assert "does not exist" in capsys.readouterr().err
    assert not (tmp_path / "typo.db").exists()


def test_an_unreachable_s3_fails_quickly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.backup.conftest import _free_port

    closed = f"http://127.0.0.1:{_free_port()}"
    source = _sqlite(tmp_path / "source.db")
    asyncio.run(revision_and_audit(source))
    started = time.monotonic()
    assert run_cli("list", "--bucket", "b", "--endpoint-url", closed) == 1
    assert run_cli("create", "--store", source, "--bucket", "b", "--endpoint-url", closed) == 1
    assert time.monotonic() - started < 20
    error = capsys.readouterr().err
    assert "error:" in error
    assert closed in error or "Could not connect" in error


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["list"], "--bucket is required"),
        (["create", "--bucket", "b"], "--store is required"),
        (["restore", "--bucket", "b", "--store", "nosuch://x"], "unknown store URL scheme"),
        (["prune", "--bucket", "b"], "--keep-last and/or --keep-days"),
    ],
)
def test_usage_errors_exit_2(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli(*argv) == 2
    assert message in capsys.readouterr().err


def test_bad_flag_values_exit_2() -> None:
    with pytest.raises(SystemExit) as exited:
        run_cli("prune", "--bucket", "b", "--keep-last", "0")
    assert exited.value.code == 2
