"""The client's schema cache: entries with an ETag and a fetch time; pinned ones never expire."""

from __future__ import annotations

from dataclasses import dataclass

from registry_client.refs import Ref


@dataclass(slots=True)
class Entry:
    """The document as the registry sent it (bytes: every read parses a fresh copy, so a caller
    mutating what it got never changes the cache)."""

    body: bytes
    etag: str | None
    fetched_at: float


@dataclass(slots=True)
class Stats:
    """What the cache did, for tests and for users tuning the TTL."""

    hits: int = 0
    misses: int = 0
    revalidations: int = 0
    not_modified: int = 0
    stale_served: int = 0
    invalidations: int = 0
    # Reads that shared another caller's request for the same ref instead of sending their own.
    coalesced: int = 0


class SchemaCache:
    """Keyed by `Ref`. Latest entries live `ttl` seconds, then are revalidated with their ETag;
    pinned versions are immutable in the registry, so theirs are kept for good."""

    def __init__(self, ttl: float) -> None:
        if ttl < 0:
            raise ValueError("the TTL must be >= 0 seconds")
        self.ttl = ttl
        self.stats = Stats()
        # Bumped by every invalidation: a fetch that was in flight across one may carry what the
        # event just made obsolete, so it must not be cached (see `put`).
        self.generation = 0
        self._entries: dict[Ref, Entry] = {}

    def get(self, ref: Ref) -> Entry | None:
        return self._entries.get(ref)

    def fresh(self, ref: Ref, entry: Entry, now: float) -> bool:
        return ref.pinned or now - entry.fetched_at < self.ttl

    def put(self, ref: Ref, entry: Entry, generation: int) -> None:
        """Caches `entry`, fetched when `generation` was current; pinned entries always keep."""
        if ref.pinned or generation == self.generation:
            self._entries[ref] = entry

    def drop(self, ref: Ref) -> None:
        self._entries.pop(ref, None)

    def invalidate(self, schema_id: str, *, everything: bool = False) -> None:
        """Drops `schema_id`'s latest entry (and, when it was deleted, its pinned ones too)."""
        self.generation += 1
        doomed = [
            ref
            for ref in self._entries
            if ref.schema_id == schema_id and (everything or not ref.pinned)
        ]
        for ref in doomed:
            del self._entries[ref]
        self.stats.invalidations += len(doomed)

    def invalidate_latest(self) -> None:
        """After a resync nothing is known about what changed: every latest entry goes."""
        self.generation += 1
        for ref in [ref for ref in self._entries if not ref.pinned]:
            del self._entries[ref]
            self.stats.invalidations += 1

    def ids(self) -> set[str]:
        return {ref.schema_id for ref in self._entries}
