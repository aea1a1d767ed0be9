"""The cached read through aiohttp's request pipeline in memory: registry against bare aiohttp.

No sockets: each app's `RequestHandler` (what aiohttp's server runs per connection) is fed raw
keep-alive `GET /schema/ticks_v1` requests through an in-memory transport, in this process, on
uvloop. What is measured is everything between the bytes arriving and the response bytes being
written: HTTP parsing, routing, the handler (for the registry: the cached-read fast path or the
general path), response encoding. That is the part the registry adds to; the kernel's socket
work, which `bench_http.py`'s wrk runs include, is the same for both apps and left out here.

The registry is `create_app` on a SQLite store seeded from schemas/, with authentication on and
a read budget out of reach (the limiter runs on every request but never refuses). The bare app
is one handler on the same route template answering the registry's bytes with the same
Content-Type and ETag. Both answers are compared byte for byte before timing.

Two measures, each with its baseline in the same run:
- time: µs per request, N requests per round, the apps alternating over R rounds; the ratio
  (bare µs / registry µs, i.e. registry throughput as a fraction of bare) is the median of the
  per-round ratios. Noisy on shared machines, like any timing.
- `--callgrind`: instructions per request under `valgrind --tool=callgrind`, from two runs of
  each app (N1 and N2 requests, difference / (N2 - N1), so start-up cancels out), each app alone
  in its process. Whatever else the machine does, bare repeats within ~0.1 % and the registry
  within ~0.5 % (its timers, such as the rate-limit refill every 0.1 s, add work in proportion to
  wall time, which callgrind stretches). The ratio is bare / registry. It counts instructions,
  not cache misses, so it understates what a longer code path costs in time.

    .venv/bin/python loadtests/bench_pipeline.py [--requests 20000] [--rounds 5] [--callgrind]
    [--path /schema/ticks_v1/1.0.0]

Every loop is bounded: N and R are capped, and each response must arrive within a bounded
number of event-loop turns.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web

from service.app import create_app
from service.eventloop import UVLOOP, new_event_loop
from service.security.ratelimit import Budget
from service.security.tokens import JwtConfig
from service.settings import Settings

SCHEMAS = Path(__file__).resolve().parents[1] / "schemas"
ROUTE = "/schema/{id}"
WARMUP = 2_000
# Event-loop turns a response may take; an in-memory cached read needs a handful.
MAX_TURNS = 1_000
CALLGRIND_SIZES = (1_000, 6_000)
APPS = ("bare aiohttp", "registry")
# Out of reach, as in credentials.py: the limiter spends on every read and never refuses.
UNREACHABLE = Budget(rate=1e9, burst=1_000_000_000)


class MemoryTransport(asyncio.Transport):
    """What aiohttp's protocol writes to: counts responses, keeps the first one."""

    def __init__(self) -> None:
        super().__init__()
        self.responses = 0
        self.first = bytearray()
        self.statuses: set[bytes] = set()
        self._closing = False

    def write(self, data: bytes | bytearray | memoryview) -> None:
        chunk = bytes(data)
        if chunk.startswith(b"HTTP/1.1 "):
            self.responses += 1
            self.statuses.add(chunk[9:12])
        if self.responses == 1:
            self.first += chunk

    def writelines(self, list_of_data: object) -> None:
        for data in list_of_data:  # type: ignore[attr-defined]
            self.write(data)

    def is_closing(self) -> bool:
        return self._closing

    def close(self) -> None:
        self._closing = True

    def get_extra_info(self, name: str, default: object = None) -> object:
        return {"peername": ("127.0.0.1", 40000), "sockname": ("127.0.0.1", 8000)}.get(
            name, default
        )

    def get_write_buffer_size(self) -> int:
        return 0

    def set_write_buffer_limits(self, high: int | None = None, low: int | None = None) -> None:
        pass

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass

    def is_reading(self) -> bool:
        return True


