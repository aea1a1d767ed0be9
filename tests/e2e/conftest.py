"""Browser fixtures: a real registry on a loopback port and Debian's headless Chromium, driven by
Playwright (no browser download: `executable_path` points at the system package)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from playwright.async_api import Browser, async_playwright

from service.app import create_app
from tests.auth import secured

# Debian's `chromium` package; `make test` installs it (apt-get install chromium).
CHROMIUM = Path(os.environ.get("SCHEMA_REGISTRY_E2E_CHROMIUM", "/usr/bin/chromium"))

Server = TestClient[web.Request, web.Application]


@pytest_asyncio.fixture
async def server() -> AsyncIterator[Server]:
    """A registry on a free loopback port (memory store, auth on, no rate limits); its client
    publishes, the browser reads `server.make_url(...)`."""
    async with TestClient(TestServer(create_app(secured(store_url="memory://")))) as client:
        yield client


@pytest_asyncio.fixture
async def browser() -> AsyncIterator[Browser]:
    if not os.access(CHROMIUM, os.X_OK):
        # A failure, not a skip: a missing browser must not turn the UI's tests green.
        pytest.fail(
            f"the e2e tests need Debian's Chromium at {CHROMIUM}: "
            "apt-get install -y --no-install-recommends chromium "
            "(or point SCHEMA_REGISTRY_E2E_CHROMIUM at a Chromium binary)",
            pytrace=False,
        )
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        try:
            yield browser
        finally:
            await browser.close()


@pytest.fixture
def screenshots(tmp_path: Path) -> Path:
    """Where a test saves its page screenshots: `<basetemp>/<test name>N/screenshots/`."""
    directory = tmp_path / "screenshots"
    directory.mkdir()
    return directory
