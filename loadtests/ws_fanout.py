"""WebSocket fan-out of the registry's `GET /ws` against a bare aiohttp broadcast loop.

For each subscriber count N (default 1,000 and 5,000), in one run:

1. The registry (`python -m service serve --store memory://`, as bench_http.py starts it,
   pinned to CPU 0) gets N WebSocket subscribers to `*`, opened by two client processes (this
   script, `--internal client`, N/2 connections each, both pinned to CPU 1: the machine has two
   cores and CPU 0 belongs to the server). The driver (this process, also on CPU 1) then
   publishes M new ids one at a time (`POST /schema/<id>`, `ticks_v1` 1.0.0 with a new `id`)
   after a few unmeasured warm-up publishes, and waits until every connection of both
   processes has received the event. Each client process reports, per revision, the
   CLOCK_MONOTONIC time (system-wide on Linux, so comparable across processes) of its first
   and its last receipt.
2. The same for a bare aiohttp app (this script, `--internal bare-server`, pinned to CPU 0, on
   uvloop like the registry):
   `/ws` accepts the same subscribe frame, and `POST /broadcast` schedules one task that sends
   the request body (a copy of the registry's event frame, with its own revision) to every
   subscriber with a plain loop, `for ws in clients: await ws.send_frame(frame, TEXT)`, and
   answers 200 at once, before the loop has run.
3. Diagnostic: the same bare app with the registry's shape, one `asyncio.Queue` and writer task
   per subscriber (`--mode tasks`); it shows what that design costs any aiohttp app.

The driver runs at nice -10 when allowed (servers and clients are reset to 0), so its
timestamps do not wait behind the client processes that share its core.

Measured per event: end-to-end from the publish response arriving to the last subscriber's
receipt (the issue's definition) and from the publish request being sent; the server side:
for the registry its `schema_registry_ws_send_latency_seconds` histogram (hub publish -> each
send, read from /metrics before and after each event, so the last send is bounded by a bucket
edge) and its own POST handler time (request-duration histogram), for the bare apps the exact
time from their handler to the last send; CPU time of the
server and of the clients per event (/proc, 10 ms ticks, summed over the measured events);
memory per idle subscriber from the server's VmRSS before and after the N connections.
Compression (permessage-deflate) is off on both servers and in the clients.

Servers listen on free 127.0.0.1 ports and are stopped by PID; the file-descriptor soft limit
is raised to the hard limit before anything is spawned; every loop is bounded in count and time.

    .venv/bin/python loadtests/ws_fanout.py [--subscribers 1000 5000] [--events 20] [--check]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import resource
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import orjson
from aiohttp import WSMsgType, web
from bench_http import (
    HOST,
    LOAD_CPU,
    SERVER_CPU,
    TICKS_V1,
    Server,
    cpu_seconds,
    free_port,
    median,
    percentile,
    pinned,
    registry_argv,
    running,
    start_server,
    verdict,
    wait_ready,
)
from credentials import JSON_AS_ADMIN, configure_servers

from service.eventloop import UVLOOP, new_event_loop

E2E_RATIO_TARGET = 1.2
FANOUT_TARGET_MS = 100.0
TARGET_SUBSCRIBERS = 5000

CLIENT_PROCESSES = 2
WARMUP_EVENTS = 3
# Handshakes in flight per client process: the servers' listen backlog is aiohttp's 128.
CONNECT_CONCURRENCY = 48
CONNECT_TIMEOUT = 240.0
EVENT_TIMEOUT = 20.0
SETTLE_SECONDS = 1.5
EVENT_GAP = 0.1
CLIENT_STOP_TIMEOUT = 60.0
CLIENT_LIFETIME = 3600.0
HEARTBEAT = 20.0
MAX_FRAME = 64 * 1024
SUBSCRIBE = '{"op":"subscribe","ids":["*"]}'
REVISION_KEY = '"revision":'
LATENCY_METRIC = "schema_registry_ws_send_latency_seconds"
DURATION_METRIC = "schema_registry_request_duration_seconds"
# The driver takes the timestamps that client CPU work on the same core must not delay.
DRIVER_NICE = -10
NOT_MEASURED = "not measured server-side; end-to-end bounds it"
# The diagnostic baseline with one writer task and queue per subscriber, like the registry.
BARE_TASKS = "bare-task"


def now_ns() -> int:
    """CLOCK_MONOTONIC is one clock for every process on Linux, so client and driver agree."""
    return time.clock_gettime_ns(time.CLOCK_MONOTONIC)


def raise_fd_limit() -> int:
    """Raises RLIMIT_NOFILE's soft limit to the hard limit (inherited by children)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        target = hard if hard != resource.RLIM_INFINITY else max(soft, 65536)
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text(encoding="ascii").splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for pid {pid}")


