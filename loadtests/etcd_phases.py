"""The etcd parts of `bench_http.py --store etcd[://…]`: the etcd under test, and the client of
the replica-visibility phase.

`--store etcd` starts a private single-member etcd (`tests.etcd_server.start_cluster`, Debian's
`/usr/bin/etcd`) in the run's temporary directory, forked from a thread pinned to the servers'
CPU so etcd and every thread it starts run there; `--store etcd://host:port[,…]` uses an etcd
that is already running, which this bench neither pins nor stops. Either way every registry and
raw store of the run gets a fresh key prefix `/bench/<run uuid>/<label>-<random>/`, so runs
never see each other's data; on an existing etcd the run's keys are deleted at the end.

The visibility phase publishes one version at a time to registry A and polls registry B (same
etcd prefix) from the moment the POST is sent until B answers 200, and times from A's
acknowledgement to B's first 200; beside it, one GET on A right after its acknowledgement.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import orjson
from credentials import JSON_AS_ADMIN

from service.storage import EtcdStore
from service.storage.contract import StoreUnavailable
from service.storage.etcd_connection import delete, parse_endpoints
from service.storage.etcd_keys import range_end
from tests.etcd_server import EtcdCluster, EtcdError, start_cluster

BENCH_ROOT = "/bench/"
# Between two polls of replica B; asyncio's selector rounds a timer up to whole milliseconds,
# so one poll starts about every millisecond plus the GET's own round trip.
POLL_SLEEP = 0.0005
# How long B is polled for one publish before the publish counts as not visible.
POLL_CAP = 5.0
# The whole visibility phase stops issuing publishes after this long.
VISIBILITY_TIMEOUT = 120.0
REQUEST_TIMEOUT = 10.0
PROBE_TIMEOUT = 10.0


@dataclass
class EtcdTarget:
    """The etcd every store of the run uses: its endpoints, the run's key root, where it runs."""

    endpoints: str
    run_id: str
    placement: str
    cluster: EtcdCluster | None = None

    @property
    def root(self) -> str:
        return f"{BENCH_ROOT}{self.run_id}/"

    def fresh_url(self, label: str) -> str:
        """A store URL on a key prefix no other store of any run has used."""
        return f"etcd://{self.endpoints}{self.root}{label}-{uuid.uuid4().hex[:8]}/"

    def close(self) -> None:
        """Stops the private etcd, or deletes this run's keys from an existing one."""
        if self.cluster is not None:
            self.cluster.stop()
        else:
            asyncio.run(_delete_prefix(self.endpoints, self.root))


def open_target(spec: str, workdir: Path, server_cpu: int) -> EtcdTarget:
    """`etcd`: a private etcd pinned to `server_cpu`; `etcd://host:port[,…]`: an existing one."""
    run_id = uuid.uuid4().hex
    if spec == "etcd":
        return _start_private(workdir, run_id, server_cpu)
    parts = urlsplit(spec)
    usage = "--store takes sqlite, etcd, or etcd://host:port[,host:port…]"
    if parts.scheme != "etcd" or not parts.netloc or parts.query or parts.fragment:
        raise SystemExit(f"{usage}, not {spec!r}")
    if parts.path not in ("", "/"):
        raise SystemExit(f"{usage} without a key prefix: the bench uses {BENCH_ROOT}<uuid>/")
    try:
        parse_endpoints(parts.netloc)
    except ValueError as exc:
        raise SystemExit(f"{usage}: {exc}") from None
    asyncio.run(_probe(parts.netloc))
    placement = f"existing etcd at {parts.netloc}, not started or pinned by this bench"
    return EtcdTarget(parts.netloc, run_id, placement)


def _start_private(workdir: Path, run_id: str, server_cpu: int) -> EtcdTarget:
    # A child inherits the CPU affinity of the thread that forks it, and etcd's own threads
    # inherit etcd's: forking from a thread pinned to `server_cpu` pins all of etcd there.
    before = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {server_cpu})
    try:
        cluster = start_cluster(workdir / "etcd")
    except EtcdError as exc:
        raise SystemExit(f"cannot start a private etcd: {exc}") from None
    finally:
        os.sched_setaffinity(0, before)
    member = cluster.members[0]
    assert member.process is not None
    cpus = ",".join(str(cpu) for cpu in sorted(os.sched_getaffinity(member.process.pid)))
    placement = (
        f"private single-member etcd (/usr/bin/etcd) at {cluster.endpoints}, pinned to CPU "
        f"{cpus} with the servers; data dir in the run's temp dir (same disk, real fsyncs)"
    )
    return EtcdTarget(cluster.endpoints, run_id, placement, cluster)


