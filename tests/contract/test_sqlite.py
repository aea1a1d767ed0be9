"""SQLite-only guarantees: restarts, damaged or locked files, and other processes on one file."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import sys
import threading
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from service.storage import SqliteStore
from service.storage.contract import (
    AuditEntry,
    Conflict,
    HistoryCompacted,
    StoredVersion,
    StoreUnavailable,
)
from service.storage.sqlite_schema import MIGRATIONS
from tests.contract.samples import TIMEOUT, audit_entry, new_version, populate, publish, take

pytestmark = pytest.mark.asyncio

REPO_ROOT = Path(__file__).resolve().parents[2]

# Publishes one version from another process and exits without close(): what it committed
# must already be on disk and visible to the test's store.
_OTHER_PROCESS_WRITER = """
import asyncio, os, sys
from service.storage.contract import NewVersion
from service.storage.sqlite import SqliteStore

async def main() -> None:
    store = SqliteStore(sys.argv[1])
    await store.start()
    version = NewVersion("from_other_process", "1.0.0", b'{"type":"object"}', "fp")
    await store.create_version(version, expected_mod_revision=0, event_data={"pid": os.getpid()})
    os._exit(0)

asyncio.run(main())
"""


def _store(path: Path, busy_timeout: float = 5.0) -> SqliteStore:
    return SqliteStore(path, busy_timeout=busy_timeout, poll_interval=0.05)


def _store_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("sqlite-store")]


def _pragma(path: Path, statement: str) -> object:
    """The value a PRAGMA reads, or None for one that sets."""
    with contextlib.closing(sqlite3.connect(path)) as conn:
        row = conn.execute(f"PRAGMA {statement}").fetchone()
        return row[0] if row else None


def _scalar(path: Path, query: str) -> object:
    with contextlib.closing(sqlite3.connect(path)) as conn:
        return conn.execute(query).fetchone()[0]


def _execute(path: Path, statement: str) -> None:
    with contextlib.closing(sqlite3.connect(path, isolation_level=None)) as conn:
        conn.execute(statement)


def _damage(path: Path, offset: int, data: bytes) -> None:
    with path.open("r+b") as file:
        file.seek(offset)
        file.write(data)


async def test_everything_survives_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "registry.db"
    first = _store(path)
    await first.start()
    await populate(first)
    revision = await first.revision()
    before = (
        await first.snapshot(),
        await first.list_audit(),
        await first.export(),
        await take(first.watch(0), revision),
    )
    await first.close()
    second = _store(path)
    await second.start()
    try:
        assert await second.revision() == revision == 12
        after = (
            await second.snapshot(),
            await second.list_audit(),
            await second.export(),
            await take(second.watch(0), revision),
        )
        assert after[0] == before[0]
        assert after[1] == before[1]
        assert {**after[2], "exported_at": ""} == {**before[2], "exported_at": ""}
        assert after[3] == before[3]
        # The history goes on from where it stopped.
        assert (await publish(second, "after_restart")).revision == revision + 1
    finally:
        await second.close()


async def test_the_file_is_in_wal_mode(tmp_path: Path) -> None:
    path = tmp_path / "registry.db"
    store = _store(path)
    await store.start()
    await store.close()
    assert await asyncio.to_thread(_pragma, path, "journal_mode") == "wal"
    assert await asyncio.to_thread(_pragma, path, "user_version") == len(MIGRATIONS)


async def test_close_leaves_no_thread_behind(tmp_path: Path) -> None:
    store = _store(tmp_path / "registry.db")
    await store.start()
    assert _store_threads()
    await publish(store)
    await store.close()
    assert _store_threads() == []


async def test_a_watch_from_before_the_kept_history_is_history_compacted(tmp_path: Path) -> None:
    path = tmp_path / "registry.db"
    store = _store(path)
    await store.start()
    try:
        for version in ["1.0.0", "1.1.0", "1.2.0"]:
            await publish(store, "a", version)
        # Simulates trimmed history; SqliteStore itself keeps every event.
        await asyncio.to_thread(_execute, path, "DELETE FROM events WHERE revision <= 2")
        with pytest.raises(HistoryCompacted, match="no longer kept"):
            await anext(store.watch(1))
        [event] = await take(store.watch(2), 1)
        assert event.revision == 3
    finally:
        await store.close()


async def test_a_file_that_is_not_a_database_is_unavailable(tmp_path: Path) -> None:
    path = tmp_path / "registry.db"
    await asyncio.to_thread(path.write_bytes, b"these are not the bytes you are looking for\n" * 99)
    with pytest.raises(StoreUnavailable, match="not a usable SQLite") as raised:
        await _store(path).start()
    assert str(path) in str(raised.value)
    assert _store_threads() == []


async def test_a_damaged_database_is_unavailable(tmp_path: Path) -> None:
    path = tmp_path / "registry.db"
    store = _store(path)
    await store.start()
    await populate(store)
    await store.close()
    page_size = await asyncio.to_thread(_pragma, path, "page_size")
    assert isinstance(page_size, int)
    # Page 1 (the header and the table of tables) stays intact, the table pages do not.
    await asyncio.to_thread(_damage, path, page_size, b"\xa5" * page_size * 3)
    with pytest.raises(StoreUnavailable, match=str(path)):
        await _store(path).start()


async def test_a_directory_that_does_not_exist_is_unavailable(tmp_path: Path) -> None:
    path = tmp_path / "missing" / "registry.db"
    with pytest.raises(StoreUnavailable, match="cannot open") as raised:
        await _store(path).start()
    assert str(path) in str(raised.value)


async def test_a_file_from_a_newer_release_is_unavailable(tmp_path: Path) -> None:
    path = tmp_path / "registry.db"
    await asyncio.to_thread(_pragma, path, "user_version = 99")
    with pytest.raises(StoreUnavailable, match="newer"):
        await _store(path).start()


async def test_a_write_locked_out_past_the_busy_timeout_is_unavailable(tmp_path: Path) -> None:
    path = tmp_path / "registry.db"
    store = _store(path, busy_timeout=0.1)
    await store.start()
    await publish(store, "a")
    # Another writer (as root, chmod cannot make the file read-only) holds the write lock.
    blocker = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    try:
        await asyncio.to_thread(blocker.execute, "BEGIN EXCLUSIVE")
        with pytest.raises(StoreUnavailable, match="locked"):
            await publish(store, "a", "1.1.0")
        # WAL readers are not blocked: reads go on while writes fail.
        record = await store.get("a")
        assert record is not None
        assert [v.version for v in record.versions] == ["1.0.0"]
        await asyncio.to_thread(blocker.execute, "ROLLBACK")
    finally:
        await asyncio.to_thread(blocker.close)
    assert (await publish(store, "a", "1.1.0")).revision == 2
    await store.close()


async def test_two_stores_on_one_file_share_the_compare_and_swap(tmp_path: Path) -> None:
    path = tmp_path / "registry.db"
    left, right = _store(path), _store(path)
    await left.start()
    await right.start()
    try:
        watch = left.watch(0)
        results = await asyncio.gather(
            *(
                (left if n % 2 else right).create_version(
                    new_version("ticks_v1", f"1.0.{n}"), expected_mod_revision=0, event_data={}
                )
                for n in range(20)
            ),
            return_exceptions=True,
        )
        [winner] = [r for r in results if isinstance(r, StoredVersion)]
        assert sum(isinstance(r, Conflict) for r in results) == 19
        [event] = await take(watch, 1)
        assert event.data["version"] == winner.version
        # A commit through `right` reaches `left`'s watch by polling.
        await publish(right, "bars_v1")
        [event] = await take(watch, 1)
        assert (event.revision, event.subject) == (2, "bars_v1")
    finally:
        await left.close()
        await right.close()


async def test_a_write_by_another_process_reaches_the_watch(tmp_path: Path) -> None:
    path = tmp_path / "registry.db"
    store = _store(path)
    await store.start()
    try:
        await publish(store, "local")
        pending = asyncio.create_task(take(store.watch(1), 1))
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            _OTHER_PROCESS_WRITER,
            str(path),
            cwd=REPO_ROOT,
            stderr=asyncio.subprocess.PIPE,
        )
        async with asyncio.timeout(TIMEOUT * 2):
            _, stderr = await process.communicate()
        assert process.returncode == 0, stderr.decode()
        [event] = await pending
        assert (event.revision, event.subject) == (2, "from_other_process")
        assert event.data["pid"] == process.pid
        record = await store.get("from_other_process")
        assert record is not None
        assert record.latest.document == b'{"type":"object"}'
    finally:
        await store.close()


def _layout_1_file(path: Path) -> None:
    """A file as the first release left it, with one audit entry."""
    with contextlib.closing(sqlite3.connect(path, isolation_level=None)) as conn:
        for statement in MIGRATIONS[0]:
            conn.execute(statement)
        conn.execute("PRAGMA user_version = 1")
        conn.execute(
            "INSERT INTO audit (time, principal, action, target, outcome, request_id, details)"
            " VALUES ('2026-01-01T00:00:00.000000Z', 'ops', 'delete', 'old_v1', 'ok', 'req-1',"
            " '{\"permanent\":true}')"
        )


async def test_a_layout_1_file_migrates_and_keeps_its_audit_log(tmp_path: Path) -> None:
    path = tmp_path / "registry.db"
    await asyncio.to_thread(_layout_1_file, path)
    store = _store(path)
    await store.start()
    try:
        old = AuditEntry(
            principal="ops",
            action="delete",
            target="old_v1",
            outcome="ok",
            request_id="req-1",
            time="2026-01-01T00:00:00.000000Z",
            details={"permanent": True},
            role="",
            client="",
        )
        assert await store.list_audit() == [old]
        entry = audit_entry("2026-01-02T00:00:00Z", "publish")
        await store.append_audit(entry)
        listed = await store.list_audit()
        assert [(e.role, e.client) for e in listed] == [("", ""), ("ci-bot", "192.0.2.7")]
    finally:
        await store.close()
    assert await asyncio.to_thread(_pragma, path, "user_version") == len(MIGRATIONS)


# Each write, given an audit entry; run on a store holding live "a" and soft-deleted "b".
_AUDITED_WRITES: dict[str, Callable[[SqliteStore, AuditEntry], Awaitable[object]]] = {
    "publish": lambda store, entry: store.create_version(
        new_version("a", "1.1.0"), expected_mod_revision=1, event_data={}, audit=entry
    ),
    "soft delete": lambda store, entry: store.delete(
        "a", permanent=False, event_data={}, audit=entry
    ),
    "permanent delete": lambda store, entry: store.delete(
        "b", permanent=True, event_data={}, audit=entry
    ),
    "config": lambda store, entry: store.put_config("a", {}, event_data={}, audit=entry),
}


@pytest.mark.parametrize("write", sorted(_AUDITED_WRITES))
async def test_a_write_whose_audit_insert_fails_commits_nothing(tmp_path: Path, write: str) -> None:
    path = tmp_path / "registry.db"
    store = _store(path)
    await store.start()
    try:
        await publish(store, "a")
        await publish(store, "b")
        await store.delete("b", permanent=False, event_data={})
        before = await store.snapshot()
        # Fails the write's last statement, after its change and event are in the transaction.
        await asyncio.to_thread(
            _execute,
            path,
            "CREATE TRIGGER refuse_audit BEFORE INSERT ON audit"
            " BEGIN SELECT RAISE(ABORT, 'audit refused'); END",
        )
        with pytest.raises(StoreUnavailable, match="audit refused"):
            await _AUDITED_WRITES[write](store, audit_entry("2026-01-01T00:00:00Z"))
        assert await store.snapshot() == before
        assert await store.list_audit() == []
        assert await asyncio.to_thread(_scalar, path, "SELECT max(revision) FROM events") == 3
    finally:
        await store.close()
