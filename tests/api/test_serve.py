"""`make run` smoke: the real CLI serves seeded schemas on a loopback port, stopped by PID."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _get(url: str) -> tuple[int, Any]:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def _wait_ready(base: str, process: subprocess.Popen[bytes], deadline: float) -> None:
    while time.monotonic() < deadline:
        assert process.poll() is None, "the server exited before it was ready"
        try:
            if _get(f"{base}/health/ready")[0] == 200:
                return
        except (urllib.error.URLError, ConnectionError):
            pass
        time.sleep(0.1)
    raise AssertionError("the server did not become ready in time")


def _serve_command(tmp_path: Path, port: int) -> list[str]:
    """`make run`'s command on a fresh SQLite file and a free port."""
    return [
        sys.executable, "-m", "service", "serve",
        "--store", f"sqlite:///{tmp_path / 'r.db'}",
        "--host", "127.0.0.1", "--port", str(port),
        "--seed", "schemas/",
    ]  # fmt: skip


@pytest.mark.parametrize("access_log", [False, True])
def test_serve_seeds_and_answers(tmp_path: Path, access_log: bool) -> None:
    port = _free_port()
    command = _serve_command(tmp_path, port) + (["--access-log"] if access_log else [])
    log = (tmp_path / "server.log").open("wb")
    process = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_ready(base, process, time.monotonic() + 30)
        status, body = _get(f"{base}/schema/ticks_v1")
        assert status == 200
        assert body["version"] == "2.0.0"
        assert _get(f"{base}/schema/nope")[0] == 404
    finally:
        process.terminate()
        try:
            returncode = process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            raise
        finally:
            log.close()
    output = (tmp_path / "server.log").read_text()
    assert returncode == 0, output
    # One access line per request only when asked for: it costs half the cached-read throughput.
    assert ('"GET /schema/nope HTTP/1.1" 404' in output) is access_log, output


def test_watch_prints_the_seeded_events_as_json_lines(tmp_path: Path) -> None:
    port = _free_port()
    command = _serve_command(tmp_path, port)
    log = (tmp_path / "server.log").open("wb")
    process = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_ready(base, process, time.monotonic() + 30)
        watch = [sys.executable, "-m", "service", "watch", "ticks_v1", "--since", "0"]
        done = subprocess.run(
            [*watch, "--count", "4", "--url", base],
            cwd=ROOT,
            capture_output=True,
            timeout=30,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        lines = [json.loads(line) for line in done.stdout.splitlines()]
        assert [e["revision"] for e in lines] == [1, 2, 3, 4]
        assert sorted(e["data"]["version"] for e in lines) == ["1.0.0", "1.1.0", "1.2.0", "2.0.0"]
        # A URL that is no registry URL is a usage error, not a hang.
        refused = subprocess.run(
            [*watch, "--url", "ftp://nowhere"], cwd=ROOT, capture_output=True, timeout=30
        )
        assert refused.returncode == 2
        assert b"must start with" in refused.stderr
    finally:
        process.terminate()
        process.wait(timeout=15)
        log.close()
