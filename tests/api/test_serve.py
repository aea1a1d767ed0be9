"""`make run` smoke: the real CLI serves seeded schemas on a loopback port, stopped by PID; the
`token` command mints what that server accepts; `--dev` is loud."""

from __future__ import annotations

import json
import subprocess
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from tests.serve_process import CLI, ROOT, free_port, serve_command, server_env, serving


def _request(
    url: str, method: str = "GET", body: Any = None, token: str | None = None
) -> tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    if token is not None:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def _mint(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, "token", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
        env=env or server_env(),
        check=False,
    )


@pytest.mark.parametrize("access_log", [False, True])
def test_serve_seeds_and_answers(tmp_path: Path, access_log: bool) -> None:
    with serving(tmp_path, *(["--access-log"] if access_log else [])) as base:
        status, body = _request(f"{base}/schema/ticks_v1")
        assert status == 200
        assert body["version"] == "2.0.0"
        assert _request(f"{base}/schema/nope")[0] == 404
    output = (tmp_path / "server.log").read_text()
    # One access line per request only when asked for: it costs half the cached-read throughput.
    assert ('"GET /schema/nope HTTP/1.1" 404' in output) is access_log, output
    assert "authentication: jwt (HS256)" in output


@pytest.mark.parametrize(
    ("extra", "env_extra", "loop"),
    [
        ([], {}, "uvloop.Loop"),
        (["--event-loop", "asyncio"], {}, "asyncio.unix_events._UnixSelectorEventLoop"),
        ([], {"SCHEMA_REGISTRY_EVENT_LOOP": "asyncio"}, "asyncio.unix_events."),
        (["--event-loop", "uvloop"], {"SCHEMA_REGISTRY_EVENT_LOOP": "asyncio"}, "uvloop.Loop"),
    ],
)
def test_serve_runs_on_the_chosen_event_loop(
    tmp_path: Path, extra: list[str], env_extra: dict[str, str], loop: str
) -> None:
    # The log names the loop actually running (read inside it at startup), not the setting.
    with serving(tmp_path, *extra, env=server_env(**env_extra)) as base:
        status, body = _request(f"{base}/schema/ticks_v1")
        assert (status, body["version"]) == (200, "2.0.0")
    assert f"event loop: {loop}" in (tmp_path / "server.log").read_text()


def test_serve_refuses_an_unknown_event_loop(tmp_path: Path) -> None:
    command = [*serve_command(tmp_path, free_port()), "--event-loop", "tokio"]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=30)
    assert done.returncode == 2
    assert "invalid choice: 'tokio'" in done.stderr
    assert not (tmp_path / "r.db").exists()


def test_a_minted_token_publishes_and_anonymous_writes_are_refused(tmp_path: Path) -> None:
    document = json.loads((ROOT / "schemas/ticks_v1/2.0.0.json").read_text())
    document["version"] = "2.1.0"
    with serving(tmp_path) as base:
        status, body = _request(f"{base}/schema/ticks_v1", "POST", document)
        assert (status, body["error"]) == (401, "unauthenticated")
        minted = _mint("--role", "ci-bot", "--sub", "ci", "--ttl", "15m")
        assert minted.returncode == 0, minted.stderr
        token = minted.stdout.strip()
        status, body = _request(f"{base}/schema/ticks_v1", "POST", document, token)
        assert status == 201, body
        # ci-bot publishes but may not delete.
        status, body = _request(f"{base}/schema/ticks_v1", "DELETE", token=token)
        assert (status, body["error"]) == (403, "forbidden")
        admin = _mint("--role", "admin", "--sub", "ops").stdout.strip()
        status, body = _request(f"{base}/audit", token=admin)
        assert status == 200
        outcomes = [(e["principal"], e["action"], e["outcome"]) for e in body["entries"]]
        assert ("anonymous", "schema.publish", "denied") in outcomes
        assert ("ci", "schema.publish", "ok") in outcomes
        assert ("ci", "schema.delete", "denied") in outcomes


@pytest.mark.parametrize(
    ("args", "env_extra", "message"),
    [
        (["--role", "root", "--sub", "x"], {}, "invalid choice"),
        (["--role", "admin", "--sub", "x", "--ttl", "forever"], {}, "duration"),
        (["--role", "admin", "--sub", "x", "--ttl", "0h"], {}, "duration"),
        (["--role", "admin", "--sub", "x"], {"SCHEMA_REGISTRY_JWT_SECRET": "short"}, "32 bytes"),
        (["--role", "admin", "--sub", ""], {}, "subject"),
        (["--role", "admin", "--sub", "x", "--jwt-private-key", "/nonexistent"], {}, ""),
    ],
)
def test_token_refuses_bad_input(args: list[str], env_extra: dict[str, str], message: str) -> None:
    minted = _mint(*args, env=server_env(**env_extra))
    assert minted.returncode == 2, minted.stdout
    assert message in minted.stderr
    assert minted.stdout == ""


def test_token_without_any_key_is_a_usage_error() -> None:
    env = {k: v for k, v in server_env().items() if k != "SCHEMA_REGISTRY_JWT_SECRET"}
    minted = _mint("--role", "admin", "--sub", "x", env=env)
    assert minted.returncode == 2
    assert "needs a JWT secret or a JWT private key" in minted.stderr


def test_dev_mode_is_loud_and_open(tmp_path: Path) -> None:
    document = json.loads((ROOT / "schemas/ticks_v1/2.0.0.json").read_text())
    document["version"] = "2.1.0"
    with serving(tmp_path, "--dev", env=server_env(SCHEMA_REGISTRY_JWT_SECRET="")) as base:
        status, health = _request(f"{base}/health")
        assert status == 200
        assert "DEV MODE" in health["warning"]
        assert health["auth"].startswith("off")
        assert _request(f"{base}/schema/ticks_v1", "POST", document)[0] == 201
    assert "DEV MODE (--dev): authentication is OFF" in (tmp_path / "server.log").read_text()


@pytest.mark.parametrize(
    ("extra", "env_extra", "message"),
    [
        ([], {"SCHEMA_REGISTRY_JWT_SECRET": "too-short"}, "at least 32 bytes"),
        (["--jwt-public-key", "/nonexistent.pem"], {"SCHEMA_REGISTRY_JWT_SECRET": ""}, "cannot"),
        (["--jwt-public-key", "README.md"], {"SCHEMA_REGISTRY_JWT_SECRET": ""}, "not a PEM"),
        (["--jwt-public-key", "README.md"], {}, "not both"),
        (["--tls-cert", "README.md"], {}, "--tls-key"),
        (["--tls-cert", "README.md", "--tls-key", "README.md"], {}, "TLS certificate"),
        (["--read-rate", "-1"], {}, "rate"),
        ([], {"SCHEMA_REGISTRY_REQUIRE_AUTH_FOR_READS": "maybe"}, "true or false"),
        ([], {"SCHEMA_REGISTRY_WRITE_RATE": "fast"}, "must be a number"),
    ],
)
def test_bad_security_settings_stop_beforeserving(
    tmp_path: Path, extra: list[str], env_extra: dict[str, str], message: str
) -> None:
    command = [*serve_command(tmp_path, free_port()), *extra]
    done = subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, timeout=30, env=server_env(**env_extra)
    )
    assert done.returncode == 2, done.stderr
    assert message in done.stderr


def test_watch_prints_the_seeded_events_as_json_lines(tmp_path: Path) -> None:
    with serving(tmp_path) as base:
        watch = [*CLI, "watch", "ticks_v1", "--since", "0"]
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