async def _probe(endpoints: str) -> None:
    store = EtcdStore(parse_endpoints(endpoints), prefix=f"{BENCH_ROOT}probe/")
    try:
        async with asyncio.timeout(PROBE_TIMEOUT):
            await store.start()
    except (StoreUnavailable, TimeoutError) as exc:
        raise SystemExit(f"etcd at {endpoints} does not answer: {exc}") from None
    finally:
        await store.close()


async def _delete_prefix(endpoints: str, prefix: str) -> None:
    store = EtcdStore(parse_endpoints(endpoints), prefix=prefix)
    try:
        async with asyncio.timeout(PROBE_TIMEOUT):
            await store.start()
            key = prefix.encode()
            await store.connection.txn([], [delete(key, range_end(key))], [])
    finally:
        await store.close()


# -- replica visibility ------------------------------------------------------------------------


@dataclass(frozen=True)
class VisibilitySample:
    """One publish, in ms from A's acknowledgement (the POST's 201 fully read)."""

    publish_ms: float
    # One GET on A right after its acknowledgement: None when it did not answer 200.
    own_ms: float | None
    # B's first 200, 0 when B answered 200 before A's acknowledgement arrived; None: not
    # within POLL_CAP.
    replica_ms: float | None
    before_ack: bool
    polls: int
    poll_seconds: float


@dataclass
class VisibilityRun:
    samples: list[VisibilitySample] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    wall: float = 0.0


async def replica_visibility(
    a_base: str, b_base: str, docs: Sequence[dict[str, Any]]
) -> VisibilityRun:
    """Each of `docs` published to A one at a time, B polled for it; bounded in count and time."""
    run = VisibilityRun()
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT)
    headers = JSON_AS_ADMIN
    started = time.perf_counter()
    async with (
        aiohttp.ClientSession(timeout=timeout, headers=headers) as to_a,
        aiohttp.ClientSession(timeout=timeout) as to_b,
    ):
        # Open the keep-alive connections first, so no sample pays a connect.
        await _get_ok(to_a, f"{a_base}/health/ready")
        await _get_ok(to_b, f"{b_base}/health/ready")
        for doc in docs:
            if time.perf_counter() - started > VISIBILITY_TIMEOUT:
                run.errors.append(f"stopped after {VISIBILITY_TIMEOUT:g} s")
                break
            try:
                run.samples.append(await _one_publish(to_a, to_b, a_base, b_base, doc))
            except PublishFailed as exc:
                run.errors.append(str(exc))
    run.wall = time.perf_counter() - started
    return run


class PublishFailed(Exception):
    """A's POST did not answer 201."""


async def _one_publish(
    to_a: aiohttp.ClientSession,
    to_b: aiohttp.ClientSession,
    a_base: str,
    b_base: str,
    doc: dict[str, Any],
) -> VisibilitySample:
    path = f"/schema/{doc['id']}/{doc['version']}"
    # B is polled from before the POST is sent, so its first 200 is seen however early it comes.
    poll = asyncio.create_task(_first_ok(to_b, b_base + path))
    try:
        sent = time.perf_counter()
        try:
            async with to_a.post(f"{a_base}/schema/{doc['id']}", data=orjson.dumps(doc)) as reply:
                text = await reply.text()
                status = reply.status
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            raise PublishFailed(f"{doc['id']}: {type(exc).__name__} {exc}") from None
        acked = time.perf_counter()
        if status != 201:
            raise PublishFailed(f"{doc['id']}: {status} {text[:200]}")
        own = time.perf_counter() if await _get_ok(to_a, a_base + path) else None
        seen, polls = await poll
    finally:
        if not poll.done():
            poll.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await poll
    return VisibilitySample(
        publish_ms=(acked - sent) * 1000,
        own_ms=None if own is None else (own - acked) * 1000,
        replica_ms=None if seen is None else max(0.0, seen - acked) * 1000,
        before_ack=seen is not None and seen < acked,
        polls=polls,
        poll_seconds=(seen if seen is not None else time.perf_counter()) - sent,
    )


async def _first_ok(session: aiohttp.ClientSession, url: str) -> tuple[float | None, int]:
    """When `url` first answered 200 (perf_counter), and how many GETs that took; None after
    POLL_CAP."""
    polls = 0
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(POLL_CAP):
            while True:
                polls += 1
                if await _get_ok(session, url):
                    return time.perf_counter(), polls
                await asyncio.sleep(POLL_SLEEP)
    return None, polls


async def _get_ok(session: aiohttp.ClientSession, url: str) -> bool:
    try:
        async with session.get(url) as response:
            await response.read()
            return response.status == 200
    except (aiohttp.ClientError, OSError):
        return False
