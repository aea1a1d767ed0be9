"""Group commit for the etcd store: the writes waiting on one replica go out as one transaction.

Every write compares the registry's revision counter, so a replica's concurrent writes would
race each other for it, one winner per round trip. Instead they queue; one committer task
takes the queue (up to `MAX_BATCH` writes, at most one per schema id, since compares are
evaluated before any operation of the transaction) and commits it as one transaction that
numbers their events N+1, N+2, …. When the batch fails a change's own compare, its writes are
committed one by one so each gets its own answer.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from service.storage.contract import StoreUnavailable
from service.storage.etcd_connection import EtcdConnection, absent, get, put, ranged_kvs, value_is
from service.storage.etcd_keys import Keys, encode_event

# etcd allows 128 operations per transaction by default; a write needs at most five (its event,
# up to three keys of its change, its audit entry), so a full batch stays well under the cap.
MAX_BATCH = 16
# A batch that keeps losing the counter race to other replicas gives up after this many tries.
MAX_ATTEMPTS = 64

EventParts = tuple[str, str, str, dict[str, Any]]


@dataclass(slots=True)
class Change:
    """One write's part of a transaction: its compares, its operations, and the reads that
    explain a failed compare (`explain` raises the domain error, or returns to retry)."""

    compares: list[Any] = field(default_factory=list)
    ops: list[Any] = field(default_factory=list)
    reads: list[Any] = field(default_factory=list)
    explain: Callable[[Any], None] = lambda response: None


@dataclass(slots=True)
class Write:
    """A queued write: `prepare(revision)` builds its change for the revision it would get."""

    subject: str | None
    prepare: Callable[[int], Awaitable[Change]]
    event: Callable[[int], EventParts]
    done: asyncio.Future[int]


class Committer:
    """Commits queued writes of one store in batches; `known` caches the counter."""

    def __init__(self, connection: EtcdConnection, keys: Keys) -> None:
        self.connection = connection
        self.keys = keys
        self.known: int | None = None
        self._queue: list[Write] = []
        self._task: asyncio.Task[None] | None = None

    async def commit(
        self,
        subject: str | None,
        prepare: Callable[[int], Awaitable[Change]],
        event: Callable[[int], EventParts],
    ) -> int:
        """The revision `prepare`'s change was committed at (its event's revision)."""
        write = Write(subject, prepare, event, asyncio.get_running_loop().create_future())
        self._queue.append(write)
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._drain(), name="etcd-group-commit")
        return await write.done

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        for write in self._queue:
            if not write.done.done():
                write.done.set_exception(StoreUnavailable("etcd store is closed"))
        self._queue.clear()

    def _next_batch(self) -> list[Write]:
        batch: list[Write] = []
        subjects: set[str] = set()
        for write in list(self._queue):
            if len(batch) == MAX_BATCH:
                break
            if write.subject is not None and write.subject in subjects:
                continue
            self._queue.remove(write)
            if write.done.cancelled():
                continue
            batch.append(write)
            if write.subject is not None:
                subjects.add(write.subject)
        return batch

    async def _drain(self) -> None:
        while self._queue:
            batch = self._next_batch()
            try:
                await self._commit(batch)
            except Exception as exc:  # the batch's writers get the error, the committer goes on
                for write in batch:
                    if not write.done.done():
                        write.done.set_exception(exc)

    async def _commit(self, batch: list[Write]) -> None:
        for _ in range(MAX_ATTEMPTS):
            current = self.known if self.known is not None else await self._read_counter()
            prepared: list[tuple[Write, Change]] = []
            for write in batch:
                try:
                    change = await write.prepare(current + 1 + len(prepared))
                except Exception as exc:  # a refused write (not found, …) fails alone
                    if not write.done.done():
                        write.done.set_exception(exc)
                    continue
                prepared.append((write, change))
            batch = [write for write, _ in prepared]
            if not prepared:
                return
            response = await self.connection.txn(*self._transaction(current, prepared))
            if response.succeeded:
                self.known = current + len(prepared)
                for offset, (write, _) in enumerate(prepared, start=1):
                    if not write.done.done():
                        write.done.set_result(current + offset)
                return
            seen = ranged_kvs(response, 0)
            self.known = int(seen[0].value) if seen else 0
            if self.known != current:
                continue
            # The counter held, so a change's own compare failed.
            if len(prepared) > 1:
                for write in batch:
                    await self._commit_alone(write)
                return
            prepared[0][1].explain(response)
        raise StoreUnavailable(f"etcd write lost the revision race {MAX_ATTEMPTS} times; retry")

    async def _commit_alone(self, write: Write) -> None:
        try:
            await self._commit([write])
        except Exception as exc:
            if not write.done.done():
                write.done.set_exception(exc)

    def _transaction(
        self, current: int, prepared: list[tuple[Write, Change]]
    ) -> tuple[list[Any], list[Any], list[Any]]:
        keys = self.keys
        unchanged = value_is(keys.revision, str(current).encode())
        compares = [unchanged if current else absent(keys.revision)]
        success = [put(keys.revision, str(current + len(prepared)).encode())]
        failure = [get(keys.revision)]
        for offset, (write, change) in enumerate(prepared, start=1):
            compares += change.compares
            revision = current + offset
            success.append(put(keys.event(revision), encode_event(*write.event(revision))))
            success += change.ops
        if len(prepared) == 1:
            failure += prepared[0][1].reads
        return compares, success, failure

    async def _read_counter(self) -> int:
        response = await self.connection.range(self.keys.revision, b"")
        return int(response.kvs[0].value) if response.kvs else 0