@dataclass
class Connection:
    """One keep-alive connection into an app's request handler."""

    runner: web.AppRunner
    protocol: asyncio.Protocol
    transport: MemoryTransport

    @classmethod
    async def open(cls, app: web.Application) -> Connection:
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        assert runner.server is not None
        protocol = runner.server()
        transport = MemoryTransport()
        protocol.connection_made(transport)
        return cls(runner, protocol, transport)

    async def requests(self, raw: bytes, count: int) -> float:
        """Seconds for `count` requests, one after the other."""
        transport, feed = self.transport, self.protocol.data_received
        started = time.perf_counter()
        for _ in range(count):
            before = transport.responses
            feed(raw)
            turns = 0
            while transport.responses == before:
                turns += 1
                if turns > MAX_TURNS:
                    raise SystemExit(f"no response within {MAX_TURNS} event-loop turns")
                await asyncio.sleep(0)
        return time.perf_counter() - started

    async def close(self) -> None:
        self.protocol.connection_lost(None)
        await self.runner.cleanup()


def registry_app(store_dir: Path) -> web.Application:
    settings = Settings(
        store_url=f"sqlite:///{store_dir / 'registry.db'}",
        seed_dir=SCHEMAS,
        jwt=JwtConfig(secret=os.urandom(32)),
        read_budget=UNREACHABLE,
        write_budget=UNREACHABLE,
    )
    return create_app(settings)


def bare_app(body: bytes, content_type: str, etag: str) -> web.Application:
    async def handler(request: web.Request) -> web.Response:
        return web.Response(body=body, content_type=content_type, headers={"ETag": etag})

    app = web.Application()
    app.router.add_get(ROUTE, handler)
    return app


def split_response(raw: bytes) -> tuple[bytes, dict[str, str]]:
    head, _, body = raw.partition(b"\r\n\r\n")
    headers = {}
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    return body, headers


async def open_pair(path: str, store_dir: Path) -> dict[str, Connection]:
    """Both apps, the bare one answering exactly the registry's bytes and headers."""
    raw = request_bytes(path)
    registry = await Connection.open(registry_app(store_dir))
    await registry.requests(raw, 1)
    body, headers = split_response(bytes(registry.transport.first))
    if registry.transport.statuses != {b"200"}:
        raise SystemExit(f"the registry answered {registry.transport.first[:200]!r}")
    bare = await Connection.open(bare_app(body, headers["content-type"], headers["etag"]))
    await bare.requests(raw, 1)
    got, got_headers = split_response(bytes(bare.transport.first))
    same = ("content-type", "etag", "content-length")
    if got != body or any(got_headers.get(name) != headers.get(name) for name in same):
        raise SystemExit("the bare app does not answer the registry's bytes and headers")
    return {"bare aiohttp": bare, "registry": registry}


def request_bytes(path: str) -> bytes:
    return f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:8000\r\n\r\n".encode()


async def timed(path: str, count: int, rounds: int) -> dict[str, list[float]]:
    with tempfile.TemporaryDirectory(prefix="bench_pipeline-") as tmp:
        connections = await open_pair(path, Path(tmp))
        raw = request_bytes(path)
        try:
            for connection in connections.values():
                await connection.requests(raw, WARMUP)
            # As `serve` does after start-up: the long-lived heap leaves the collector's view.
            gc.collect()
            gc.freeze()
            micros: dict[str, list[float]] = {name: [] for name in connections}
            for round_number in range(rounds):
                order = list(connections) if round_number % 2 == 0 else list(connections)[::-1]
                for name in order:
                    seconds = await connections[name].requests(raw, count)
                    micros[name].append(seconds / count * 1e6)
            for name, connection in connections.items():
                if connection.transport.statuses != {b"200"}:
                    raise SystemExit(f"{name} answered statuses {connection.transport.statuses}")
            return micros
        finally:
            for connection in connections.values():
                await connection.close()


async def drive_one(app_name: str, path: str, count: int) -> None:
    """`--internal drive`: one app, `count` requests after the pair check (for callgrind)."""
    with tempfile.TemporaryDirectory(prefix="bench_pipeline-") as tmp:
        connections = await open_pair(path, Path(tmp))
        measured = connections.pop(app_name)
        try:
            # The other app goes first: the registry's timers (rate-limit refill, index watch)
            # would add work in proportion to wall time, which callgrind stretches ~50 times.
            for other in connections.values():
                await other.close()
            await measured.requests(request_bytes(path), count)
        finally:
            await measured.close()


