"""Memory of one registry process with 10,000 schema versions indexed (issue 13, DESIGN §10).

Target: one process with 10,000 schema versions indexed stays under 300 MB RSS.

1. Builds a SQLite store of IDS x VERSIONS versions (default 1,000 x 10) in this process with
   the store's own `create_version`, from documents checked and fingerprinted exactly as a
   publish does (`service.domain.documents.prepare`: canonical bytes, `compat_rs` check,
   SHA-256 fingerprint). Each id is ticks_v1 1.0.0 with MINOR bumps 1.1.0 … 1.(VERSIONS-1).0,
   each adding one optional property and its nullable Arrow field, so later versions are a
   little bigger (about 1-2 KB canonical). Going through HTTP would only be slower: a publish
   diffs against the id's history, so its cost grows with it; what is measured here is the
   index the server builds from the file at start-up.
2. Starts the registry as documented (`python -m service serve --store sqlite:///<file>`),
   pinned to CPU 0, on that file, and on an empty file (the baseline, same run, same command),
   one after the other. Each server: VmRSS and VmHWM (peak) from /proc/<pid>/status once ready
   (index loaded), then after reads (full store: every version once by pinned version, every
   id's latest and its version list, every page of /schemas; baseline: the same number of
   requests to `/schemas`), then again after a second identical pass.
3. Prints the absolute numbers, the ratio full/empty and the cost per version, and PASS/FAIL
   against 300 MB (judged on the peak, VmHWM, of the full-store server).

Bounded: the store build, every server start and every read pass have time limits; servers
are stopped by PID; files live in a temporary directory.

    .venv/bin/python loadtests/bench_memory.py [--ids 1000] [--versions 10] [--check]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import orjson
from credentials import configure_servers

from service.domain.documents import prepare
from service.storage import open_store
from service.storage.contract import NewVersion

REPO_ROOT = Path(__file__).resolve().parents[1]
TICKS_V1 = REPO_ROOT / "schemas" / "ticks_v1" / "1.0.0.json"
HOST = "127.0.0.1"
SERVER_CPU = 0
LOAD_CPU = 1
TARGET_MB = 300.0
BUILD_CONCURRENCY = 16
READ_CONCURRENCY = 16
BUILD_TIMEOUT = 600.0
START_TIMEOUT = 120.0
READ_TIMEOUT = 300.0
STOP_TIMEOUT = 10.0
PAGE = 1000


def documents(ids: int, versions: int) -> list[list[dict[str, Any]]]:
    """Per id, its versions in order: 1.0.0 then MINOR bumps adding one optional field each."""
    base = orjson.loads(TICKS_V1.read_bytes())
    out: list[list[dict[str, Any]]] = []
    for i in range(ids):
        schema_id = f"mem-{i:05d}"
        chain: list[dict[str, Any]] = []
        properties = dict(base["properties"])
        fields = list(base["arrow"]["fields"])
        for k in range(versions):
            if k:
                properties[f"extra_{k}"] = {"type": "integer"}
                fields.append({"name": f"extra_{k}", "type": {"name": "int32"}, "nullable": True})
            doc = {
                **base,
                "id": schema_id,
                "version": f"1.{k}.0",
                "title": f"Level-1 Tick Data, feed {i}",
                "properties": dict(properties),
                "arrow": {"fields": list(fields)},
            }
            chain.append(doc)
        out.append(chain)
    return out


async def build_store(store_url: str, chains: list[list[dict[str, Any]]]) -> tuple[int, int]:
    """Commits every chain with `create_version`; returns (versions, canonical bytes)."""
    store = open_store(store_url)
    await store.start()
    pending = list(reversed(chains))
    count = 0
    size = 0

    async def worker() -> None:
        nonlocal count, size
        while pending:
            chain = pending.pop()
            expected = 0
            previous: str | None = None
            for doc in chain:
                prepared = prepare(doc["id"], None, doc)
                new = NewVersion(
                    prepared.schema_id,
                    str(prepared.version),
                    prepared.canonical,
                    prepared.fingerprint,
                )
                event: dict[str, Any] = {
                    "previous": previous,
                    "required_bump": "minor" if previous else "none",
                    "changes": [],
                    "breaking": False,
                }
                stored = await store.create_version(
                    new, expected_mod_revision=expected, event_data=event
                )
                expected = stored.revision
                previous = str(prepared.version)
                count += 1
                size += len(prepared.canonical)

    try:
        async with asyncio.timeout(BUILD_TIMEOUT):
            await asyncio.gather(*(worker() for _ in range(BUILD_CONCURRENCY)))
    finally:
        await store.close()
    return count, size


# -- the server ----------------------------------------------------------------------------------


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def proc_status(pid: int) -> dict[str, float]:
    """VmRSS and VmHWM of `pid` in MB (from /proc, kB units)."""
    out: dict[str, float] = {}
    for line in Path(f"/proc/{pid}/status").read_text(encoding="ascii").splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            out[key] = int(value.split()[0]) / 1024
    return out


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    port: int
    log: Path

    def url(self, path: str) -> str:
        return f"http://{HOST}:{self.port}{path}"

    def stop(self) -> None:
        if self.process.poll() is not None:
            return
        os.kill(self.process.pid, signal.SIGINT)
        try:
            self.process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=STOP_TIMEOUT)


def start_server(store_url: str, log: Path) -> Server:
    port = free_port()
    argv = [sys.executable, "-m", "service", "serve", "--store", store_url]
    argv += ["--host", HOST, "--port", str(port)]
    with log.open("wb") as out:
        process = subprocess.Popen(
            ["taskset", "-c", str(SERVER_CPU), *argv],
            cwd=REPO_ROOT,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    server = Server(process, port, log)
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with urllib.request.urlopen(server.url("/health/ready"), timeout=1.0) as response:
                if response.status == 200:
                    return server
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.05)
    server.stop()
    tail = log.read_text(encoding="utf-8", errors="replace")[-2000:]
    raise SystemExit(f"the registry did not become ready:\n{tail}")


async def read_pass(base: str, paths: list[str]) -> tuple[int, int]:
    """GETs every path once with READ_CONCURRENCY clients; returns (ok, errors)."""
    pending = list(reversed(paths))
    ok = errors = 0

    async def worker(session: aiohttp.ClientSession) -> None:
        nonlocal ok, errors
        while pending:
            path = pending.pop()
            async with session.get(base + path) as response:
                await response.read()
                if response.status == 200:
                    ok += 1
                else:
                    errors += 1

    connector = aiohttp.TCPConnector(limit=READ_CONCURRENCY)
    async with aiohttp.ClientSession(connector=connector) as session:
        async with asyncio.timeout(READ_TIMEOUT):
            await asyncio.gather(*(worker(session) for _ in range(READ_CONCURRENCY)))
    return ok, errors


def read_paths(chains: list[list[dict[str, Any]]]) -> list[str]:
    paths = [f"/schema/{doc['id']}/{doc['version']}" for chain in chains for doc in chain]
    paths += [f"/schema/{chain[0]['id']}" for chain in chains]
    paths += [f"/schema/{chain[0]['id']}/versions" for chain in chains]
    cursor = ""
    for k in range(0, len(chains), PAGE):
        paths.append(f"/schemas?limit={PAGE}{cursor}")
        cursor = f"&cursor={chains[min(k + PAGE, len(chains)) - 1][0]['id']}"
    return paths


@dataclass
class Measure:
    label: str
    versions: int
    indexed_ids: int
    ready_s: float
    ready: dict[str, float]
    after_reads: dict[str, float]
    after_second: dict[str, float]
    reads: int
    read_errors: int


def measure(label: str, store_url: str, paths: list[str], versions: int, log: Path) -> Measure:
    started = time.monotonic()
    server = start_server(store_url, log)
    ready_s = time.monotonic() - started
    try:
        pid = server.process.pid
        time.sleep(0.5)
        ready = proc_status(pid)
        with urllib.request.urlopen(server.url(f"/schemas?limit={PAGE}"), timeout=10) as r:
            first_page = len(orjson.loads(r.read())["schemas"])
        ok, errors = asyncio.run(read_pass(server.url(""), paths))
        after_reads = proc_status(pid)
        ok2, errors2 = asyncio.run(read_pass(server.url(""), paths))
        after_second = proc_status(pid)
    finally:
        server.stop()
    print(
        f"  {label:<12} ready in {ready_s:5.1f} s; VmRSS ready {ready['VmRSS']:6.1f} MB, after "
        f"reads {after_reads['VmRSS']:6.1f}, after a second pass {after_second['VmRSS']:6.1f}, "
        f"peak {after_second['VmHWM']:6.1f}; {ok + ok2} reads, {errors + errors2} errors",
        flush=True,
    )
    return Measure(
        label,
        versions,
        first_page,
        ready_s,
        ready,
        after_reads,
        after_second,
        ok + ok2,
        errors + errors2,
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--ids", type=int, default=1000, help="schema ids")
    parser.add_argument("--versions", type=int, default=10, help="versions per id")
    parser.add_argument("--check", action="store_true", help="exit 1 when the target is missed")
    args = parser.parse_args(argv)
    if not (1 <= args.ids <= 20_000 and 1 <= args.versions <= 200):
        parser.error("--ids must be 1..20000 and --versions 1..200")
    if args.ids * args.versions > 100_000:
        parser.error("at most 100,000 versions")
    configure_servers()
    if {SERVER_CPU, LOAD_CPU} <= os.sched_getaffinity(0):
        os.sched_setaffinity(0, {LOAD_CPU})
    total_started = time.monotonic()
    print(f"load average {os.getloadavg()}; {os.cpu_count()} CPUs", flush=True)
    chains = documents(args.ids, args.versions)
    paths = read_paths(chains)
    with tempfile.TemporaryDirectory(prefix="bench_memory-") as tmp:
        workdir = Path(tmp)
        full_url = f"sqlite:///{workdir / 'full.db'}"
        started = time.monotonic()
        count, size = asyncio.run(build_store(full_url, chains))
        build_s = time.monotonic() - started
        db_mb = sum(p.stat().st_size for p in workdir.glob("full.db*")) / 2**20
        print(
            f"  built {count:,} versions ({args.ids:,} ids x {args.versions}) with "
            f"create_version in {build_s:.1f} s ({count / build_s:,.0f}/s); canonical documents "
            f"{size / 2**20:.1f} MB, SQLite file {db_mb:.1f} MB",
            flush=True,
        )
        empty_paths = [f"/schemas?limit={PAGE}"] * len(paths)
        empty = measure(
            "empty store", f"sqlite:///{workdir / 'empty.db'}", empty_paths, 0, workdir / "e.log"
        )
        full = measure("full store", full_url, paths, count, workdir / "f.log")
    report(args, count, size, empty, full)
    print(f"\ntotal {time.monotonic() - total_started:.0f} s; load average {os.getloadavg()}")
    ok = full.after_second["VmHWM"] < TARGET_MB and full.read_errors == 0
    return 1 if args.check and not ok else 0


def report(args: argparse.Namespace, count: int, size: int, empty: Measure, full: Measure) -> None:
    print()
    print(
        f"registry RSS with {count:,} versions indexed ({args.ids:,} ids x {args.versions}) vs an "
        f"empty store, same run, same command (python -m service serve --store sqlite:///...), "
        f"server on CPU {SERVER_CPU}; MB from /proc/<pid>/status"
    )
    print(
        f"{'store':<14}{'versions':>9}{'ready s':>9}{'RSS ready':>11}{'RSS reads':>11}"
        f"{'RSS reads2':>12}{'peak (HWM)':>12}{'reads':>8}{'errors':>8}"
    )
    for m in (empty, full):
        print(
            f"{m.label:<14}{m.versions:>9,}{m.ready_s:>9.1f}{m.ready['VmRSS']:>11.1f}"
            f"{m.after_reads['VmRSS']:>11.1f}{m.after_second['VmRSS']:>12.1f}"
            f"{m.after_second['VmHWM']:>12.1f}{m.reads:>8,}{m.read_errors:>8}"
        )
    delta = full.after_second["VmRSS"] - empty.after_second["VmRSS"]
    ratio = full.after_second["VmRSS"] / empty.after_second["VmRSS"]
    print(
        f"ratio full/empty RSS after reads: {ratio:.2f}; the index and its caches add "
        f"{delta:.1f} MB = {delta * 1024 / max(1, count):.1f} KiB per version "
        f"(canonical documents {size / max(1, count) / 1024:.2f} KiB each)"
    )
    if full.indexed_ids != min(args.ids, PAGE):
        print(f"WARNING: /schemas listed {full.indexed_ids} ids on its first page")
    peak = full.after_second["VmHWM"]
    ok = peak < TARGET_MB and full.read_errors == 0
    print(
        f"{'PASS' if ok else 'FAIL'}: {count:,} versions indexed, peak RSS {peak:.1f} MB, "
        f"{full.after_second['VmRSS']:.1f} MB after {full.reads:,} reads (target < "
        f"{TARGET_MB:g} MB; empty store {empty.after_second['VmRSS']:.1f} MB)"
    )


if __name__ == "__main__":
    sys.exit(main())
