"""A stand-in for Slack's incoming-webhook endpoint: a real aiohttp server on loopback."""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web


class WebhookReceiver:
    """Records every JSON body POSTed to it; can answer errors first, or hang."""

    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []
        self.calls = 0
        # Answer the first `failures` calls with `fail_status` (and Retry-After if set).
        self.failures = 0
        self.fail_status = 500
        self.retry_after: str | None = None
        self.call_times: list[float] = []
        # While set, requests wait on `release` before answering.
        self.hang = False
        self.release = asyncio.Event()
        self._arrived = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.url = ""

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/services/T000/B000/XXXX", self._handle)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}/services/T000/B000/XXXX"

    async def stop(self) -> None:
        self.release.set()
        if self._runner is not None:
            await self._runner.cleanup()

    async def _handle(self, request: web.Request) -> web.Response:
        self.calls += 1
        self.call_times.append(asyncio.get_running_loop().time())
        body = await request.json()
        if self.hang:
            await self.release.wait()
        if self.calls <= self.failures:
            headers = {"Retry-After": self.retry_after} if self.retry_after else {}
            return web.Response(status=self.fail_status, text="try later", headers=headers)
        async with self._arrived:
            self.messages.append(body)
            self._arrived.notify_all()
        return web.Response(text="ok")

    async def wait_for(self, count: int, within: float = 10.0) -> list[dict[str, Any]]:
        """The messages once at least `count` have arrived; fails after `within` seconds."""
        async with asyncio.timeout(within), self._arrived:
            await self._arrived.wait_for(lambda: len(self.messages) >= count)
        return self.messages

    def titles(self) -> list[str]:
        return [str(message["text"]) for message in self.messages]


def block_text(message: dict[str, Any]) -> str:
    """Every text of a Block Kit message, joined, for assertions."""
    parts: list[str] = []
    for block in message["blocks"]:
        if "text" in block:
            parts.append(block["text"]["text"])
        for item in block.get("fields", []) + block.get("elements", []):
            parts.append(item["text"])
    return "\n".join(parts)
