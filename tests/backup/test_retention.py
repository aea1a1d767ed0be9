"""Retention: the pure policy, and prune against a real bucket with chosen backup times."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from service.backup import catalog
from service.backup.retention import Policy, to_prune
from service.backup.s3 import open_bucket
from tests.backup.conftest import run_cli

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def _ages(*days: float) -> list[tuple[str, datetime]]:
    return [(f"b{day}", NOW - timedelta(days=day)) for day in days]


def test_keep_last_is_never_deleted_whatever_the_age() -> None:
    backups = _ages(100, 200, 300)
    assert to_prune(backups, Policy(keep_last=2, keep_days=1), NOW) == ["b300"]


def test_beyond_keep_last_only_older_than_keep_days_go() -> None:
    backups = _ages(0.5, 1, 6.9, 7, 7.1, 30)
    assert to_prune(backups, Policy(keep_last=1, keep_days=7), NOW) == ["b7.1", "b30"]


def test_without_keep_days_everything_beyond_keep_last_goes() -> None:
    assert to_prune(_ages(1, 2, 3), Policy(keep_last=1, keep_days=None), NOW) == ["b2", "b3"]


def test_future_backups_are_not_old() -> None:
    assert to_prune(_ages(-3, 10), Policy(keep_last=1, keep_days=5), NOW) == ["b10"]


def test_policy_refuses_to_keep_nothing() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        Policy(keep_last=0, keep_days=None)


async def _seed(endpoint: str, bucket: str, ages: list[float]) -> list[str]:
    names = []
    async with open_bucket(bucket, endpoint) as target:
        for revision, age in enumerate(ages, start=1):
            name = catalog.backup_name(NOW - timedelta(days=age), revision)
            names.append(name)
            prefix = f"{catalog.DEFAULT_PREFIX}{name}/"
            await target.put(prefix + catalog.LOGICAL, b"x", {"sha256": "0"})
            if revision % 2:
                await target.put(prefix + catalog.SNAPSHOT, b"s", {"sha256": "0"})
        # Not a backup: prune must leave it alone.
        await target.put(f"{catalog.DEFAULT_PREFIX}notes.txt", b"keep me", {})
    return names


async def _remaining(endpoint: str, bucket: str) -> list[str]:
    async with open_bucket(bucket, endpoint) as target:
        return [info.key for info in await target.list("")]


def test_prune_deletes_exactly_what_the_policy_says(s3_endpoint: str, bucket: str) -> None:
    names = asyncio.run(_seed(s3_endpoint, bucket, [40, 20, 10, 3, 1]))

    async def prune(dry_run: bool) -> list[str]:
        async with open_bucket(bucket, s3_endpoint) as target:
            policy = Policy(keep_last=2, keep_days=7)
            chosen = await catalog.prune(target, "schema-registry/", policy, NOW, dry_run=dry_run)
            return [backup.name for backup in chosen]

    everything = asyncio.run(_remaining(s3_endpoint, bucket))
    assert asyncio.run(prune(dry_run=True)) == [names[2], names[1], names[0]]
    assert asyncio.run(_remaining(s3_endpoint, bucket)) == everything
    assert asyncio.run(prune(dry_run=False)) == [names[2], names[1], names[0]]
    left = asyncio.run(_remaining(s3_endpoint, bucket))
    assert left == sorted(
        [
            f"schema-registry/{names[3]}/logical.jsonl.gz",
            f"schema-registry/{names[4]}/logical.jsonl.gz",
            f"schema-registry/{names[4]}/snapshot.db",
            "schema-registry/notes.txt",
        ]
    )


def test_prune_cli_dry_run_then_real(
    s3_endpoint: str, bucket: str, capsys: pytest.CaptureFixture[str]
) -> None:
    now = datetime.now(UTC)
    ages = [(now - datetime(2026, 6, 1, tzinfo=UTC)).days + age for age in (0, 100, 200)]
    asyncio.run(_seed(s3_endpoint, bucket, [float(age) for age in ages]))
    argv = ("prune", "--bucket", bucket, "--endpoint-url", s3_endpoint, "--keep-days", "30")
    assert run_cli(*argv, "--dry-run") == 0
    assert "would delete 2 backup(s)" in capsys.readouterr().out
    assert len(asyncio.run(_remaining(s3_endpoint, bucket))) == 6
    assert run_cli(*argv) == 0
    assert "deleted 2 backup(s)" in capsys.readouterr().out
    assert len(asyncio.run(_remaining(s3_endpoint, bucket))) == 3
