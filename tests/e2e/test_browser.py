"""The web UI end to end in headless Chromium: browse, search, diff, check, live banner, XSS."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import orjson
import pytest
from playwright.async_api import Browser, Dialog, Page, expect

from tests.auth import bearer
from tests.e2e.conftest import Server
from tests.ui.conftest import XSS, hostile, tick

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio]

TIMEOUT_MS = 10_000


async def _publish(server: Server, doc: dict[str, Any], schema_id: str = "ticks_v1") -> None:
    response = await server.post(f"/schema/{schema_id}", json=doc, headers=bearer("admin"))
    assert response.status == 201, await response.text()


async def _shot(page: Page, directory: Path, name: str) -> None:
    await page.screenshot(path=directory / f"{name}.png", full_page=True)


async def _open(browser: Browser, server: Server) -> Page:
    page = await browser.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    await page.goto(str(server.make_url("/ui")))
    return page


async def test_browse_diff_check_and_live_banner(
    server: Server, browser: Browser, screenshots: Path
) -> None:
    for version in ("1.0.0", "1.1.0", "2.0.0"):
        await _publish(server, tick(version))
    await _publish(server, hostile(), "quotes_v1")
    page = await _open(browser, server)

    # The list, then a search by id prefix (a plain GET form).
    await expect(page.get_by_role("heading", name="Schemas", level=1)).to_be_visible()
    await expect(page.get_by_role("link", name="quotes_v1")).to_be_visible()
    await _shot(page, screenshots, "01-list")
    await page.get_by_label("Id starts with").fill("tick")
    await page.get_by_role("button", name="Filter").click()
    await expect(page).to_have_url(str(server.make_url("/ui?prefix=tick")))
    await expect(page.get_by_role("link", name="quotes_v1")).to_have_count(0)
    row = page.get_by_role("row", name="ticks_v1")
    await expect(row).to_contain_text("2.0.0")
    await _shot(page, screenshots, "02-search")

    # The schema page: history with bumps, the fields, the document.
    await page.get_by_role("link", name="ticks_v1").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("ticks_v1 2.0.0")
    latest = page.locator("table.history tbody tr").first
    await expect(latest).to_contain_text("MAJOR")
    await expect(latest).to_contain_text("Breaking")
    await expect(page.locator("table.fields")).to_contain_text("last_price")
    await expect(page.get_by_role("button", name="Copy document")).to_be_visible()
    await expect(page.get_by_role("link", name="/schema/ticks_v1/2.0.0")).to_be_visible()
    await _shot(page, screenshots, "03-schema")

    # The diff 1.1.0 → 2.0.0 from the history: the rename, flagged breaking.
    await page.get_by_role("link", name="1.1.0 → 2.0.0").click()
    rename = page.locator("table.changes tr.rename")
    await expect(rename).to_contain_text("Rename")
    await expect(rename).to_contain_text("Field 'price' renamed to 'last_price'")
    await expect(rename).to_contain_text("Breaking")
    await expect(page.locator(".verdict")).to_contain_text("MAJOR")
    await _shot(page, screenshots, "04-diff")

    # The checker: a newly required property is breaking, so MAJOR.
    await page.get_by_role("link", name="Compatibility checker").click()
    candidate = copy.deepcopy(tick("2.0.0"))
    candidate["version"] = "2.1.0"
    candidate["required"].append("side")
    await page.get_by_label("Candidate document (JSON)").fill(orjson.dumps(candidate).decode())
    await page.get_by_role("button", name="Check").click()
    verdict = page.locator(".verdict")
    await expect(verdict).to_contain_text("Incompatible")
    await expect(verdict.locator(".bump")).to_have_text("MAJOR")
    await _shot(page, screenshots, "05-check")

    # Live: a version published through the API shows up on the open schema page.
    await page.get_by_role("link", name="Versions and fields").click()
    banner = page.locator("#live-banner")
    await expect(banner).to_be_hidden()
    # Published before the page's socket is surely open: the page subscribes from the revision
    # it was rendered at, so the event is replayed rather than lost.
    newer = copy.deepcopy(tick("2.0.0"))
    newer["version"] = "2.0.1"
    newer["description"] = "now documented"
    await _publish(server, newer)
    await expect(banner).to_be_visible()
    await expect(banner).to_contain_text("A new version of ticks_v1 was published: 2.0.1")
    await expect(banner).to_have_attribute("aria-live", "polite")
    await _shot(page, screenshots, "06-live-banner")
    await page.close()


async def test_markup_in_a_schema_renders_inert(
    server: Server, browser: Browser, screenshots: Path
) -> None:
    await _publish(server, hostile(), "xss_v1")
    page = await _open(browser, server)
    dialogs: list[str] = []

    async def dismiss(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        await dialog.dismiss()

    page.on("dialog", dismiss)
    await page.goto(str(server.make_url("/ui/schema/xss_v1")))
    # The payload is on the page as text: the description, the enum, the property name.
    await expect(page.locator(".doc-description")).to_have_text(XSS)
    await expect(page.locator(".doc-title")).to_have_text(XSS)
    await expect(page.locator("table.fields")).to_contain_text(f"<b>{XSS}</b>")
    await expect(page.locator("#raw-document")).to_contain_text(XSS)
    # …and nothing of it became markup: the one script is the UI's own, no <img>, no <b>.
    sources = await page.eval_on_selector_all("script", "nodes => nodes.map(n => n.src)")
    assert sources == [str(server.make_url("/ui/static/ui.js"))]
    assert await page.locator("main img, main b").count() == 0
    await page.wait_for_load_state("load")
    assert dialogs == []
    await _shot(page, screenshots, "07-xss-inert")
    await page.close()