_COLLECTED = re.compile(rb"Collected : (\d+)")


def instructions(app_name: str, path: str, count: int, valgrind: str) -> int:
    argv = [
        valgrind, "--tool=callgrind", "--callgrind-out-file=/dev/null",
        sys.executable, str(Path(__file__).resolve()),
        "--internal", "drive", "--app", app_name, "--path", path, "--requests", str(count),
    ]  # fmt: skip
    done = subprocess.run(argv, capture_output=True, timeout=1800, check=False)
    found = _COLLECTED.search(done.stderr)
    if done.returncode != 0 or found is None:
        raise SystemExit(f"callgrind run failed:\n{done.stderr.decode()[-2000:]}")
    return int(found.group(1))


def callgrind(path: str) -> dict[str, float]:
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        raise SystemExit("--callgrind needs valgrind (apt-get install valgrind)")
    small, large = CALLGRIND_SIZES
    per_request = {}
    for name in APPS:
        low, high = (instructions(name, path, size, valgrind) for size in (small, large))
        per_request[name] = (high - low) / (large - small)
    return per_request


def report_times(micros: dict[str, list[float]], count: int) -> None:
    print(f"µs per request, {count:,} requests per round, {len(micros[APPS[0]])} rounds")
    for name in APPS:
        runs = ", ".join(f"{value:.2f}" for value in micros[name])
        print(f"  {name:<14} median {statistics.median(micros[name]):6.2f}   runs {runs}")
    per_round = [b / r for b, r in zip(micros[APPS[0]], micros[APPS[1]], strict=True)]
    print(
        f"ratio registry/bare throughput (bare µs / registry µs): "
        f"{statistics.median(per_round):.2f} (median of per-round ratios)"
    )


def report_instructions(per_request: dict[str, float]) -> None:
    small, large = CALLGRIND_SIZES
    print(f"instructions per request (callgrind, ({large:,} - {small:,} requests) difference)")
    for name in APPS:
        print(f"  {name:<14} {per_request[name]:>10,.0f}")
    extra = per_request[APPS[1]] - per_request[APPS[0]]
    print(
        f"ratio bare/registry instructions: {per_request[APPS[0]] / per_request[APPS[1]]:.3f}; "
        f"the registry adds {extra:,.0f} per request"
    )


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--requests", type=int, default=20_000, help="requests per round")
    parser.add_argument("--rounds", type=int, default=5, help="alternating rounds per app")
    parser.add_argument("--path", default="/schema/ticks_v1", help="a cached read's path")
    parser.add_argument("--callgrind", action="store_true", help="also count instructions")
    parser.add_argument("--internal", choices=["drive"], help=argparse.SUPPRESS)
    parser.add_argument("--app", choices=APPS, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if not (1 <= args.requests <= 1_000_000 and 1 <= args.rounds <= 20):
        parser.error("--requests must be 1..1,000,000 and --rounds 1..20")
    if not re.fullmatch(r"/schema/[A-Za-z0-9_.\-/]{1,200}", args.path):
        parser.error("--path must be a /schema/... path")
    return args


def run(main: Callable[[], Awaitable[None]]) -> None:
    loop = new_event_loop(UVLOOP)
    try:
        loop.run_until_complete(main())
    finally:
        loop.close()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.internal == "drive":
        run(lambda: drive_one(args.app, args.path, args.requests))
        return 0
    print(f"load average {os.getloadavg()}; {os.cpu_count()} CPUs; path {args.path}")
    results: dict[str, list[float]] = {}

    async def timing() -> None:
        results.update(await timed(args.path, args.requests, args.rounds))

    run(timing)
    report_times(results, args.requests)
    if args.callgrind:
        report_instructions(callgrind(args.path))
    return 0


if __name__ == "__main__":
    sys.exit(main())
