"""`SqliteStore`: the embedded durable backend; every SQLite call runs on one worker thread.

One file, one node. WAL journal with `synchronous=FULL`, so a commit is fsynced before a write
returns; writes take the write lock up front (`BEGIN IMMEDIATE`), so revisions commit in order
even with several processes on the same file, and insert their audit entry in the same
transaction as their change. Every event is kept forever: `watch` can always replay from 0.
Watches wake at once on this store's own commits and poll the events table every
`poll_interval` seconds for commits made by other processes.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import functools
import os
import sqlite3
from collections.abc import AsyncIterator, Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from service.storage import sqlite_queries as queries
from service.storage import timestamps
from service.storage.codec import decode_object, encode_object
from service.storage.contract import (
    AuditEntry,
    Event,
    Governed,
    HistoryCompacted,
    NewVersion,
    SchemaRecord,
    Snapshot,
    StoredVersion,
    StoreUnavailable,
)
from service.storage.dump import build_dump, parse_dump
from service.storage.sqlite_schema import NewerLayout, migrate

T = TypeVar("T")

# Events fetched per watch query: bounds memory while replaying a long history.
_WATCH_BATCH = 256


def _detached(data: dict[str, Any], what: str) -> dict[str, Any]:
    # Validates in the caller's task and hands the thread a copy the caller cannot mutate.
    return decode_object(encode_object(data, what))


def _detached_audit(entry: AuditEntry | None) -> AuditEntry | None:
    if entry is None:
        return None
    return dataclasses.replace(entry, details=_detached(entry.details, "audit details"))


class SqliteStore:
    """Implements `Store` on one SQLite file (`path` must not be `:memory:`)."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        busy_timeout: float = 5.0,
        poll_interval: float = 0.5,
    ) -> None:
        self.path = os.fspath(path)
        self._busy_timeout = busy_timeout
        self._poll_interval = poll_interval
        self._executor: ThreadPoolExecutor | None = None
        # Used only on the worker thread.
        self._conn: sqlite3.Connection | None = None
        # Set and replaced after each commit by this store; watchers wait on the current one.
        self._wakeup = asyncio.Event()
        # Highest revision this store knows was committed: a hint that wakes watchers early.
        self._head = 0
        self._state = "new"

    # -- lifecycle -------------------------------------------------------------------------

    async def start(self) -> None:
        if self._state != "new":
            raise StoreUnavailable(f"SQLite store {self.path} cannot be started twice")
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite-store")
        try:
            self._head = await self._submit(self._open)
        except BaseException:
            await self._shutdown()
            raise
        self._state = "open"

    def _open(self) -> int:
        try:
            conn = sqlite3.connect(self.path, timeout=self._busy_timeout, isolation_level=None)
        except sqlite3.Error as exc:
            raise StoreUnavailable(f"cannot open SQLite store {self.path}: {exc}") from exc
        try:
            if conn.execute("PRAGMA journal_mode = WAL").fetchone()[0] != "wal":
                raise StoreUnavailable(f"SQLite store {self.path} cannot use WAL mode")
            conn.execute("PRAGMA synchronous = FULL")
            conn.execute("PRAGMA foreign_keys = ON")
            # A damaged file should fail here, naming the file, not in the middle of a request.
            check = conn.execute("PRAGMA quick_check").fetchone()[0]
            if check != "ok":
                raise sqlite3.DatabaseError(f"integrity check failed: {check}")
            migrate(conn)
            revision = queries.read(conn, queries.revision)
        except (NewerLayout, sqlite3.Error) as exc:
            conn.close()
            raise self._start_failure(exc) from exc
        except BaseException:
            conn.close()
            raise
        self._conn = conn
        return revision

    def _start_failure(self, exc: NewerLayout | sqlite3.Error) -> StoreUnavailable:
        if isinstance(exc, NewerLayout):
            return StoreUnavailable(f"SQLite store {self.path}: {exc}")
        if isinstance(exc, sqlite3.DatabaseError) and not isinstance(exc, sqlite3.OperationalError):
            return StoreUnavailable(
                f"{self.path} is not a usable SQLite registry database ({exc}); "
                "restore it from a backup or move it aside"
            )
        return self._unavailable(exc)

    async def close(self) -> None:
        self._state = "closed"
        self._wakeup.set()
        await self._shutdown()

    async def _shutdown(self) -> None:
        executor, self._executor = self._executor, None
        if executor is None:
            return
        await asyncio.get_running_loop().run_in_executor(executor, self._close_connection)
        # Join the worker off the loop, so that once close() returns no thread is left.
        await asyncio.to_thread(executor.shutdown)

    def _close_connection(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()

    # -- the worker thread -----------------------------------------------------------------

    async def _submit(self, job: Callable[[], T]) -> T:
        if self._executor is None:
            raise StoreUnavailable(f"SQLite store {self.path} is closed")
        return await asyncio.get_running_loop().run_in_executor(self._executor, job)

    def _unavailable(self, exc: sqlite3.Error) -> StoreUnavailable:
        if "locked" in str(exc) or "busy" in str(exc):
            return StoreUnavailable(
                f"SQLite store {self.path} is locked: another writer held it past the "
                f"{self._busy_timeout}s busy timeout ({exc})"
            )
        return StoreUnavailable(f"SQLite store {self.path} failed: {exc}")

    def _guarded(self, job: Callable[[sqlite3.Connection], T]) -> T:
        if self._conn is None:
            raise StoreUnavailable(f"SQLite store {self.path} is closed")
        try:
            return job(self._conn)
        except sqlite3.Error as exc:
            raise self._unavailable(exc) from exc

    async def _run(self, job: Callable[[sqlite3.Connection], T]) -> T:
        if self._state != "open":
            state = "closed" if self._state == "closed" else "not started"
            raise StoreUnavailable(f"SQLite store {self.path} is {state}")
        return await self._submit(functools.partial(self._guarded, job))

    async def _read(self, body: Callable[[sqlite3.Connection], T]) -> T:
        return await self._run(functools.partial(queries.read, body=body))

    async def _write(self, body: Callable[[sqlite3.Connection], T]) -> T:
        loop = asyncio.get_running_loop()

        def job(conn: sqlite3.Connection) -> T:
            result = queries.write(conn, body)
            # Wake watchers from the thread, so a caller cancelled mid-commit cannot delay them.
            # Only a hint (watchers poll anyway): its failure must not fail a committed write.
            with contextlib.suppress(sqlite3.Error, RuntimeError):
                loop.call_soon_threadsafe(self._advance, queries.revision(conn))
            return result

        return await self._run(job)

    def _advance(self, revision: int) -> None:
        self._head = max(self._head, revision)
        self._wakeup.set()
        self._wakeup = asyncio.Event()

    # -- reads -----------------------------------------------------------------------------

    async def revision(self) -> int:
        return await self._read(queries.revision)

    async def get(self, schema_id: str) -> SchemaRecord | None:
        return await self._read(functools.partial(queries.get, schema_id=schema_id))

    async def list_ids(
        self,
        prefix: str = "",
        limit: int = 100,
        after: str | None = None,
        *,
        include_deleted: bool = False,
    ) -> list[SchemaRecord]:
        if limit < 1:
            raise ValueError("limit must be at least 1")
        body = functools.partial(
            queries.list_ids,
            prefix=prefix,
            limit=limit,
            after=after,
            include_deleted=include_deleted,
        )
        return await self._read(body)

    async def snapshot(self) -> Snapshot:
        return await self._read(queries.snapshot)

    async def get_config(self, schema_id: str | None) -> dict[str, Any] | None:
        if schema_id == "":
            raise ValueError("schema_id must be None (global) or a non-empty id")
        return await self._read(functools.partial(queries.get_config, schema_id=schema_id))

    async def get_governed(self, schema_id: str) -> Governed:
        def body(conn: sqlite3.Connection) -> Governed:
            return Governed(
                queries.get(conn, schema_id),
                queries.get_config(conn, None),
                queries.get_config(conn, schema_id),
            )

        return await self._read(body)

    async def list_audit(self, since: str | None = None, limit: int = 100) -> list[AuditEntry]:
        if limit < 1:
            raise ValueError("limit must be at least 1")
        start = timestamps.normalize(since) if since is not None else ""
        return await self._read(functools.partial(queries.list_audit, since=start, limit=limit))

    # -- writes ----------------------------------------------------------------------------

    async def create_version(
        self,
        version: NewVersion,
        *,
        expected_mod_revision: int,
        event_data: dict[str, Any],
        audit: AuditEntry | None = None,
    ) -> StoredVersion:
        body = functools.partial(
            queries.create_version,
            new=version,
            expected=expected_mod_revision,
            data=_detached(event_data, "event_data"),
            audit=_detached_audit(audit),
        )
        return await self._write(body)

    async def delete(
        self,
        schema_id: str,
        *,
        permanent: bool,
        event_data: dict[str, Any],
        audit: AuditEntry | None = None,
    ) -> int:
        body = functools.partial(
            queries.delete,
            schema_id=schema_id,
            permanent=permanent,
            data=_detached(event_data, "event_data"),
            audit=_detached_audit(audit),
        )
        return await self._write(body)

    async def put_config(
        self,
        schema_id: str | None,
        config: dict[str, Any],
        *,
        event_data: dict[str, Any],
        audit: AuditEntry | None = None,
    ) -> int:
        if schema_id == "":
            raise ValueError("schema_id must be None (global) or a non-empty id")
        body = functools.partial(
            queries.put_config,
            schema_id=schema_id,
            config=encode_object(config, "config"),
            data=_detached(event_data, "event_data"),
            audit=_detached_audit(audit),
        )
        return await self._write(body)

    async def append_event(self, type: str, subject: str, data: dict[str, Any]) -> int:
        if not type:
            raise ValueError("event type must be non-empty")
        body = functools.partial(
            queries.append_event, type=type, subject=subject, data=_detached(data, "event data")
        )
        return await self._write(body)

    async def append_audit(self, entry: AuditEntry) -> None:
        entry = dataclasses.replace(entry, time=timestamps.normalize(entry.time))
        details = encode_object(entry.details, "audit details")
        await self._write(functools.partial(queries.append_audit, entry=entry, details=details))

    # -- watch -----------------------------------------------------------------------------

    async def watch(self, since: int) -> AsyncIterator[Event]:
        if since < 0:
            raise ValueError("since must be >= 0")
        events, current = await self._read(
            functools.partial(queries.events_after, position=since, limit=_WATCH_BATCH)
        )
        if since > current:
            raise HistoryCompacted(f"since {since} is ahead of revision {current} of {self.path}")
        if current > since and (not events or events[0].revision != since + 1):
            raise HistoryCompacted(f"events after revision {since} are no longer kept")
        position = since
        while True:
            for event in events:
                yield event
                position = event.revision
            if len(events) < _WATCH_BATCH:
                await self._wait_past(position)
            events, _ = await self._read(
                functools.partial(queries.events_after, position=position, limit=_WATCH_BATCH)
            )

    async def _wait_past(self, position: int) -> None:
        # Returns when this process commits past `position`, or after one poll interval so
        # the caller re-reads the table for commits made by other processes.
        if self._state == "open" and self._head <= position:
            wakeup = self._wakeup
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._poll_interval):
                    await wakeup.wait()
        if self._state != "open":
            raise StoreUnavailable(f"SQLite store {self.path} is closed")

    # -- export / import -------------------------------------------------------------------

    async def export(self) -> dict[str, Any]:
        def body(conn: sqlite3.Connection) -> tuple[Snapshot, list[AuditEntry]]:
            return queries.snapshot(conn), queries.list_audit(conn, "", None)

        snapshot, audit = await self._read(body)
        return build_dump(snapshot, audit)

    async def import_(self, dump: Mapping[str, Any]) -> None:
        plan = parse_dump(dump)
        # One transaction: a failed import leaves the store empty.
        await self._write(functools.partial(queries.import_plan, plan=plan))
