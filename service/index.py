"""The in-memory read index: every schema version as pre-encoded bytes, fed by the store watch."""

from __future__ import annotations

import asyncio
import bisect
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson

from service.domain.versions import Version
from service.storage.contract import (
    CONFIG_UPDATED,
    SCHEMA_DELETED,
    VERSION_CREATED,
    Event,
    HistoryCompacted,
    SchemaRecord,
    Snapshot,
    Store,
    StoreUnavailable,
)

log = logging.getLogger(__name__)

# How long a writer waits for its own commit to reach the index before answering anyway.
WAIT_TIMEOUT = 10.0
_RETRY_DELAYS = (0.1, 0.5, 1.0, 2.0, 5.0)


@dataclass(frozen=True, slots=True)
class CachedVersion:
    """One stored version ready to serve: `body` is the stored document, `etag` its fingerprint."""

    version: Version
    label: str
    body: bytes
    fingerprint: str
    etag: str
    created_at: str


@dataclass(frozen=True, slots=True)
class CachedSchema:
    """One schema id: its versions ascending, looked up by string, and the encoded list body."""

    schema_id: str
    versions: tuple[CachedVersion, ...]
    by_version: dict[str, CachedVersion]
    deleted: bool
    updated_at: str
    versions_body: bytes

    @property
    def latest(self) -> CachedVersion:
        return self.versions[-1]

    def summary(self) -> dict[str, Any]:
        """The `/schemas` listing entry."""
        return {
            "id": self.schema_id,
            "latest_version": str(self.latest.version),
            "versions": len(self.versions),
            "updated_at": self.updated_at,
        }


def cache_record(record: SchemaRecord) -> CachedSchema:
    """Encodes a store record once, so reads only copy bytes."""
    versions = tuple(
        CachedVersion(
            Version.parse(stored.version),
            stored.version,
            stored.document,
            stored.fingerprint,
            f'"{stored.fingerprint}"',
            stored.created_at,
        )
        for stored in record.versions
    )
    listing = {"id": record.schema_id, "versions": [str(v.version) for v in versions]}
    return CachedSchema(
        record.schema_id,
        versions,
        {str(v.version): v for v in versions},
        record.deleted,
        record.updated_at,
        orjson.dumps(listing),
    )


