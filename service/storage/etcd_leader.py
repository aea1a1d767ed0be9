"""Leadership on an etcd lease: of the replicas campaigning for one key, at most one leads.

For work that must run on one replica only (a notifier posting to Slack once per event, not
once per replica). The leader holds `key` under a lease it keeps alive; when it stops, crashes
or loses etcd for longer than the lease, the key expires and another campaigner takes it.
A leader that cannot refresh its lease steps down before the lease can have expired, so two
replicas never both believe they lead (as long as their clocks run at the same rate).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Any

from aetcd import rpc

from service.storage.contract import StoreUnavailable
from service.storage.etcd_connection import EtcdConnection, absent

log = logging.getLogger(__name__)


class Leadership:
    """Campaigns for `key` as `identity`; `run()` until cancelled, `leading` tells the state."""

    def __init__(
        self, connection: EtcdConnection, key: bytes, identity: str, ttl: int = 10
    ) -> None:
        if ttl < 2:
            raise ValueError("the lease TTL must be at least 2 seconds")
        self.connection = connection
        self.key = key
        self.identity = identity
        self.ttl = ttl
        self.leading = False
        self._changed = asyncio.Condition()
        self._lease_id = 0

    async def wait(self, leading: bool = True) -> None:
        """Returns once `self.leading == leading`."""
        async with self._changed:
            await self._changed.wait_for(lambda: self.leading == leading)

    async def _set(self, leading: bool) -> None:
        if leading != self.leading:
            change = "took" if leading else "lost"
            log.info("%s %s leadership of %r", self.identity, change, self.key)
        async with self._changed:
            self.leading = leading
            self._changed.notify_all()

    async def run(self) -> None:
        """Campaigns, leads while the lease holds, campaigns again; resigns when cancelled."""
        try:
            while True:
                try:
                    if await self._campaign():
                        await self._set(True)
                        await self._hold()
                except StoreUnavailable as exc:
                    log.warning("leadership of %r: %s", self.key, exc)
                await self._set(False)
                await asyncio.sleep(self._interval)
        finally:
            self.leading = False
            await asyncio.shield(self._resign())

    @property
    def _interval(self) -> float:
        return min(1.0, self.ttl / 3)

    async def _campaign(self) -> bool:
        lease = await self.connection.call(lambda client: client.lease(self.ttl))
        self._lease_id = lease.id
        put = rpc.RequestOp(
            request_put=rpc.PutRequest(
                key=self.key, value=self.identity.encode(), lease=self._lease_id
            )
        )
        response = await self.connection.txn([absent(self.key)], [put], [])
        if not response.succeeded:
            await self._resign()
        return bool(response.succeeded)

    async def _hold(self) -> None:
        """Refreshes the lease until it cannot; returns when leadership is (or may be) lost."""
        refreshed = time.monotonic()
        # Step down while a third of the lease is left, so the key cannot have expired yet.
        margin = self.ttl / 3
        while True:
            await asyncio.sleep(self._interval)
            try:
                response = await self.connection.call(
                    lambda client: client.refresh_lease(self._lease_id)
                )
            except StoreUnavailable as exc:
                if time.monotonic() - refreshed > self.ttl - margin:
                    log.warning("cannot refresh the lease of %r (%s); stepping down", self.key, exc)
                    return
                continue
            if _ttl(response) <= 0:
                return
            refreshed = time.monotonic()

    async def _resign(self) -> None:
        lease_id, self._lease_id = self._lease_id, 0
        if lease_id:
            # Revoking deletes the key at once, so the next leader need not wait for the TTL.
            with contextlib.suppress(StoreUnavailable):
                await self.connection.call(lambda client: client.revoke_lease(lease_id))


def _ttl(response: Any) -> int:
    return int(response.TTL)
