"""`schema-registry watch`: follows a registry's /ws and prints each event as one JSON line.

After a dropped connection it reconnects and resubscribes with `since` = the last revision it
printed, so a restart of the registry loses and repeats nothing (a `resync` line says when the
server's replay window no longer reaches back that far).
"""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Sequence
from typing import TextIO

import aiohttp
import orjson

log = logging.getLogger(__name__)

_RETRY_DELAYS = (0.2, 0.5, 1.0, 2.0, 5.0)


def ws_url(base: str) -> str:
    """`http://host:port` (or ws://…, with or without /ws) as the /ws URL."""
    url = base.rstrip("/")
    if url.startswith("http://"):
        url = "ws://" + url.removeprefix("http://")
    elif url.startswith("https://"):
        url = "wss://" + url.removeprefix("https://")
    elif not url.startswith(("ws://", "wss://")):
        raise ValueError(f"registry URL {base[:80]!r} must start with http://, https://, ws://")
    return url if url.endswith("/ws") else url + "/ws"


async def watch(
    base_url: str,
    ids: Sequence[str],
    since: int | None,
    out: TextIO = sys.stdout,
    count: int | None = None,
    token: str | None = None,
) -> int:
    """Prints events until `count` were printed (forever when None); returns 0, or 1 when
    the server refuses the subscription."""
    url = ws_url(base_url)
    printed = 0
    failures = 0
    # A registry that requires tokens for reads checks this one when the socket opens.
    headers = {"Authorization": f"Bearer {token}"} if token else None
    async with aiohttp.ClientSession(headers=headers) as session:
        while count is None or printed < count:
            try:
                async with session.ws_connect(url, heartbeat=30.0) as ws:
                    await ws.send_json({"op": "subscribe", "ids": list(ids), "since": since})
                    async for message in ws:
                        if message.type != aiohttp.WSMsgType.TEXT:
                            continue
                        frame = orjson.loads(message.data)
                        if frame.get("type") == "error":
                            print(message.data, file=out, flush=True)
                            return 1
                        if frame.get("type") == "subscribed":
                            failures = 0
                            since = since if since is not None else frame["revision"]
                            continue
                        print(message.data, file=out, flush=True)
                        if "revision" in frame:
                            since = frame["revision"]
                            printed += 1
                            if count is not None and printed >= count:
                                return 0
            except (aiohttp.ClientError, OSError) as exc:
                log.warning("cannot reach %s: %s", url, exc)
            delay = _RETRY_DELAYS[min(failures, len(_RETRY_DELAYS) - 1)]
            failures += 1
            await asyncio.sleep(delay)
    return 0
