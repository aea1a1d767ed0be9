"""Benchmark of `compat_rs.diff` against the floor of parsing the same documents with orjson.

Workloads: the ticks_v1 1.0.0 → 1.1.0 pair from `schemas/ticks_v1/`, and every pair of the
draft-07 Confluent corpus in `../shared/conformance/confluent/`. Documents are passed as bytes,
so JSON parsing happens in Rust; the floor is `orjson.loads` of both documents of each pair.
Engine and floor alternate repeat by repeat in the same run, and each figure is the median over
the repeats of the mean time per diff (shared machines drift: compare the ratio, not the µs).

    .venv/bin/python loadtests/bench_compat.py [--seconds N] [--check]
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import orjson

import compat_rs

REPO_ROOT = Path(__file__).resolve().parents[1]
TICKS_V1 = REPO_ROOT / "schemas" / "ticks_v1"
CORPUS_DIR = REPO_ROOT.parent / "shared" / "conformance" / "confluent"
DRAFT07_FILES = ("diff-schema-examples.json", "diff-combined-schema-examples.json")
TARGET_US = 50.0
REPEATS = 7
WARMUP_SHARE = 0.2

Pair = tuple[bytes, bytes]
Pass = Callable[[list[Pair]], None]


@dataclass(frozen=True)
class Figure:
    """Median mean-µs per diff over the repeats, and the diffs per second it implies."""

    median_us: float
    per_second: float


def tick_pair() -> list[Pair]:
    paths = [TICKS_V1 / "1.0.0.json", TICKS_V1 / "1.1.0.json"]
    missing = [str(path) for path in paths if not path.is_file()]
    if missing:
        raise SystemExit(f"missing reference schemas: {', '.join(missing)}")
    return [(paths[0].read_bytes(), paths[1].read_bytes())]


def corpus_pairs() -> list[Pair]:
    pairs: list[Pair] = []
    for name in DRAFT07_FILES:
        path = CORPUS_DIR / name
        if not path.is_file():
            raise SystemExit(f"missing conformance corpus file {path}")
        for case in json.loads(path.read_text(encoding="utf-8")):
            pairs.append(
                (orjson.dumps(case["original_schema"]), orjson.dumps(case["update_schema"]))
            )
    return pairs


def engine_pass(pairs: list[Pair]) -> None:
    for old, new in pairs:
        compat_rs.diff(old, new)


def floor_pass(pairs: list[Pair]) -> None:
    for old, new in pairs:
        orjson.loads(old)
        orjson.loads(new)


def _timed(run: Pass, pairs: list[Pair], passes: int) -> float:
    """Mean µs per pair over `passes` passes, with the collector paused as timeit does."""
    gc.disable()
    try:
        started = time.perf_counter_ns()
        for _ in range(passes):
            run(pairs)
        elapsed = time.perf_counter_ns() - started
    finally:
        gc.enable()
    return elapsed / 1_000 / (passes * len(pairs))


def _passes_for(run: Pass, pairs: list[Pair], seconds: float) -> int:
    """Warms `run` up for about `seconds` and returns how many passes fill that much time."""
    passes, deadline = 0, time.perf_counter() + seconds
    while time.perf_counter() < deadline or passes == 0:
        run(pairs)
        passes += 1
    return passes


def measure(pairs: list[Pair], seconds: float) -> tuple[Figure, Figure]:
    """(engine, floor), alternating repeat by repeat; each side gets about `seconds` in all."""
    warmup = seconds * WARMUP_SHARE
    per_repeat = seconds * (1 - WARMUP_SHARE) / REPEATS
    engine_passes = max(1, round(_passes_for(engine_pass, pairs, warmup) * per_repeat / warmup))
    floor_passes = max(1, round(_passes_for(floor_pass, pairs, warmup) * per_repeat / warmup))
    engine: list[float] = []
    floor: list[float] = []
    for _ in range(REPEATS):
        engine.append(_timed(engine_pass, pairs, engine_passes))
        floor.append(_timed(floor_pass, pairs, floor_passes))
    return _figure(engine), _figure(floor)


def _figure(samples: list[float]) -> Figure:
    median = statistics.median(samples)
    return Figure(median_us=median, per_second=1e6 / median)


def _row(label: str, count: int, engine: Figure, floor: Figure) -> str:
    ratio = engine.median_us / floor.median_us
    return (
        f"{label:<26}{count:>7}{engine.median_us:>17.2f}{engine.per_second:>12,.0f}"
        f"{floor.median_us:>12.2f}{floor.per_second:>13,.0f}{ratio:>14.1f}x"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--seconds", type=float, default=3.0, help="budget per measurement")
    parser.add_argument("--check", action="store_true", help="exit 1 when the target is missed")
    args = parser.parse_args(argv)
    workloads = [("ticks_v1 1.0.0 -> 1.1.0", tick_pair()), ("draft-07 corpus", corpus_pairs())]
    print(
        f"{'workload':<26}{'pairs':>7}{'engine us/diff':>17}{'diffs/s':>12}"
        f"{'floor us':>12}{'floor/s':>13}{'engine/floor':>15}"
    )
    results: dict[str, Figure] = {}
    for label, pairs in workloads:
        engine, floor = measure(pairs, args.seconds)
        results[label] = engine
        print(_row(label, len(pairs), engine, floor))
    tick = results[workloads[0][0]]
    verdict = "PASS" if tick.median_us < TARGET_US else "FAIL"
    print(f"{verdict}: tick-pair diff median {tick.median_us:.2f} us (target < {TARGET_US:.0f} us)")
    return 1 if args.check and verdict == "FAIL" else 0


if __name__ == "__main__":
    sys.exit(main())