def nofile_limit(pid: int) -> str:
    for line in Path(f"/proc/{pid}/limits").read_text(encoding="ascii").splitlines():
        if line.startswith("Max open files"):
            return line.split()[3]
    return "?"


def open_fds(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def normal_priority(pid: int) -> None:
    """Children start with the driver's raised priority; servers and clients run at nice 0."""
    with contextlib.suppress(PermissionError, ProcessLookupError):
        os.setpriority(os.PRIO_PROCESS, pid, 0)


def niceness(pid: int) -> int:
    stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii")
    return int(stat.rsplit(")", 1)[1].split()[16])


def internal_argv(role: str, *extra: str) -> list[str]:
    return [sys.executable, str(Path(__file__).resolve()), "--internal", role, *extra]


# -- client role (subprocesses pinned to LOAD_CPU) ----------------------------------------------


def revision_of(text: str) -> int:
    """The event's revision, found without parsing the whole envelope (orjson has no spaces)."""
    at = text.find(REVISION_KEY)
    if at >= 0:
        start = end = at + len(REVISION_KEY)
        while end < len(text) and text[end].isdigit():
            end += 1
        if end > start:
            return int(text[start:end])
    revision = orjson.loads(text).get("revision")
    if not isinstance(revision, int):
        raise ValueError(f"frame without a revision: {text[:80]!r}")
    return revision


class Tally:
    """Per revision: receipts so far, first and last receipt time; reports when all arrived."""

    def __init__(self, expected: int) -> None:
        self.expected = expected
        self.open: dict[int, list[int]] = {}
        self.frame_shown = False

    def received(self, text: str) -> None:
        at = now_ns()
        revision = revision_of(text)
        entry = self.open.get(revision)
        if entry is None:
            entry = self.open[revision] = [0, at, at]
            if not self.frame_shown:
                self.frame_shown = True
                emit(f"FRAME {text}")
        entry[0] += 1
        entry[2] = at
        if entry[0] == self.expected:
            emit(f"EVENT {revision} {entry[1]} {entry[2]}")
            del self.open[revision]


def emit(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


async def stdin_closed() -> None:
    """Returns when the driver closes our stdin (or after CLIENT_LIFETIME, whichever first)."""
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(CLIENT_LIFETIME):
            while await reader.read(4096):
                pass


async def subscribe_one(
    session: aiohttp.ClientSession, url: str, gate: asyncio.Semaphore
) -> aiohttp.ClientWebSocketResponse:
    async with gate:
        ws = await session.ws_connect(url, compress=0, autoping=True, max_msg_size=MAX_FRAME)
        await ws.send_str(SUBSCRIBE)
        reply = await ws.receive(timeout=30.0)
        if reply.type != WSMsgType.TEXT or orjson.loads(reply.data).get("type") != "subscribed":
            raise RuntimeError(f"no subscribed reply: {reply.type} {str(reply.data)[:80]}")
        return ws


async def read_events(ws: aiohttp.ClientWebSocketResponse, tally: Tally) -> None:
    async for message in ws:
        if message.type == WSMsgType.TEXT:
            tally.received(message.data)
    emit(f"DROPPED close code {ws.close_code}")


async def client(url: str, count: int) -> int:
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as session:
        gate = asyncio.Semaphore(CONNECT_CONCURRENCY)
        try:
            async with asyncio.timeout(CONNECT_TIMEOUT):
                sockets = await asyncio.gather(
                    *(subscribe_one(session, url, gate) for _ in range(count))
                )
        except Exception as exc:  # reported to the driver, which stops the run
            emit(f"ERROR connecting {count} subscribers: {exc!r}")
            return 1
        tally = Tally(count)
        readers = [asyncio.create_task(read_events(ws, tally)) for ws in sockets]
        emit(f"READY {count}")
        await stdin_closed()
        for reader in readers:
            reader.cancel()
        await asyncio.gather(*readers, return_exceptions=True)
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(CLIENT_STOP_TIMEOUT / 2):
                await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)
    return 0


# -- bare server role (subprocess pinned to SERVER_CPU) ------------------------------------------


class BareLoop:
    """The baseline: `POST /broadcast` schedules one task that sends the frame to every
    subscriber in a plain loop, and answers before that loop runs."""

    def __init__(self) -> None:
        self.clients: set[web.WebSocketResponse] = set()
        self.fanouts: list[float] = []
        self.tasks: set[asyncio.Task[None]] = set()

    def add(self, ws: web.WebSocketResponse) -> None:
        self.clients.add(ws)

    def remove(self, ws: web.WebSocketResponse) -> None:
        self.clients.discard(ws)

    def broadcast(self, frame: bytes, started: float) -> None:
        task = asyncio.create_task(self.fan_out(frame, started))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def fan_out(self, frame: bytes, started: float) -> None:
        for ws in list(self.clients):
            with contextlib.suppress(ConnectionError, RuntimeError):
                await ws.send_frame(frame, WSMsgType.TEXT)
        self.fanouts.append(time.perf_counter() - started)


class BareTasks(BareLoop):
    """Diagnostic: the registry's shape without the registry. Each subscriber has its own
    `asyncio.Queue` and writer task; `POST /broadcast` puts the frame in every queue."""

    def __init__(self) -> None:
        super().__init__()
        self.writers: dict[web.WebSocketResponse, asyncio.Task[None]] = {}
        self.queues: dict[web.WebSocketResponse, asyncio.Queue[tuple[bytes, float]]] = {}
        self.remaining = 0

    def add(self, ws: web.WebSocketResponse) -> None:
        if ws not in self.queues:
            queue: asyncio.Queue[tuple[bytes, float]] = asyncio.Queue()
            self.queues[ws] = queue
            self.writers[ws] = asyncio.create_task(self.write(ws, queue))

    def remove(self, ws: web.WebSocketResponse) -> None:
        self.queues.pop(ws, None)
        writer = self.writers.pop(ws, None)
        if writer is not None:
            writer.cancel()

    def broadcast(self, frame: bytes, started: float) -> None:
        self.remaining = len(self.queues)
        for queue in self.queues.values():
            queue.put_nowait((frame, started))

    async def write(
        self, ws: web.WebSocketResponse, queue: asyncio.Queue[tuple[bytes, float]]
    ) -> None:
        while True:
            frame, started = await queue.get()
            with contextlib.suppress(ConnectionError, RuntimeError):
                await ws.send_frame(frame, WSMsgType.TEXT)
            self.remaining -= 1
            if self.remaining == 0:
                self.fanouts.append(time.perf_counter() - started)


def serve_bare(port: int, mode: str) -> None:
    """`/ws` with the registry's subscribe handshake; `POST /broadcast` sends its body to all."""
    fan = BareTasks() if mode == "tasks" else BareLoop()

    async def websocket(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(heartbeat=HEARTBEAT, max_msg_size=MAX_FRAME, compress=False)
        await ws.prepare(request)
        try:
            async for message in ws:
                if message.type != WSMsgType.TEXT:
                    continue
                frame = orjson.loads(message.data)
                if isinstance(frame, dict) and frame.get("op") == "subscribe":
                    reply = {"type": "subscribed", "ids": frame.get("ids"), "revision": 0}
                    await ws.send_frame(orjson.dumps(reply), WSMsgType.TEXT)
                    fan.add(ws)
        finally:
            fan.remove(ws)
        return ws

    async def broadcast(request: web.Request) -> web.Response:
        started = time.perf_counter()
        fan.broadcast(await request.read(), started)
        return web.json_response({"subscribers": len(fan.clients)})

    async def stats(request: web.Request) -> web.Response:
        return web.json_response({"fanout_seconds": fan.fanouts})

    async def ready(request: web.Request) -> web.Response:
        return web.json_response({"status": "ready"})

    app = web.Application()
    app.router.add_get("/ws", websocket)
    app.router.add_post("/broadcast", broadcast)
    app.router.add_get("/stats", stats)
    app.router.add_get("/health/ready", ready)
    # uvloop, as `serve` runs by default: the ratio compares the apps, not two event loops.
    loop = new_event_loop(UVLOOP)
    web.run_app(app, host=HOST, port=port, print=None, access_log=None, loop=loop)


# -- driver ------------------------------------------------------------------------------------


@dataclass
class Report:
    revision: int
    first: int
    last: int


@dataclass
class ClientProcess:
    process: asyncio.subprocess.Process
    count: int
    events: asyncio.Queue[Report] = field(default_factory=asyncio.Queue)
    ready: asyncio.Future[None] = field(default_factory=asyncio.Future)
    frame: str | None = None
    dropped: list[str] = field(default_factory=list)
    pump: asyncio.Task[None] | None = None

    async def read_stdout(self) -> None:
        assert self.process.stdout is not None
        while line := (await self.process.stdout.readline()).decode().rstrip("\n"):
            kind, _, rest = line.partition(" ")
            if kind == "EVENT":
                revision, first, last = (int(part) for part in rest.split())
                self.events.put_nowait(Report(revision, first, last))
            elif kind == "READY" and not self.ready.done():
                self.ready.set_result(None)
            elif kind == "FRAME" and self.frame is None:
                self.frame = rest
            elif kind == "DROPPED":
                self.dropped.append(rest)
            elif kind == "ERROR" and not self.ready.done():
                self.ready.set_exception(RuntimeError(rest))
        if not self.ready.done():
            self.ready.set_exception(RuntimeError("client exited before it was ready"))

    async def stop(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        try:
            await asyncio.wait_for(self.process.wait(), CLIENT_STOP_TIMEOUT)
        except TimeoutError:
            self.process.kill()
            await asyncio.wait_for(self.process.wait(), CLIENT_STOP_TIMEOUT)
        if self.pump is not None:
            self.pump.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.pump


@dataclass
class Sample:
    sent: int
    answered: int
    first: int
    last: int
    fanout_ms: float | None = None
    """Server side, publish -> last send: exact (bare loop) or a bucket edge (registry)."""
    fanout_low_ms: float | None = None
    """Registry: the bucket edge below, which the last send exceeded."""
    mean_send_ms: float | None = None
    handler_ms: float | None = None
    """Registry: its own duration of the POST handler (request-duration histogram sum)."""

    @property
    def from_response_ms(self) -> float:
        return (self.last - self.answered) / 1e6

    @property
    def from_request_ms(self) -> float:
        return (self.last - self.sent) / 1e6

    @property
    def publish_ms(self) -> float:
        return (self.answered - self.sent) / 1e6

    @property
    def first_ms(self) -> float:
        return (self.first - self.answered) / 1e6


@dataclass
class Run:
    kind: str
    subscribers: int
    connect_s: float = 0.0
    rss_before_kib: int = 0
    rss_after_kib: int = 0
    server_fds: int = 0
    server_nofile: str = "?"
    samples: list[Sample] = field(default_factory=list)
    server_cpu_ms: float = 0.0
    client_cpu_ms: float = 0.0
    frame_bytes: int = 0
    metric_checks: list[str] = field(default_factory=list)
    fanout_measured: bool = False
    dropped: int = 0
    nice: list[int] = field(default_factory=list)
    """Niceness of the server and each client process while measured."""

    @property
    def kib_per_subscriber(self) -> float:
        return (self.rss_after_kib - self.rss_before_kib) / self.subscribers

    def column(self, name: str) -> list[float]:
        values = [getattr(sample, name) for sample in self.samples]
        return [value for value in values if value is not None]


def parse_metrics(text: str) -> dict[str, float]:
    values: dict[str, float] = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.rpartition(" ")
            with contextlib.suppress(ValueError):
                values[name] = float(value)
    return values


def latency_buckets(metrics: dict[str, float]) -> dict[float, float]:
    prefix = f'{LATENCY_METRIC}_bucket{{le="'
    return {
        float(name[len(prefix) : -2]): value
        for name, value in metrics.items()
        if name.startswith(prefix)
    }


def fanout_bound(
    before: dict[str, float], after: dict[str, float]
) -> tuple[float, float, float] | None:
    """Between two scrapes, in ms: the bucket edges around the slowest send (it is > low and
    <= high) and the mean send latency; None without the metric or without sends."""
    low, high = latency_buckets(before), latency_buckets(after)
    count = after.get(f"{LATENCY_METRIC}_count", 0.0) - before.get(f"{LATENCY_METRIC}_count", 0.0)
    if not high or count <= 0:
        return None
    total = after[f"{LATENCY_METRIC}_sum"] - before.get(f"{LATENCY_METRIC}_sum", 0.0)
    below = 0.0
    for edge in sorted(high):
        if high[edge] - low.get(edge, 0.0) >= count:
            return below * 1000, edge * 1000, total / count * 1000
        below = edge
    return None


def handler_seconds(metrics: dict[str, float]) -> float:
    """Total seconds the registry spent in `POST /schema/{id}` handlers (its own histogram)."""
    prefix = f'{DURATION_METRIC}_sum{{method="POST",route="/schema/{{id}}"'
    return sum(value for name, value in metrics.items() if name.startswith(prefix))


async def scrape(session: aiohttp.ClientSession, server: Server) -> dict[str, float]:
    async with session.get(server.url("/metrics")) as response:
        return parse_metrics(await response.text())


async def start_clients(server: Server, total: int, workdir: Path) -> list[ClientProcess]:
    url = f"ws://{HOST}:{server.port}/ws"
    counts = [
        total // CLIENT_PROCESSES + (i < total % CLIENT_PROCESSES) for i in range(CLIENT_PROCESSES)
    ]
    clients = []
    for index, count in enumerate(counts):
        log = (workdir / f"client-{server.name}-{total}-{index}.log").open("wb")
        process = await asyncio.create_subprocess_exec(
            *pinned(LOAD_CPU, internal_argv("client", "--url", url, "--count", str(count))),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=log,
        )
        log.close()
        normal_priority(process.pid)
        client_process = ClientProcess(process, count)
        client_process.pump = asyncio.create_task(client_process.read_stdout())
        clients.append(client_process)
    return clients


def publishes(
    kind: str, total: int, count: int, template: dict[str, Any]
) -> list[tuple[str, bytes]]:
    """(path, body) per publish. Registry: `ticks_v1` 1.0.0 under a new id each time, at
    `/schema/<id>`. Bare: a copy of the registry's event frame with its own revision."""
    if kind == "registry":
        base = orjson.loads((TICKS_V1 / "1.0.0.json").read_bytes())
        ids = [f"wsfan{total}-{n:03d}" for n in range(count)]
        return [(f"/schema/{i}", orjson.dumps({**base, "id": i})) for i in ids]
    return [("/broadcast", orjson.dumps({**template, "revision": n + 1})) for n in range(count)]


async def one_event(
    session: aiohttp.ClientSession,
    server: Server,
    run: Run,
    publish: tuple[str, bytes],
    clients: list[ClientProcess],
) -> Sample:
    path, body = publish
    expected = 201 if run.kind == "registry" else 200
    headers = JSON_AS_ADMIN
    sent = now_ns()
    async with session.post(server.url(path), data=body, headers=headers) as response:
        await response.read()
        answered = now_ns()
        if response.status != expected:
            raise SystemExit(f"{run.kind}: POST {path} answered {response.status}")
    reports = []
    for client_process in clients:
        try:
            reports.append(await asyncio.wait_for(client_process.events.get(), EVENT_TIMEOUT))
        except TimeoutError:
            raise SystemExit(
                f"{run.kind}: not every subscriber got the event within {EVENT_TIMEOUT:g} s "
                f"(dropped: {sum(len(c.dropped) for c in clients)})"
            ) from None
    if len({report.revision for report in reports}) != 1:
        raise SystemExit(f"{run.kind}: client processes reported different revisions {reports}")
    first = min(report.first for report in reports)
    return Sample(sent, answered, first, max(report.last for report in reports))


async def publish_events(
    session: aiohttp.ClientSession,
    server: Server,
    run: Run,
    bodies: list[tuple[str, bytes]],
    clients: list[ClientProcess],
) -> None:
    """Warm-up publishes, then the measured ones; CPU summed over the measured events only."""
    pids = [c.process.pid for c in clients]
    metrics = await scrape(session, server) if run.kind == "registry" else {}
    for n, body in enumerate(bodies):
        server_cpu = cpu_seconds(server.process.pid)
        client_cpu = sum(cpu_seconds(pid) for pid in pids)
        sample = await one_event(session, server, run, body, clients)
        if n >= WARMUP_EVENTS:
            run.server_cpu_ms += (cpu_seconds(server.process.pid) - server_cpu) * 1000
            run.client_cpu_ms += (sum(cpu_seconds(pid) for pid in pids) - client_cpu) * 1000
        if run.kind == "registry":
            scraped = await scrape(session, server)
            bound = fanout_bound(metrics, scraped)
            if bound is not None:
                sample.fanout_low_ms, sample.fanout_ms, sample.mean_send_ms = bound
            handled = handler_seconds(scraped) - handler_seconds(metrics)
            sample.handler_ms = handled * 1000 if handled > 0 else None
            metrics = scraped
        if n >= WARMUP_EVENTS:
            run.samples.append(sample)
        await asyncio.sleep(EVENT_GAP)
    if run.kind == "registry":
        check_registry_metrics(run, metrics, len(bodies))
    else:
        async with session.get(server.url("/stats")) as response:
            stats = await response.json()
        fanouts = stats["fanout_seconds"][WARMUP_EVENTS:]
        for sample, seconds in zip(run.samples, fanouts, strict=True):
            sample.fanout_ms = seconds * 1000


def check_registry_metrics(run: Run, metrics: dict[str, float], published: int) -> None:
    subscribers = metrics.get("schema_registry_ws_subscribers")
    dropped = metrics.get("schema_registry_ws_subscribers_dropped_total")
    events = metrics.get("schema_registry_ws_events_published_total")
    run.dropped = int(dropped or 0)
    run.fanout_measured = f"{LATENCY_METRIC}_count" in metrics
    run.metric_checks = [
        f"ws_subscribers {subscribers:g}" if subscribers is not None else "ws_subscribers absent",
        f"events_published_total {events:g} (>= {published} publishes)"
        if events is not None
        else "events_published_total absent",
        f"subscribers_dropped_total {dropped:g}" if dropped is not None else "dropped absent",
        f"{LATENCY_METRIC} {'present' if run.fanout_measured else 'absent'}",
    ]
    if subscribers is not None and subscribers != run.subscribers:
        raise SystemExit(f"registry counts {subscribers:g} subscribers, expected {run.subscribers}")
    if run.dropped:
        raise SystemExit(f"registry dropped {run.dropped} subscribers")


async def subscribe_all(server: Server, run: Run, workdir: Path) -> list[ClientProcess]:
    started = time.monotonic()
    clients = await start_clients(server, run.subscribers, workdir)
    try:
        async with asyncio.timeout(CONNECT_TIMEOUT + 30):
            await asyncio.gather(*(c.ready for c in clients))
    except BaseException:
        for client_process in clients:
            await client_process.stop()
        raise
    run.connect_s = time.monotonic() - started
    return clients


async def measure(
    kind: str, total: int, events: int, workdir: Path, template: dict[str, Any]
) -> tuple[Run, dict[str, Any]]:
    """One server with `total` subscribers; returns the run and the event frame seen."""
    port = free_port()
    if kind == "registry":
        argv = registry_argv("memory://", port)
    else:
        mode = "tasks" if kind == BARE_TASKS else "loop"
        argv = internal_argv("bare-server", "--port", str(port), "--mode", mode)
    run = Run(kind, total)
    bodies = publishes(kind, total, WARMUP_EVENTS + events, template)
    with running([start_server(f"{kind}-{total}", argv, port, workdir)]) as (server,):
        normal_priority(server.process.pid)
        await asyncio.to_thread(wait_ready, server, "/health/ready")
        await asyncio.sleep(SETTLE_SECONDS)
        run.rss_before_kib = rss_kib(server.process.pid)
        run.server_nofile = nofile_limit(server.process.pid)
        clients = await subscribe_all(server, run, workdir)
        try:
            await asyncio.sleep(SETTLE_SECONDS)
            run.rss_after_kib = rss_kib(server.process.pid)
            run.server_fds = open_fds(server.process.pid)
            pids = [server.process.pid, *(c.process.pid for c in clients)]
            run.nice = [niceness(pid) for pid in pids]
            async with aiohttp.ClientSession() as session:
                await publish_events(session, server, run, bodies, clients)
        finally:
            for client_process in clients:
                await client_process.stop()
        run.dropped += sum(len(c.dropped) for c in clients)
        frame = next((c.frame for c in clients if c.frame is not None), None)
    if frame is None:
        raise SystemExit(f"{kind}: no event frame was reported")
    run.frame_bytes = len(frame.encode())
    parsed: dict[str, Any] = orjson.loads(frame)
    return run, parsed


def summary_line(run: Run) -> str:
    resp, req = run.column("from_response_ms"), run.column("from_request_ms")
    fanout = run.column("fanout_ms")
    events, messages = len(run.samples), len(run.samples) * run.subscribers
    fan = f"{median(fanout):>8.1f}{percentile(fanout, 0.99):>8.1f}" if fanout else f"{'-':>16}"
    handler = run.column("handler_ms")
    handled = f"{median(handler):>8.2f}" if handler else f"{'-':>8}"
    return (
        f"{run.kind:<10}{run.subscribers:>5}{run.connect_s:>8.1f}"
        f"{run.rss_before_kib / 1024:>8.1f}{run.rss_after_kib / 1024:>8.1f}"
        f"{run.kib_per_subscriber:>8.1f}"
        f"{median(run.column('publish_ms')):>8.2f}{handled}{median(run.column('first_ms')):>8.1f}"
        f"{median(resp):>8.1f}{percentile(resp, 0.99):>8.1f}"
        f"{median(req):>8.1f}{percentile(req, 0.99):>8.1f}{fan}"
        f"{run.server_cpu_ms / events:>8.1f}{run.client_cpu_ms * 1000 / messages:>8.1f}"
    )


def fanout_histogram(run: Run) -> str:
    """How many events had their last send in each bucket interval, and the mean send."""
    spans: dict[tuple[float, float], int] = {}
    for sample in run.samples:
        if sample.fanout_low_ms is not None and sample.fanout_ms is not None:
            span = (sample.fanout_low_ms, sample.fanout_ms)
            spans[span] = spans.get(span, 0) + 1
    parts = [f"{count} in ({low:g}, {high:g}]" for (low, high), count in sorted(spans.items())]
    return (
        f"last send after the hub publish, events per bucket: {', '.join(parts)} ms; mean send "
        f"p50 {median(run.column('mean_send_ms')):.1f} ms after the publish"
    )


def print_table(runs: list[Run]) -> None:
    print()
    print(
        "ms unless stated; p50/p99 over the measured events; 'publish' = publish round trip "
        "(p50); 'handler' = the registry's own POST handler time (p50, its request-duration "
        "histogram); 'resp' = from the publish response arriving, 'req' = from the publish "
        "request being sent, to the last subscriber's receipt; 'first' = first receipt - "
        "response (p50; negative: before it)"
    )
    print(
        f"{'server':<10}{'N':>5}{'conn s':>8}{'RSS0 MB':>8}{'RSS1 MB':>8}{'KiB/sub':>8}"
        f"{'publish':>8}{'handler':>8}{'first':>8}{'resp50':>8}{'resp99':>8}{'req50':>8}{'req99':>8}"
        f"{'fan50':>8}{'fan99':>8}{'srvCPU':>8}{'cli us':>8}"
    )
    for run in runs:
        print(summary_line(run))
    print(
        "fan = server side, publish -> last send: bare, bare-task = exact (handler entry -> "
        "last send); registry = upper bucket edge of schema_registry_ws_send_latency_seconds (hub "
        "publish -> send). srvCPU = server CPU ms per event; cli us = both client processes' "
        "CPU us per message received (both: 10 ms ticks, summed over the measured events)"
    )
    for run in runs:
        checks = "; ".join(run.metric_checks) or "n/a"
        if run.kind == "registry" and run.column("fanout_ms"):
            print(f"registry N={run.subscribers}: {fanout_histogram(run)}")
        print(
            f"{run.kind} N={run.subscribers}: frame {run.frame_bytes} B, server fds "
            f"{run.server_fds} (soft limit {run.server_nofile}), nice server/clients "
            f"{'/'.join(map(str, run.nice))}, client-seen closes "
            f"{run.dropped}; /metrics: {checks}"
        )


def print_ratios(reg: Run, bare: Run, tasks: Run) -> None:
    ratios = []
    for name in ("from_response_ms", "from_request_ms"):
        for share in (0.5, 0.99):
            ratio = percentile(reg.column(name), share) / percentile(bare.column(name), share)
            ratios.append(f"p{round(share * 100)} {ratio:.2f}")
    print(
        f"ratio registry/bare at N={reg.subscribers}: end-to-end from response {ratios[0]}, "
        f"{ratios[1]}; from request {ratios[2]}, {ratios[3]}"
    )
    per_sub = [
        1000 * run.server_cpu_ms / len(run.samples) / run.subscribers for run in (reg, bare, tasks)
    ]
    print(
        f"server CPU per event at N={reg.subscribers}: registry {per_sub[0]:.1f}, bare loop "
        f"{per_sub[1]:.1f}, bare writer task per subscriber {per_sub[2]:.1f} us per subscriber; "
        f"registry/bare {per_sub[0] / per_sub[1]:.2f}, bare-task/bare {per_sub[2] / per_sub[1]:.2f}"
        f"; fan-out p50 bare-task/bare "
        f"{median(tasks.column('fanout_ms')) / median(bare.column('fanout_ms')):.2f}"
    )


def verdicts(runs: list[Run]) -> bool:
    """Prints ratios at every N and the verdicts at the largest N; True when all pass."""
    print()
    by_key = {(run.kind, run.subscribers): run for run in runs}
    sizes = sorted({run.subscribers for run in runs})
    for size in sizes:
        print_ratios(by_key["registry", size], by_key["bare", size], by_key[BARE_TASKS, size])
    size = sizes[-1]
    reg, bare = by_key["registry", size], by_key["bare", size]
    at = f"at N={size:,}" + ("" if size == TARGET_SUBSCRIBERS else " (targets are stated at 5,000)")
    resp_ok = all(
        percentile(reg.column("from_response_ms"), share)
        <= E2E_RATIO_TARGET * percentile(bare.column("from_response_ms"), share)
        for share in (0.5, 0.99)
    )
    req_ratio = percentile(reg.column("from_request_ms"), 0.99) / percentile(
        bare.column("from_request_ms"), 0.99
    )
    print(
        f"{verdict(resp_ok)}: end-to-end {at}: p50 {median(reg.column('from_response_ms')):.1f} "
        f"/ p99 {percentile(reg.column('from_response_ms'), 0.99):.1f} ms from the publish "
        f"response, bare {median(bare.column('from_response_ms')):.1f} / "
        f"{percentile(bare.column('from_response_ms'), 0.99):.1f} ms (target <= "
        f"{E2E_RATIO_TARGET:g} x bare at p50 and p99); from the request p99 ratio {req_ratio:.2f}"
    )
    fanout_ok = fanout_verdict(reg, bare, at)
    print(
        f"INFO: memory per idle subscriber {at}: registry {reg.kib_per_subscriber:.1f} KiB, "
        f"bare aiohttp {bare.kib_per_subscriber:.1f} KiB (VmRSS delta / N; no numeric target)"
    )
    return resp_ok and fanout_ok


def fanout_verdict(reg: Run, bare: Run, at: str) -> bool:
    bare_fan = bare.column("fanout_ms")
    bare_text = f"bare loop p50 {median(bare_fan):.1f} / p99 {percentile(bare_fan, 0.99):.1f} ms"
    fanout = reg.column("fanout_ms")
    if not reg.fanout_measured or len(fanout) != len(reg.samples):
        print(f"INFO: server-side fan-out {at}: {NOT_MEASURED} ({bare_text})")
        return True
    worst = max(fanout)
    ok = worst <= FANOUT_TARGET_MS
    mean_send = median(reg.column("mean_send_ms"))
    print(
        f"{verdict(ok)}: server-side fan-out {at}: the last send of every event within "
        f"{worst:g} ms of the hub publish (histogram bucket edge; p50 of the bound "
        f"{median(fanout):g} ms; mean send {mean_send:.1f} ms after publish; target < "
        f"{FANOUT_TARGET_MS:g} ms); {bare_text}; commit -> hub publish not included"
    )
    return ok


async def drive(args: argparse.Namespace) -> list[Run]:
    runs: list[Run] = []
    template: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="ws_fanout-") as tmp:
        workdir = Path(tmp)
        for total in args.subscribers:
            # The registry first: the bare server broadcasts a copy of its frame.
            for kind in ("registry", "bare", BARE_TASKS):
                run, frame = await measure(kind, total, args.events, workdir, template)
                if kind == "registry":
                    template = frame
                runs.append(run)
                print(f"  {summary_line(run)}", flush=True)
    return runs


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--subscribers", type=int, nargs="+", default=[1000, 5000])
    parser.add_argument("--events", type=int, default=20, help="measured publishes per run")
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    internal = parser.add_argument_group("internal (subprocess roles)")
    internal.add_argument("--internal", choices=["client", "bare-server"], help=argparse.SUPPRESS)
    internal.add_argument("--url", help=argparse.SUPPRESS)
    internal.add_argument("--count", type=int, help=argparse.SUPPRESS)
    internal.add_argument("--port", type=int, help=argparse.SUPPRESS)
    internal.add_argument("--mode", choices=["loop", "tasks"], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if not all(2 <= n <= 8000 for n in args.subscribers) or not 1 <= args.events <= 500:
        parser.error("--subscribers must be 2..8000 each and --events 1..500")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    limit = raise_fd_limit()
    configure_servers()
    if args.internal:
        normal_priority(0)
    if args.internal == "client":
        return asyncio.run(client(args.url, args.count))
    if args.internal == "bare-server":
        serve_bare(args.port, args.mode)
        return 0
    if not {SERVER_CPU, LOAD_CPU} <= os.sched_getaffinity(0):
        raise SystemExit(f"needs CPUs {SERVER_CPU} and {LOAD_CPU} (servers and clients)")
    if limit < max(args.subscribers) + 256:
        raise SystemExit(f"file-descriptor limit {limit} is too low for the subscribers")
    os.sched_setaffinity(0, {LOAD_CPU})
    try:
        os.nice(DRIVER_NICE)
        priority = f"driver at nice {DRIVER_NICE} (its timestamps do not queue behind the clients)"
    except PermissionError:
        priority = "driver at normal priority (no permission to raise it)"
    started = time.monotonic()
    print(
        f"load average {os.getloadavg()}; {os.cpu_count()} CPUs; fd soft limit {limit}; servers "
        f"on CPU {SERVER_CPU}; {CLIENT_PROCESSES} client processes and this driver on CPU "
        f"{LOAD_CPU}; {priority}; {WARMUP_EVENTS} warm-up + {args.events} measured publishes "
        "per run",
        flush=True,
    )
    runs = asyncio.run(drive(args))
    print_table(runs)
    ok = verdicts(runs)
    print(f"\ntotal {time.monotonic() - started:.0f} s; load average {os.getloadavg()}")
    return 1 if args.check and not ok else 0


if __name__ == "__main__":
    sys.exit(main())
