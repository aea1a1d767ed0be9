"""Settings from flags and environment, and the CLI's handling of bad ones."""

from __future__ import annotations

from pathlib import Path

import pytest

from service.cli import main
from service.settings import MIB, Settings, build_settings


def test_defaults() -> None:
    settings = build_settings(env={})
    assert settings == Settings()
    assert settings.store_url == "sqlite:///registry.db"
    assert (settings.host, settings.port, settings.dev, settings.seed_dir) == (
        "127.0.0.1",
        8000,
        False,
        None,
    )
    assert (settings.max_body, settings.max_validate_body) == (MIB, 16 * MIB)


def test_environment_fallbacks() -> None:
    env = {
        "SCHEMA_REGISTRY_STORE": "memory://",
        "SCHEMA_REGISTRY_HOST": "0.0.0.0",
        "SCHEMA_REGISTRY_PORT": "9001",
    }
    settings = build_settings(env=env)
    assert (settings.store_url, settings.host, settings.port) == ("memory://", "0.0.0.0", 9001)


def test_flags_win_over_environment() -> None:
    env = {"SCHEMA_REGISTRY_STORE": "memory://", "SCHEMA_REGISTRY_PORT": "9001"}
    flags = {"store": "sqlite:///x.db", "port": 0, "dev": True, "seed": Path("schemas")}
    settings = build_settings(flags, env=env)
    assert (settings.store_url, settings.port, settings.dev) == ("sqlite:///x.db", 0, True)
    assert settings.seed_dir == Path("schemas")


def test_event_loop_is_uvloop_unless_asked_otherwise() -> None:
    assert build_settings(env={}).event_loop == "uvloop"
    assert build_settings(env={"SCHEMA_REGISTRY_EVENT_LOOP": " AsyncIO "}).event_loop == "asyncio"
    flags = {"event_loop": "uvloop"}
    assert build_settings(flags, env={"SCHEMA_REGISTRY_EVENT_LOOP": "asyncio"}).event_loop == (
        "uvloop"
    )


@pytest.mark.parametrize("name", ["tokio", "", "uvloop;rm -rf /", "x" * 10_000])
def test_unknown_event_loop_is_refused(name: str) -> None:
    with pytest.raises(ValueError, match="event loop must be one of uvloop, asyncio") as raised:
        Settings(event_loop=name)
    assert len(str(raised.value)) < 200  # a hostile value is not echoed whole
    if name.strip():
        with pytest.raises(ValueError, match="SCHEMA_REGISTRY_EVENT_LOOP"):
            build_settings(env={"SCHEMA_REGISTRY_EVENT_LOOP": name})


@pytest.mark.parametrize("port", ["eighty", "70000", "-1"])
def test_bad_port_from_environment(port: str) -> None:
    with pytest.raises(ValueError, match=r"(?i)port"):
        build_settings(env={"SCHEMA_REGISTRY_PORT": port})


def test_cli_reports_bad_port(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SCHEMA_REGISTRY_PORT", "nope")
    assert main(["serve"]) == 2
    assert "SCHEMA_REGISTRY_PORT" in capsys.readouterr().err


def test_cli_needs_a_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main([])
    assert exited.value.code == 2


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["serve", "--store", "ftp://x"], "unknown store URL scheme"),
        (["serve", "--store", "memory://", "--seed", "/no/such/dir"], "not a directory"),
    ],
)
def test_cli_reports_bad_store_and_seed(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    assert message in capsys.readouterr().err
