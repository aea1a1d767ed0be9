"""etcd snapshots: `etcdctl snapshot save` run as a subprocess, one endpoint after another.

A snapshot holds the whole etcd keyspace (every prefix, not only the registry's) and its
revision history; `etcdctl snapshot restore` turns it into a new member's data dir. etcdctl
appends a sha256 to the file and `snapshot restore` checks it.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlsplit

from service.storage.etcd_connection import parse_endpoints

# etcdctl from PATH unless this names another binary.
ENV_ETCDCTL = "SCHEMA_REGISTRY_ETCDCTL"
DIAL_TIMEOUT = 3
# A snapshot streams the whole database; a large one takes a while on a slow disk.
SNAPSHOT_TIMEOUT = 300.0


class SnapshotError(Exception):
    """No endpoint produced a snapshot (etcdctl missing, every member down, timeout)."""


def etcd_endpoints(store_url: str) -> list[str] | None:
    """`host:port` of each endpoint of an `etcd://` store URL; None for other backends."""
    parts = urlsplit(store_url)
    if parts.scheme.lower() != "etcd":
        return None
    return [str(endpoint) for endpoint in parse_endpoints(parts.netloc)]


def _etcdctl() -> str:
    program = os.environ.get(ENV_ETCDCTL) or shutil.which("etcdctl")
    if not program:
        raise SnapshotError(
            f"etcdctl is not on PATH (set {ENV_ETCDCTL}); Debian: apt-get install etcd-client"
        )
    return program


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    env["ETCDCTL_API"] = "3"
    # The endpoint is a flag; etcdctl refuses a flag its environment also sets.
    env.pop("ETCDCTL_ENDPOINTS", None)
    return env


async def save(endpoints: Sequence[str], path: Path, seconds: float = SNAPSHOT_TIMEOUT) -> str:
    """Write a snapshot of the cluster to `path` within `seconds`; returns the endpoint used.

    etcd serves a snapshot from one member, so the endpoints are tried in turn.
    """
    if not endpoints:
        raise SnapshotError("no etcd endpoint to take a snapshot from")
    program = _etcdctl()
    failures = []
    for endpoint in endpoints:
        command = [
            program,
            f"--endpoints={endpoint}",
            f"--dial-timeout={DIAL_TIMEOUT}s",
            f"--command-timeout={int(seconds)}s",
            "snapshot",
            "save",
            str(path),
        ]
        detail = await _run(command, seconds)
        if detail is None:
            return endpoint
        failures.append(f"{endpoint}: {detail}")
    raise SnapshotError("etcdctl snapshot save failed on every endpoint: " + "; ".join(failures))


async def _run(command: list[str], seconds: float) -> str | None:
    """None when `command` succeeded, else why it did not."""
    try:
        process = await asyncio.create_subprocess_exec(
            *command,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=_environment(),
        )
    except OSError as exc:
        raise SnapshotError(f"cannot run {command[0]}: {exc}") from None
    try:
        _, stderr = await asyncio.wait_for(process.communicate(), seconds + DIAL_TIMEOUT + 5)
    except TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        await process.wait()
        return f"etcdctl still running after {seconds}s; killed"
    if process.returncode == 0:
        return None
    lines = stderr.decode(errors="replace").strip().splitlines()
    return f"exit {process.returncode}: {lines[-1] if lines else 'no message'}"
