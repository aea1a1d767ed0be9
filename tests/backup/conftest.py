"""Backup fixtures: a real S3-compatible server (moto in server mode) on a free loopback port,
AWS credentials for it, a fresh bucket per test, and a populated SQLite registry."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import aioboto3
import pytest
from aiohttp.test_utils import TestClient, TestServer

from service.app import create_app
from service.backup import cli
from service.storage import open_store
from tests.api.conftest import publish_all, tick
from tests.auth import bearer, secured

if TYPE_CHECKING:
    from types_aiobotocore_s3 import S3Client

HOST = "127.0.0.1"
START_TIMEOUT = 30.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def _answers(url: str) -> bool:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=1):
            return True
    except urllib.error.HTTPError:
        return True
    except OSError:
        return False


@pytest.fixture(scope="session")
def s3_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`python -m moto.server` in a subprocess; its URL. Stopped by PID at the end."""
    log_path = tmp_path_factory.mktemp("moto") / "moto.log"
    port = _free_port()
    url = f"http://{HOST}:{port}"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", HOST, "-p", str(port)],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while not _answers(url + "/moto-api/"):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"moto server did not start:\n{log_path.read_text()[-2000:]}")
            time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


@pytest.fixture(autouse=True)
def aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Credentials moto accepts, and nothing from the developer's own AWS setup."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    for name in (
        "AWS_SESSION_TOKEN",
        "AWS_PROFILE",
        "AWS_ENDPOINT_URL",
        "AWS_ENDPOINT_URL_S3",
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "http_proxy",
        "https_proxy",
        cli.ENV_BUCKET,
        cli.ENV_PREFIX,
        "SCHEMA_REGISTRY_STORE",
    ):
        monkeypatch.delenv(name, raising=False)


@asynccontextmanager
async def s3_client(endpoint: str) -> AsyncIterator[S3Client]:
    """A raw client, for what the tests do behind the backup tool's back."""
    async with aioboto3.Session().client("s3", endpoint_url=endpoint) as client:
        yield client


async def _create_bucket(endpoint: str, name: str) -> None:
    async with s3_client(endpoint) as client:
        await client.create_bucket(Bucket=name)


@pytest.fixture
def bucket(s3_endpoint: str) -> str:
    """A fresh, empty bucket's name."""
    name = f"backups-{uuid.uuid4().hex[:12]}"
    asyncio.run(_create_bucket(s3_endpoint, name))
    return name


def run_cli(*argv: str) -> int:
    return cli.main(["backup", *argv])


async def populate(url: str) -> None:
    """Publish through the registry itself: versions of two ids, a soft delete, configs, and
    audit entries of accepted and rejected writes."""
    async with TestClient(TestServer(create_app(secured(store_url=url))), headers=bearer()) as c:
        await publish_all(c, "1.0.0", "1.1.0", "2.0.0", "1.2.0")
        quotes = {**tick("1.0.0"), "id": "quotes_v1", "title": "Quotes"}
        assert (await c.post("/schema/quotes_v1", json=quotes)).status == 201
        assert (await c.put("/config", json={"mode": "FULL"})).status == 200
        assert (await c.put("/config/ticks_v1", json={"mode": "BACKWARD"})).status == 200
        assert (await c.delete("/schema/quotes_v1")).status == 200
        # Rejected: 1.1.0 exists already with other content; audited as a rejection.
        rejected = await c.post("/schema/ticks_v1", json={**tick("1.1.0"), "title": "changed"})
        assert rejected.status == 409, await rejected.text()


async def dump_of(url: str) -> dict[str, Any]:
    """export() of the store at `url`, minus what a restore cannot keep: the export time and
    the revisions (the target backend numbers the replayed changes itself)."""
    store = open_store(url)
    await store.start()
    try:
        dump = await store.export()
    finally:
        await store.close()
    del dump["exported_at"], dump["revision"]
    for schema in dump["schemas"]:
        for version in schema["versions"]:
            del version["revision"]
    return dump


async def revision_and_audit(url: str) -> tuple[int, int]:
    store = open_store(url)
    await store.start()
    try:
        return await store.revision(), len(await store.list_audit(limit=1000))
    finally:
        await store.close()