class ReadIndex:
    """Serves reads without touching the store; `run()` keeps it current from `store.watch`.

    `revision` is the store revision the index reflects; `wait_for(r)` returns once it is at
    least `r`, which is how a writer makes its own commit visible before acknowledging it.
    """

    def __init__(
        self,
        store: Store,
        on_event: Callable[[Event], None] | None = None,
        on_reload: Callable[[int], None] | None = None,
    ) -> None:
        self._store = store
        # Told of every event once the index reflects it (the hub's feed): a subscriber that
        # reacts with a GET on this replica finds what the event announced.
        self._on_event = on_event
        # Told of the new revision when a reload replaced the history the events came from.
        self._on_reload = on_reload
        self._schemas: dict[str, CachedSchema] = {}
        self._live_ids: list[str] = []
        self._configs: dict[str | None, dict[str, Any]] = {}
        self._advanced = asyncio.Condition()
        self.revision = 0
        self.ready = False
        self.store_up = True
        # Recoveries of the watch: resumed after a store outage, reloaded after compaction.
        self.resumes = 0
        self.reloads = 0

    # -- reads -----------------------------------------------------------------------------

    def get(self, schema_id: str) -> CachedSchema | None:
        """The live (not soft-deleted) schema, or None."""
        cached = self._schemas.get(schema_id)
        return cached if cached is not None and not cached.deleted else None

    def list(self, prefix: str, limit: int, after: str | None) -> list[CachedSchema]:
        """Up to `limit` live schemas whose id starts with `prefix`, ids greater than `after`."""
        start = bisect.bisect_right(self._live_ids, after) if after is not None else 0
        start = max(start, bisect.bisect_left(self._live_ids, prefix))
        found: list[CachedSchema] = []
        for schema_id in self._live_ids[start:]:
            if not schema_id.startswith(prefix) or len(found) >= limit:
                break
            found.append(self._schemas[schema_id])
        return found

    def config(self, schema_id: str | None) -> dict[str, Any] | None:
        """The stored config of `schema_id` (None: global), None when never set."""
        return self._configs.get(schema_id)

    # -- keeping current -------------------------------------------------------------------

    async def load(self) -> None:
        """Replaces the whole index with a store snapshot."""
        self._apply_snapshot(await self._store.snapshot())

    def _apply_snapshot(self, snapshot: Snapshot) -> None:
        self._schemas = {record.schema_id: cache_record(record) for record in snapshot.records}
        self._live_ids = sorted(i for i, cached in self._schemas.items() if not cached.deleted)
        self._configs = {None: snapshot.global_config} if snapshot.global_config else {}
        self._configs.update(snapshot.configs)
        self.revision = snapshot.revision
        self.ready = True

    async def run(self) -> None:
        """Follows the store forever: resumes after outages, reloads after compaction."""
        failures = 0
        while True:
            try:
                async for event in self._store.watch(self.revision):
                    await self._apply(event)
                    failures = 0
            except HistoryCompacted:
                log.warning("store history compacted past revision %d; reloading", self.revision)
                self.reloads += 1
                self.ready = False
                if not await self._reload():
                    await asyncio.sleep(_RETRY_DELAYS[-1])
            except Exception as exc:
                # Reads keep being served from the index; health reports degraded meanwhile.
                # Whatever broke the watch, the follower must not die: a replica whose index
                # stopped following would serve stale reads for good.
                self.store_up = False
                self.resumes += 1
                delay = _RETRY_DELAYS[min(failures, len(_RETRY_DELAYS) - 1)]
                failures += 1
                if isinstance(exc, StoreUnavailable):
                    log.warning("store watch failed (%s); retrying in %.1fs", exc, delay)
                else:
                    log.exception("store watch broke unexpectedly; retrying in %.1fs", delay)
                await asyncio.sleep(delay)

    async def _reload(self) -> bool:
        try:
            await self.load()
        except StoreUnavailable as exc:
            log.warning("cannot reload the index: %s", exc)
            return False
        await self._advance(self.revision)
        if self._on_reload is not None:
            self._on_reload(self.revision)
        return True

    async def _apply(self, event: Event) -> None:
        self.store_up = True
        if event.type in (VERSION_CREATED, SCHEMA_DELETED):
            # Events carry no documents: re-read the record (it may already be newer, never older).
            record = await self._store.get(event.subject)
            self._put_record(event.subject, record)
        elif event.type == CONFIG_UPDATED:
            config = event.data.get("config")
            if isinstance(config, dict):
                self._configs[event.data.get("id")] = config
        await self._advance(event.revision)
        if self._on_event is not None:
            self._on_event(event)

    def _put_record(self, schema_id: str, record: SchemaRecord | None) -> None:
        position = bisect.bisect_left(self._live_ids, schema_id)
        listed = position < len(self._live_ids) and self._live_ids[position] == schema_id
        if record is None:
            self._schemas.pop(schema_id, None)
        else:
            self._schemas[schema_id] = cache_record(record)
        live = record is not None and not record.deleted
        if live and not listed:
            self._live_ids.insert(position, schema_id)
        elif listed and not live:
            del self._live_ids[position]

    async def _advance(self, revision: int) -> None:
        async with self._advanced:
            self.revision = max(self.revision, revision)
            self._advanced.notify_all()

    async def wait_for(self, revision: int) -> bool:
        """True once the index reflects `revision`; False if `WAIT_TIMEOUT` passed first."""
        async with self._advanced:
            try:
                async with asyncio.timeout(WAIT_TIMEOUT):
                    await self._advanced.wait_for(lambda: self.revision >= revision)
            except TimeoutError:
                log.warning("index still at %d, not %d", self.revision, revision)
                return False
        return True
