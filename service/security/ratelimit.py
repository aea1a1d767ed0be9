"""Token-bucket rate limits keyed by principal (or client address), with bounded memory.

Each key has a bucket of `burst` tokens refilled at `rate` per second; a request takes one.
Runs on the event loop only (no locks).

The hot path (`spend`) is a dict lookup and a subtraction, without reading the clock: it is on
every anonymous cached read, where a textbook bucket (clock, refill, cap on every request)
measured ~6 µs of a ~40 µs request on these machines. Time is credited in bulk instead:
`refill(now)`, called every REFILL_INTERVAL by the app, adds what every bucket earned since the
last refill and forgets buckets that are full again (a full bucket is no state). A request the
stored tokens cannot cover goes to the exact path (`take`), which also credits the time since
the last refill, so nobody is refused for want of a refill that is merely late.

Stored value of a key: its tokens as of the last refill, minus what it spent since, so that
    available(now) = min(burst, stored + (now - refilled_at) * rate).
`spend` admits while stored >= 1 without the min(): right after a refill a nearly full bucket can
spend up to rate x REFILL_INTERVAL tokens past its burst (50 reads at the default 500/s).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import islice
from time import monotonic

# Seconds between bulk refills (the app's timer; tests call `refill` themselves).
REFILL_INTERVAL = 0.1


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


@dataclass(frozen=True, slots=True)
class Verdict:
    """`retry_after` 0 means admitted; `first_refusal` is True for the first refusal of a run
    (a run ends when the key's bucket holds a token again)."""

    retry_after: float
    first_refusal: bool = False


ADMITTED = Verdict(0.0)


class RateLimiter:
    """One budget over many keys. At most `max_keys` buckets are kept: when full, the oldest
    quarter goes (keys being refused last, so a flood of new keys cannot reset them)."""

    def __init__(self, budget: Budget, max_keys: int = 100_000) -> None:
        self.budget = budget
        self._burst = float(budget.burst)
        self._tokens: dict[str, float] = {}
        # Keys refused since their bucket last held a token: the first refusal of a run is the
        # one worth auditing.
        self._refusing: set[str] = set()
        self._max_keys = max_keys
        self._refilled_at: float | None = None

    def __len__(self) -> int:
        return len(self._tokens)

    @property
    def buckets(self) -> dict[str, float]:
        """The stored tokens by key, the very dict `spend` works on (it is never replaced).
        For the cached-read fast path, which inlines `spend`'s admitting case: a key holding
        >= 1.0 may be decremented by one in place; anything else must go through `spend`."""
        return self._tokens

    def spend(self, key: str, now: float | None = None) -> bool:
        """Take one token if the stored ones cover it; False means ask `take`, which knows.
        The clock (`now`, default monotonic) is read only for a key without a bucket."""
        tokens = self._tokens.get(key)
        if tokens is None:
            tokens = self._tokens[key] = self._new_bucket(now)
        if tokens >= 1.0:
            self._tokens[key] = tokens - 1.0
            return True
        return False

    def take(self, key: str, now: float | None = None) -> Verdict:
        """Spend one token of `key`'s bucket, or say how long until one is there (exact)."""
        if self.budget.unlimited:
            return ADMITTED
        now = monotonic() if now is None else now
        if self.spend(key, now):
            return ADMITTED
        assert self._refilled_at is not None  # set by the bucket's creation
        earned = max(0.0, now - self._refilled_at) * self.budget.rate
        available = min(self._burst, self._tokens[key] + earned)
        if available >= 1.0:
            # Stored so that the next refill, which credits `earned` again, lands on the truth.
            self._tokens[key] = available - 1.0 - earned
            self._refusing.discard(key)
            return ADMITTED
        first = key not in self._refusing
        self._refusing.add(key)
        return Verdict((1.0 - available) / self.budget.rate, first_refusal=first)

    def refill(self, now: float | None = None) -> None:
        """Credit every bucket with the time since the last refill; forget the full ones."""
        now = monotonic() if now is None else now
        if self._refilled_at is None or self.budget.unlimited:
            self._refilled_at = now
            return
        earned = max(0.0, now - self._refilled_at) * self.budget.rate
        self._refilled_at = now
        tokens, burst = self._tokens, self._burst
        full = []
        for key, stored in tokens.items():
            credited = stored + earned
            if credited >= burst:
                full.append(key)
            else:
                # Replacing a value while iterating is allowed; only adding or removing is not.
                tokens[key] = credited
        for key in full:
            del tokens[key]
        if self._refusing:
            self._refusing = {key for key in self._refusing if tokens.get(key, burst) < 1.0}

    def _new_bucket(self, now: float | None) -> float:
        if len(self._tokens) >= self._max_keys:
            self._evict()
        now = monotonic() if now is None else now
        if self._refilled_at is None:
            self._refilled_at = now
        # Stored as of the last refill like every bucket: the next refill credits time this one
        # did not exist for, so that time is taken off now.
        return self._burst - max(0.0, now - self._refilled_at) * self.budget.rate

    def _evict(self) -> None:
        quarter = max(1, self._max_keys // 4)
        oldest = [key for key in islice(self._tokens, quarter) if key not in self._refusing]
        for key in oldest or list(islice(self._tokens, quarter)):
            del self._tokens[key]
