"""Fixtures for the runnable examples: the repository's paths and a real registry process."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.auth import SECRET

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
TICKS_1_1 = ROOT / "schemas" / "ticks_v1" / "1.1.0.json"
SAMPLE_CSV = EXAMPLES / "ticks_sample.csv"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _ready(base: str) -> bool:
    try:
        with urllib.request.urlopen(f"{base}/health/ready", timeout=2) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, ConnectionError):
        return False


@pytest.fixture
def registry_process(tmp_path: Path) -> Iterator[str]:
    """`make run`'s registry (seeded from schemas/) on a free port; stopped by PID after."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCHEMA_REGISTRY_")}
    command = [
        sys.executable, "-m", "service", "serve",
        "--store", f"sqlite:///{tmp_path / 'registry.db'}",
        "--host", "127.0.0.1", "--port", str(port),
        "--seed", "schemas/",
    ]  # fmt: skip
    log_path = tmp_path / "server.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**env, "SCHEMA_REGISTRY_JWT_SECRET": SECRET},
        )
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 30
            while not _ready(base):
                assert process.poll() is None, log_path.read_text()
                assert time.monotonic() < deadline, "the registry did not become ready"
                time.sleep(0.1)
            yield base
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
