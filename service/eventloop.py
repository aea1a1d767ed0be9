"""The event loop `serve` runs on.

uvloop by default: on this project's cached read it serves 1.13-1.30x the requests per second
of asyncio's own loop (loadtests/RESULTS.md, "Profile of the cached read, and uvloop"), because
most of that path is socket and transport work, which uvloop does in C on libuv. asyncio's loop
stays one flag away (`--event-loop asyncio`) for debugging with asyncio's debug mode and for
platforms uvloop does not build on.
"""

from __future__ import annotations

import asyncio

import uvloop

UVLOOP = "uvloop"
ASYNCIO = "asyncio"
EVENT_LOOPS = (UVLOOP, ASYNCIO)


def check_event_loop(name: str) -> str:
    """`name` when it is one `new_event_loop` knows, else a ValueError naming the choices."""
    if name not in EVENT_LOOPS:
        raise ValueError(f"event loop must be one of {', '.join(EVENT_LOOPS)}, not {name[:40]!r}")
    return name


def new_event_loop(name: str) -> asyncio.AbstractEventLoop:
    """A fresh loop of the named kind; the caller runs and closes it (aiohttp's run_app does)."""
    if check_event_loop(name) == UVLOOP:
        return uvloop.new_event_loop()
    return asyncio.new_event_loop()
