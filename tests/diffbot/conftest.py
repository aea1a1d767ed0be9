"""Diff bot fixtures: a real Git repository holding the tick schemas, and a running registry."""

from __future__ import annotations

import copy
import os
import shutil
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import orjson
import pytest
import pytest_asyncio
from aiohttp.test_utils import TestServer
from pytest_aiohttp import AiohttpServer

from service.app import create_app
from service.settings import Settings
from tests.auth import secured

SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"

# A fixed identity and no user or system config: commits are the same on every machine.
GIT_ENV = {
    "GIT_AUTHOR_NAME": "Diff Bot Tests",
    "GIT_AUTHOR_EMAIL": "diffbot@example.invalid",
    "GIT_AUTHOR_DATE": "2026-01-01T00:00:00Z",
    "GIT_COMMITTER_NAME": "Diff Bot Tests",
    "GIT_COMMITTER_EMAIL": "diffbot@example.invalid",
    "GIT_COMMITTER_DATE": "2026-01-01T00:00:00Z",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}


def tick(version: str) -> dict[str, Any]:
    """A fresh copy of the repository's `schemas/ticks_v1/<version>.json`."""
    doc: dict[str, Any] = orjson.loads((SCHEMAS / "ticks_v1" / f"{version}.json").read_bytes())
    return copy.deepcopy(doc)


def breaking_minor() -> dict[str, Any]:
    """1.1.0 with `exchange_id` made required, declared as the MINOR bump 1.3.0."""
    doc = tick("1.1.0")
    doc["version"] = "1.3.0"
    doc["required"].append("exchange_id")
    doc["arrow"]["fields"][-1]["nullable"] = False
    return doc


class Repo:
    """A Git repository in a temp dir with a `schemas/` tree."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.schemas = root / "schemas"
        root.mkdir(parents=True, exist_ok=True)
        self.git("init", "-q", "-b", "main")

    def git(self, *args: str) -> str:
        done = subprocess.run(
            ["git", *args],
            cwd=self.root,
            env={**os.environ, **GIT_ENV},
            capture_output=True,
            text=True,
            check=True,
        )
        return done.stdout

    def write(
        self, doc: dict[str, Any], name: str | None = None, schema_id: str = "ticks_v1"
    ) -> Path:
        """Writes `doc` as `schemas/<id>/<name or its version>.json`, pretty-printed."""
        path = self.schemas / schema_id / f"{name or doc['version']}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(orjson.dumps(doc, option=orjson.OPT_INDENT_2))
        return path

    def add_ticks(self, *versions: str) -> None:
        for version in versions:
            self.write(tick(version))

    def commit(self, message: str = "schemas") -> None:
        self.git("add", "-A")
        self.git("commit", "-q", "-m", message)


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Repo:
    """A repository whose HEAD holds ticks_v1 1.0.0 and 1.1.0; the cwd is its root."""
    if shutil.which("git") is None:
        pytest.fail("git is required by the diff bot tests")
    created = Repo(tmp_path / "repo")
    created.add_ticks("1.0.0", "1.1.0")
    created.commit("ticks_v1 1.0.0 and 1.1.0")
    monkeypatch.chdir(created.root)
    return created


@pytest.fixture
def registry_settings() -> Settings:
    return secured(store_url="memory://")


@pytest_asyncio.fixture
async def registry(
    aiohttp_server: AiohttpServer, registry_settings: Settings
) -> AsyncIterator[TestServer]:
    """A real registry (memory store, tokens checked) on a free loopback port."""
    yield await aiohttp_server(create_app(registry_settings))


def base_url(server: TestServer) -> str:
    return str(server.make_url("")).rstrip("/")
