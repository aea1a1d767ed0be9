"""`make run`'s server as a real subprocess for tests: on a free loopback port, waited for until
ready, stopped by its PID, and its exit status checked."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from tests.auth import SECRET

ROOT = Path(__file__).resolve().parents[1]
CLI = [sys.executable, "-m", "service"]
READY_WITHIN = 30.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def server_env(**extra: str) -> dict[str, str]:
    """The environment `make run` gives the server: a JWT secret (.dev-jwt-secret there), and
    none of the caller's own SCHEMA_REGISTRY_* settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCHEMA_REGISTRY_")}
    return {**env, "SCHEMA_REGISTRY_JWT_SECRET": SECRET, **extra}


def serve_command(directory: Path, port: int) -> list[str]:
    """`make run`'s command on a fresh SQLite file in `directory` and `port`."""
    return [
        *CLI, "serve",
        "--store", f"sqlite:///{directory / 'r.db'}",
        "--host", "127.0.0.1", "--port", str(port),
        "--seed", "schemas/",
    ]  # fmt: skip


def _ready(base: str) -> bool:
    try:
        with urllib.request.urlopen(f"{base}/health/ready", timeout=2) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, ConnectionError):
        return False


@contextlib.contextmanager
def serving(directory: Path, *extra: str, env: dict[str, str] | None = None) -> Iterator[str]:
    """The base URL of a ready `serve` (log in `directory/server.log`); stopped by PID after,
    and its exit status must be 0."""
    port = free_port()
    log_path = directory / "server.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [*serve_command(directory, port), *extra],
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env or server_env(),
        )
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + READY_WITHIN
            while not _ready(base):
                assert process.poll() is None, log_path.read_text()
                assert time.monotonic() < deadline, "not ready in time\n" + log_path.read_text()
                time.sleep(0.1)
            yield base
        finally:
            process.terminate()
            try:
                returncode = process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
                raise
    assert returncode == 0, log_path.read_text()
