"""Typed app keys: the only way handlers reach the settings, store, index, registry and metrics."""

from __future__ import annotations

from aiohttp import web

from hub import Hub
from service.api.broadcast import Broadcaster
from service.index import ReadIndex
from service.metrics import Metrics
from service.registry import Registry
from service.security.guard import Guard
from service.settings import Settings
from service.storage.contract import Store

SETTINGS = web.AppKey("settings", Settings)
METRICS = web.AppKey("metrics", Metrics)
INDEX = web.AppKey("index", ReadIndex)
REGISTRY = web.AppKey("registry", Registry)
HUB = web.AppKey("hub", Hub)
GUARD = web.AppKey("guard", Guard)
BROADCASTER = web.AppKey("ws_broadcaster", Broadcaster)
# Open WebSocket connections, closed with "going away" on shutdown.
WS_CONNECTIONS = web.AppKey[set[web.WebSocketResponse]]("ws_connections")
# Store is a Protocol, so the key is typed by subscription rather than by a runtime class.
STORE = web.AppKey[Store]("store")
