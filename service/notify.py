"""Wiring of the Slack notifier: who sends (one replica per etcd cluster), and what besides events.

Runs only when a webhook URL is configured. On etcd, replicas campaign for a lease under the
store's prefix and only the holder follows the hub, recording the last revision it handled so
a successor resumes after it. SQLite and memory stores have one replica: it always sends.

Health changes (store down / recovered) come from polling `Registry.health()`; while the store
is down nobody can take the lease, so the replica that led when the store was last up keeps
reporting until it is back. Digests (off unless an interval is set) summarise the sending
replica's own request figures.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from collections.abc import AsyncIterator, Coroutine
from typing import Any

from aiohttp import web

from hub import Hub
from hub.notifiers import HubFollower, Outbox
from hub.notifiers.delivery import DeliveryPolicy, WebhookDelivery
from hub.notifiers.slack import HEALTH_CHANGED, USAGE_DIGEST, SlackNotifier
from service.api.state import HUB, METRICS, REGISTRY, SETTINGS, STORE
from service.events import SOURCE, SPEC_VERSION
from service.metrics import Metrics
from service.registry import Registry
from service.storage import EtcdStore, timestamps
from service.storage.contract import StoreUnavailable
from service.storage.etcd_connection import EtcdConnection, put, value_is
from service.storage.etcd_leader import Leadership

log = logging.getLogger(__name__)

# Besides the store's own keys, under its prefix.
LEADER_KEY = b"notifier/leader"
CHECKPOINT_KEY = b"notifier/revision"


class EtcdCheckpoint:
    """The last revision notified, written only while `identity` still holds the lease key."""

    def __init__(self, connection: EtcdConnection, prefix: bytes, identity: str) -> None:
        self._connection = connection
        self._key = prefix + CHECKPOINT_KEY
        self._leader_key = prefix + LEADER_KEY
        self._identity = identity.encode()

    async def load(self) -> int | None:
        while True:
            try:
                response = await self._connection.range(self._key, b"")
            except StoreUnavailable as exc:
                # Starting from "now" instead would skip what the predecessor left unsent.
                log.warning("cannot read the notifier checkpoint (%s); retrying", exc)
                await asyncio.sleep(1.0)
                continue
            return int(response.kvs[0].value) if response.kvs else None

    async def save(self, revision: int) -> None:
        owner = value_is(self._leader_key, self._identity)
        await self._connection.txn([owner], [put(self._key, str(revision).encode())], [])


class NotifierRuntime:
    """The running notifier of one app: whether this replica sends, and its parts."""

    def __init__(self, app: web.Application) -> None:
        settings = app[SETTINGS]
        assert settings.slack_webhook_url is not None
        self.metrics: Metrics = app[METRICS]
        self.hub: Hub = app[HUB]
        self.registry: Registry = app[REGISTRY]
        self.identity = f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        policy = DeliveryPolicy(attempts=settings.slack_attempts, timeout=settings.slack_timeout)
        self.delivery = WebhookDelivery(settings.slack_webhook_url, policy, on_outcome=self._count)
        self.slack = SlackNotifier(
            self.delivery.post, failure_threshold=settings.slack_failure_threshold
        )
        self.outbox = Outbox(self.slack)
        self.leadership: Leadership | None = None
        self.checkpoint: EtcdCheckpoint | None = None
        store = app[STORE]
        if isinstance(store, EtcdStore):
            key = store.keys.prefix + LEADER_KEY
            ttl = settings.slack_lease_ttl
            self.leadership = Leadership(store.connection, key, self.identity, ttl=ttl)
            self.checkpoint = EtcdCheckpoint(store.connection, store.keys.prefix, self.identity)

    @property
    def leading(self) -> bool:
        return self.leadership is None or self.leadership.leading

    def _count(self, outcome: str) -> None:
        self.metrics.notifications.labels(outcome).inc()

    async def follow(self) -> None:
        """Follows the hub while this replica leads (always, without etcd)."""
        if self.leadership is None:
            self.metrics.notifier_leader.set(1)
            await HubFollower(self.hub, self.slack).run()
            return
        leadership = self.leadership
        campaign = asyncio.create_task(leadership.run(), name="notifier-campaign")
        try:
            while True:
                await leadership.wait(True)
                follower = HubFollower(self.hub, self.slack, checkpoint=self.checkpoint)
                self.metrics.notifier_leader.set(1)
                try:
                    await _until_first(follower.run(), leadership.wait(False))
                finally:
                    self.metrics.notifier_leader.set(0)
        finally:
            await _cancel(campaign)

    async def watch_health(self, interval: float) -> None:
        """Submits a health-change envelope when the registry's status or store state flips."""
        last: tuple[str, str] | None = None
        reporter = self.leading
        while True:
            health = await self.registry.health()
            state = (str(health["status"]), str(health["store"]))
            if last is not None and state != last and reporter:
                data = {"status": state[0], "previous": last[0], "store": state[1]}
                data |= {"ready": health["index"]["ready"], "replica": self.identity}
                self.outbox.submit(_envelope(HEALTH_CHANGED, data))
            last = state
            if state[1] == "up":
                reporter = self.leading
            await asyncio.sleep(interval)

    async def send_digests(self, interval: float) -> None:
        """Every `interval`, a digest of the requests since the last one (when leading)."""
        before = self._figures()
        while True:
            await asyncio.sleep(interval)
            now = self._figures()
            if self.leading:
                self.outbox.submit(_envelope(USAGE_DIGEST, _digest(before, now, interval)))
            before = now

    def _figures(self) -> tuple[int, int, dict[str, int], float]:
        requests, errors, fetches = self.metrics.requests.totals()
        published = self.metrics.registry.get_sample_value("schema_registry_schemas_created_total")
        return requests, errors, fetches, published or 0.0


