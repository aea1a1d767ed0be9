"""Token-bucket rate limits keyed by principal (or client address), with bounded memory.

Each key has a bucket of `burst` tokens refilled at `rate` per second; a request takes one.
Runs on the event loop only (no locks): a take is a dict lookup and a little arithmetic.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import islice
from time import monotonic


@dataclass(frozen=True, slots=True)
class Budget:
    """`rate` requests per second sustained, `burst` at once; rate 0 means unlimited."""

    rate: float
    burst: int

    def __post_init__(self) -> None:
        if self.rate < 0 or not math.isfinite(self.rate):
            raise ValueError("a rate must be a finite number >= 0 (0: unlimited)")
        if self.rate > 0 and self.burst < 1:
            raise ValueError("a burst must be at least 1")

    @property
    def unlimited(self) -> bool:
        return self.rate == 0


class _Bucket:
    __slots__ = ("refused", "stamp", "tokens")

    def __init__(self, tokens: float, stamp: float) -> None:
        self.tokens = tokens
        self.stamp = stamp
        # Refusals since the last admitted request: the first of a run is the one worth auditing.
        self.refused = 0


@dataclass(frozen=True, slots=True)
class Verdict:
    """`retry_after` 0 means admitted; `first_refusal` is True for the first refusal of a run."""

    retry_after: float
    first_refusal: bool = False


ADMITTED = Verdict(0.0)


class RateLimiter:
    """One budget over many keys. At most `max_keys` buckets are kept: when full, buckets that
    have refilled (they hold no state a new one would not) go first, then the oldest, where a
    refusal makes a bucket young again (a flood of new keys must not reset a limited caller)."""

    def __init__(self, budget: Budget, max_keys: int = 100_000) -> None:
        self.budget = budget
        self._buckets: dict[str, _Bucket] = {}
        self._max_keys = max_keys

    def take(self, key: str, now: float | None = None) -> Verdict:
        """Spend one token of `key`'s bucket, or say how long until one is there."""
        budget = self.budget
        if budget.unlimited:
            return ADMITTED
        now = monotonic() if now is None else now
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= self._max_keys:
                self._evict(now)
            bucket = self._buckets[key] = _Bucket(float(budget.burst), now)
        else:
            elapsed = max(0.0, now - bucket.stamp)
            bucket.tokens = min(float(budget.burst), bucket.tokens + elapsed * budget.rate)
            bucket.stamp = now
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            bucket.refused = 0
            return ADMITTED
        bucket.refused += 1
        # To the back of the eviction order (dicts keep insertion order): O(1), refusals only.
        self._buckets[key] = self._buckets.pop(key)
        return Verdict((1.0 - bucket.tokens) / budget.rate, first_refusal=bucket.refused == 1)

    def __len__(self) -> int:
        return len(self._buckets)

    def _evict(self, now: float) -> None:
        budget = self.budget
        full_after = budget.burst / budget.rate
        idle = [key for key, b in self._buckets.items() if now - b.stamp >= full_after]
        for key in idle:
            del self._buckets[key]
        # Leave a quarter of the table free, dropping the oldest buckets if need be: a scan that
        # freed only a few would run again on the next new key, O(max_keys) per request.
        excess = len(self._buckets) - (self._max_keys - max(1, self._max_keys // 4))
        if excess > 0:
            for key in list(islice(self._buckets, excess)):
                del self._buckets[key]
