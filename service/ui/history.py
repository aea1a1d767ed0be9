"""Version history of one schema: each version's required bump and breaking flag against its
predecessor, diffed by the registry and remembered by fingerprint pair."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from service.index import CachedSchema
from service.registry import Registry

# Entries are a few dozen bytes; this bounds memory however many schemas are browsed.
MAX_CACHED_PAIRS = 10_000


@dataclass(frozen=True, slots=True)
class Step:
    """What one version changed against its predecessor."""

    required_bump: str
    breaking: bool
    changes: int


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """A row of the history table; `previous` and `step` are None for the first version."""

    version: str
    created_at: str
    fingerprint: str
    previous: str | None
    step: Step | None


# (old fingerprint, new fingerprint, mode, policy): versions are immutable and content-addressed,
# so an entry never goes stale; the config is part of the key because it changes the verdict.
PairKey = tuple[str, str, str, str]


class StepCache:
    """Least-recently-used `Step`s by `PairKey`."""

    def __init__(self, capacity: int = MAX_CACHED_PAIRS) -> None:
        self._capacity = capacity
        self._steps: OrderedDict[PairKey, Step] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def get(self, key: PairKey) -> Step | None:
        step = self._steps.get(key)
        if step is None:
            self.misses += 1
            return None
        self.hits += 1
        self._steps.move_to_end(key)
        return step

    def put(self, key: PairKey, step: Step) -> None:
        self._steps[key] = step
        self._steps.move_to_end(key)
        while len(self._steps) > self._capacity:
            self._steps.popitem(last=False)

    def __len__(self) -> int:
        return len(self._steps)


async def history(registry: Registry, cache: StepCache, cached: CachedSchema) -> list[HistoryEntry]:
    """Newest first; every step goes through `Registry.diff_versions` (the `/compat` diff)."""
    config = registry.config(cached.schema_id)
    entries: list[HistoryEntry] = []
    previous = None
    for current in cached.versions:
        step = None
        if previous is not None:
            key = (previous.fingerprint, current.fingerprint, config.mode, config.policy)
            step = cache.get(key)
            if step is None:
                result = await registry.diff_versions(
                    cached.schema_id, previous.label, current.label
                )
                changes = result["changes"]
                step = Step(
                    required_bump=str(result["required_bump"]),
                    breaking=any(change["breaking"] for change in changes),
                    changes=len(changes),
                )
                cache.put(key, step)
        entries.append(
            HistoryEntry(
                version=str(current.version),
                created_at=current.created_at,
                fingerprint=current.fingerprint,
                previous=str(previous.version) if previous is not None else None,
                step=step,
            )
        )
        previous = current
    entries.reverse()
    return entries
