"""The token-bucket rate limiter, driven by explicit clock values (`now`)."""

from __future__ import annotations

import math

import pytest

from service.security.ratelimit import ADMITTED, Budget, RateLimiter, Verdict


def test_a_burst_is_admitted_then_refused_with_the_time_to_the_next_token() -> None:
    limiter = RateLimiter(Budget(rate=2.0, burst=3))
    assert [limiter.take("k", now=100.0) for _ in range(3)] == [ADMITTED] * 3
    refused = limiter.take("k", now=100.0)
    # Empty bucket, 2 tokens a second: the next one is half a second away.
    assert refused == Verdict(retry_after=0.5, first_refusal=True)
    # A quarter second later the bucket holds half a token: a quarter second to go.
    assert limiter.take("k", now=100.25).retry_after == pytest.approx(0.25)


def test_tokens_refill_over_time_up_to_the_burst() -> None:
    limiter = RateLimiter(Budget(rate=1.0, burst=2))
    for _ in range(2):
        assert limiter.take("k", now=0.0) is ADMITTED
    assert limiter.take("k", now=0.0).retry_after == pytest.approx(1.0)
    # One second refills one token, not more.
    assert limiter.take("k", now=1.0) is ADMITTED
    assert limiter.take("k", now=1.0).retry_after == pytest.approx(1.0)
    # A long idle time refills the bucket to its burst, never beyond.
    assert [limiter.take("k", now=1000.0).retry_after for _ in range(3)] == [
        0.0,
        0.0,
        pytest.approx(1.0),
    ]


def test_a_clock_that_steps_back_refills_nothing() -> None:
    limiter = RateLimiter(Budget(rate=1.0, burst=1))
    assert limiter.take("k", now=50.0) is ADMITTED
    assert limiter.take("k", now=10.0).retry_after == pytest.approx(1.0)


def test_keys_have_buckets_of_their_own() -> None:
    limiter = RateLimiter(Budget(rate=1.0, burst=1))
    assert limiter.take("a", now=0.0) is ADMITTED
    assert limiter.take("a", now=0.0).retry_after > 0
    assert limiter.take("b", now=0.0) is ADMITTED
    assert len(limiter) == 2


def test_first_refusal_marks_only_the_first_of_a_run() -> None:
    limiter = RateLimiter(Budget(rate=1.0, burst=1))
    assert limiter.take("k", now=0.0) is ADMITTED
    run = [limiter.take("k", now=0.1 * i) for i in range(1, 5)]
    assert all(verdict.retry_after > 0 for verdict in run)
    assert [verdict.first_refusal for verdict in run] == [True, False, False, False]
    # An admitted request ends the run: the next refusal is a first again.
    assert limiter.take("k", now=2.0) is ADMITTED
    again = [limiter.take("k", now=2.0) for _ in range(2)]
    assert [verdict.first_refusal for verdict in again] == [True, False]
    # Runs are per key.
    assert limiter.take("other", now=2.0) is ADMITTED
    assert limiter.take("other", now=2.0).first_refusal


def test_an_unlimited_budget_never_refuses_and_keeps_no_state() -> None:
    budget = Budget(rate=0, burst=1)
    assert budget.unlimited
    limiter = RateLimiter(budget, max_keys=10)
    for i in range(10_000):
        assert limiter.take(f"k{i % 3}", now=0.0) is ADMITTED
    assert len(limiter) == 0
    # Without an explicit clock too.
    assert limiter.take("k") is ADMITTED


def test_the_default_clock_is_monotonic() -> None:
    limiter = RateLimiter(Budget(rate=0.001, burst=1))
    assert limiter.take("k") is ADMITTED
    refused = limiter.take("k")
    assert 0 < refused.retry_after <= 1000
    assert refused.first_refusal


@pytest.mark.parametrize(
    ("rate", "burst"),
    [
        (-1.0, 10),
        (-0.001, 10),
        (math.inf, 10),
        (-math.inf, 10),
        (math.nan, 10),
        (1.0, 0),
        (5.0, -3),
    ],
)
def test_invalid_budgets_are_refused(rate: float, burst: int) -> None:
    with pytest.raises(ValueError, match=r"rate|burst"):
        Budget(rate=rate, burst=burst)


def test_a_flood_of_distinct_keys_keeps_memory_bounded() -> None:
    limiter = RateLimiter(Budget(rate=1.0, burst=5), max_keys=1000)
    for i in range(50_000):
        # All within one refill time: no bucket is idle, so the oldest go.
        assert limiter.take(f"client-{i}", now=i * 1e-5) is ADMITTED
        assert len(limiter) <= 1000
    assert len(limiter) >= 500


def test_refill_forgets_full_buckets_and_keeps_the_others() -> None:
    limiter = RateLimiter(Budget(rate=1.0, burst=4))
    limiter.refill(now=0.0)
    for _ in range(4):
        assert limiter.take("busy", now=0.0) is ADMITTED
    assert limiter.take("light", now=0.0) is ADMITTED
    assert limiter.take("busy", now=0.0).first_refusal
    limiter.refill(now=1.0)
    # light earned its token back: full, so no state; busy holds one token.
    assert len(limiter) == 1
    assert limiter.spend("busy")
    assert not limiter.spend("busy")
    # The refused run of busy ended when its bucket held a token again.
    assert limiter.take("busy", now=1.0).first_refusal


def test_spend_uses_stored_tokens_and_take_credits_a_late_refill() -> None:
    limiter = RateLimiter(Budget(rate=10.0, burst=1))
    limiter.refill(now=0.0)
    assert limiter.spend("k", now=0.0)
    assert not limiter.spend("k")
    # No refill ran for a second (a stalled timer): the exact path credits the time itself.
    assert limiter.take("k", now=1.0) is ADMITTED
    assert limiter.take("k", now=1.0).retry_after == pytest.approx(0.1)
    # The next refill credits that second once, not twice.
    limiter.refill(now=1.0)
    assert not limiter.spend("k")


def test_a_limited_key_keeps_its_state_through_a_flood_of_new_keys() -> None:
    # A caller that is being refused must not get a fresh burst because others arrived: with a
    # refill time of 1000 s no bucket goes idle during the flood, so eviction drops the oldest
    # buckets, and a key refused recently must not count as one of them.
    limiter = RateLimiter(Budget(rate=0.001, burst=1), max_keys=1000)
    assert limiter.take("limited", now=0.0) is ADMITTED
    for i in range(50_000):
        now = i * 1e-4
        assert limiter.take(f"flood-{i}", now=now) is ADMITTED
        assert len(limiter) <= 1000
        if i % 100 == 0:
            assert limiter.take("limited", now=now).retry_after > 0, f"reset after {i} keys"


def test_eviction_frees_room_for_many_keys_at_once() -> None:
    # Keys arrive just slower than buckets go idle, so each eviction finds one or two idle
    # buckets. Scanning the whole table for each new key would cost O(max_keys) per request:
    # every eviction must free a good share of the table instead.
    limiter = RateLimiter(Budget(rate=1.0, burst=1000), max_keys=1000)
    evictions = 0
    for i in range(20_000):
        before = len(limiter)
        assert limiter.take(f"client-{i}", now=i * 1.001) is ADMITTED
        if len(limiter) <= before:
            # A new key that did not grow the table: an eviction made room for it.
            evictions += 1
            assert len(limiter) <= 751, f"an eviction at key {i} left {len(limiter)} buckets"
    assert 0 < evictions <= 20_000 // 250