def _digest(
    before: tuple[int, int, dict[str, int], float],
    now: tuple[int, int, dict[str, int], float],
    interval: float,
) -> dict[str, Any]:
    fetched = {key: count - before[2].get(key, 0) for key, count in now[2].items()}
    top = sorted(((k, n) for k, n in fetched.items() if n > 0), key=lambda kv: (-kv[1], kv[0]))
    return {
        "period_seconds": interval,
        "requests": now[0] - before[0],
        "errors": now[1] - before[1],
        "publishes": int(now[3] - before[3]),
        "top_schemas": top[:5],
    }


def _envelope(event_type: str, data: dict[str, Any]) -> dict[str, Any]:
    return {
        "specversion": SPEC_VERSION,
        "id": f"{SOURCE}-{uuid.uuid4().hex}",
        "source": SOURCE,
        "type": event_type,
        "subject": "",
        "time": timestamps.now(),
        "data": data,
    }


async def _until_first(*coroutines: Coroutine[Any, Any, Any]) -> None:
    tasks = [asyncio.create_task(c) for c in coroutines]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            await _cancel(task)


async def _cancel(task: asyncio.Task[Any]) -> None:
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        pass
    except Exception:
        log.exception("notifier task %s failed", task.get_name())


NOTIFIER = web.AppKey("notifier", NotifierRuntime)


async def notifier_context(app: web.Application) -> AsyncIterator[None]:
    """Runs the notifier while the app runs, when a webhook URL is configured."""
    settings = app[SETTINGS]
    if not settings.slack_webhook_url:
        yield
        return
    runtime = NotifierRuntime(app)
    app[NOTIFIER] = runtime
    jobs = [
        runtime.outbox.run(),
        runtime.follow(),
        runtime.watch_health(settings.slack_health_interval),
    ]
    if settings.slack_digest_interval > 0:
        jobs.append(runtime.send_digests(settings.slack_digest_interval))
    tasks = [asyncio.create_task(job, name="slack-notifier") for job in jobs]
    log.info("slack notifications on (replica %s)", runtime.identity)
    try:
        yield
    finally:
        for task in tasks:
            await _cancel(task)
        await runtime.delivery.close()
