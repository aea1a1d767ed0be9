"""The etcd connection: endpoint failover, timeouts, and gRPC errors turned into StoreUnavailable.

aetcd manages the gRPC channel, watches and leases. Ranges and transactions are sent as the
protobuf requests aetcd itself builds, because its helpers cannot set a range's `limit` or
`revision`, which paging and consistent snapshots need.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import aetcd
import grpc
from aetcd import rpc

from service.storage.contract import StoreUnavailable

log = logging.getLogger(__name__)

T = TypeVar("T")

# A request that takes longer is treated as a failed store: writes answer 503 instead of hanging.
REQUEST_TIMEOUT = 3.0
# gRPC backs off up to 120 s between reconnects by default; a registry must notice a returning
# etcd within about a second. Keepalives find a dead peer that never closed its socket.
CHANNEL_OPTIONS: dict[str, Any] = {
    "grpc.initial_reconnect_backoff_ms": 100,
    "grpc.min_reconnect_backoff_ms": 100,
    "grpc.max_reconnect_backoff_ms": 1000,
    "grpc.keepalive_time_ms": 10_000,
    "grpc.keepalive_timeout_ms": 5_000,
    "grpc.max_receive_message_length": 64 * 1024 * 1024,
}
# Each range request reads at most this many keys; larger ranges are paged.
PAGE = 500
# Clients left behind by failovers, kept open for the calls still running on them.
_RETIRED_KEPT = 4


@dataclass(frozen=True, slots=True)
class Endpoint:
    host: str
    port: int

    def __str__(self) -> str:
        return f"{self.host}:{self.port}"


def parse_endpoints(text: str) -> list[Endpoint]:
    """`host:port[,host:port…]`; `ValueError` when empty or malformed."""
    endpoints = []
    for part in text.split(","):
        host, sep, port = part.strip().rpartition(":")
        if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError(f"etcd endpoint {part.strip()[:60]!r} is not host:port")
        endpoints.append(Endpoint(host.strip("[]"), int(port)))
    return endpoints


def _detail(exc: BaseException) -> str:
    if isinstance(exc, grpc.aio.AioRpcError):
        return f"{exc.code().name}: {exc.details()}"
    return str(exc) or type(exc).__name__


def _refused(exc: BaseException) -> bool:
    if isinstance(exc, grpc.aio.AioRpcError):
        code = exc.code()
        # RESOURCE_EXHAUSTED is also etcd's "database space exceeded", which is an outage.
        too_large = code == grpc.StatusCode.RESOURCE_EXHAUSTED and "larger than max" in str(
            exc.details()
        )
        return bool(code == grpc.StatusCode.INVALID_ARGUMENT or too_large)
    return isinstance(exc, aetcd.exceptions.InvalidArgumentError)


def _unavailable(exc: BaseException, where: Endpoint) -> StoreUnavailable:
    return StoreUnavailable(f"etcd at {where}: {_detail(exc)}")


class EtcdConnection:
    """One aetcd client at a time, on the first endpoint that works; a call that fails for
    transport reasons raises `StoreUnavailable` and moves the next call to the next endpoint."""

    def __init__(self, endpoints: Sequence[Endpoint], timeout: float = REQUEST_TIMEOUT) -> None:
        if not endpoints:
            raise ValueError("etcd needs at least one endpoint")
        self.endpoints = list(endpoints)
        self.timeout = timeout
        self._current = 0
        self._client: Any = None
        # Each watch has a client (a gRPC channel) of its own, closed when the watch ends, so
        # a stopped watch leaves no stream task behind; close() ends the running ones.
        self._watch_clients: set[Any] = set()
        self._retired: list[Any] = []
        self._closed = False

    @property
    def endpoint(self) -> Endpoint:
        return self.endpoints[self._current]

    async def client(self) -> Any:
        """The connected aetcd client of the current endpoint."""
        if self._client is None:
            self._client = await self._connect()
        return self._client

    async def _connect(self) -> Any:
        if self._closed:
            raise StoreUnavailable("etcd connection is closed")
        endpoint = self.endpoint
        client = aetcd.Client(
            host=endpoint.host,
            port=endpoint.port,
            timeout=self.timeout,  # gRPC takes float seconds, though aetcd says int
            options=CHANNEL_OPTIONS,
        )
        try:
            await client.connect()
        except Exception as exc:
            raise _unavailable(exc, endpoint) from exc
        return client

    @contextlib.asynccontextmanager
    async def watch_client(self) -> AsyncIterator[Any]:
        """A client for one watch, on the current endpoint; closed on exit."""
        client = await self._connect()
        self._watch_clients.add(client)
        try:
            yield client
        finally:
            self._watch_clients.discard(client)
            # Finish closing even when the watch ends by cancellation: a half-closed channel
            # leaves gRPC's call tasks behind.
            closing = asyncio.ensure_future(client.close())
            try:
                await asyncio.shield(closing)
            except asyncio.CancelledError:
                await closing
                raise

    async def failover(self) -> None:
        """Moves the next call to the next endpoint. The old client is retired, not closed:
        closing a gRPC channel cancels every call still running on it, and those belong to
        other requests (and to the watch) that should fail or finish on their own."""
        client, self._client = self._client, None
        self._current = (self._current + 1) % len(self.endpoints)
        if client is not None:
            self._retired.append(client)
        while len(self._retired) > _RETIRED_KEPT:
            oldest = self._retired.pop(0)
            with contextlib.suppress(Exception):
                await oldest.close()

    async def close(self) -> None:
        self._closed = True
        client, self._client = self._client, None
        clients = [*self._retired, *self._watch_clients]
        self._retired.clear()
        if client is not None:
            clients.append(client)
        for each in clients:
            with contextlib.suppress(Exception):
                await each.close()

    async def call(self, request: Callable[[Any], Awaitable[T]]) -> T:
        """`request(client)`, with every transport failure as `StoreUnavailable`."""
        client = await self.client()
        endpoint = self.endpoint
        try:
            return await request(client)
        except asyncio.CancelledError:
            task = asyncio.current_task()
            if task is not None and not task.cancelling():
                # Nobody cancelled this task: gRPC cancelled the call because its channel was
                # shut under it (close(), or an old client retired past _RETIRED_KEPT).
                raise StoreUnavailable(f"etcd call to {endpoint} was cut off") from None
            raise
        except (grpc.aio.AioRpcError, aetcd.exceptions.ClientError, TimeoutError) as exc:
            if _refused(exc):
                # etcd refuses the request itself (too large, too many operations): retrying
                # elsewhere cannot help, and the store is not down.
                raise ValueError(f"etcd refused the request: {_detail(exc)}") from exc
            error = _unavailable(exc, endpoint)
            log.warning("%s; trying the next endpoint on the next call", error)
            await self.failover()
            raise error from exc

    async def read(self, request: Callable[[Any], Awaitable[T]]) -> T:
        """`call` for requests that change nothing: tried on each endpoint once before it
        fails, so one dead member costs a read no more than a connection refusal."""
        for _ in range(len(self.endpoints) - 1):
            try:
                return await self.call(request)
            except StoreUnavailable:
                if self._closed:
                    raise
        return await self.call(request)

    async def range(self, key: bytes, end: bytes, *, limit: int = 0, revision: int = 0) -> Any:
        """One RangeRequest (keys ascending); `revision` 0 reads the latest state."""
        request = rpc.RangeRequest(
            key=key,
            range_end=end,
            limit=limit,
            revision=revision,
            sort_order=rpc.RangeRequest.ASCEND,
            sort_target=rpc.RangeRequest.KEY,
        )
        return await self.read(
            lambda client: client.kvstub.Range(
                request, timeout=self.timeout, metadata=client.metadata
            )
        )

    async def range_all(self, key: bytes, end: bytes, revision: int) -> list[Any]:
        """Every key-value in [key, end) as of `revision` (non-zero), paged."""
        found: list[Any] = []
        start = key
        while True:
            response = await self.range(start, end, limit=PAGE, revision=revision)
            found.extend(response.kvs)
            if not response.more:
                return found
            start = response.kvs[-1].key + b"\x00"

    async def txn(self, compare: list[Any], success: list[Any], failure: list[Any]) -> Any:
        """One transaction of protobuf `Compare`s and `RequestOp`s."""
        request = rpc.TxnRequest(compare=compare, success=success, failure=failure)
        return await self.call(
            lambda client: client.kvstub.Txn(
                request, timeout=self.timeout, metadata=client.metadata
            )
        )


# -- protobuf builders ------------------------------------------------------------------------


def put(key: bytes, value: bytes) -> Any:
    return rpc.RequestOp(request_put=rpc.PutRequest(key=key, value=value))


def get(key: bytes, end: bytes = b"") -> Any:
    return rpc.RequestOp(request_range=rpc.RangeRequest(key=key, range_end=end))


def delete(key: bytes, end: bytes = b"") -> Any:
    return rpc.RequestOp(request_delete_range=rpc.DeleteRangeRequest(key=key, range_end=end))


def value_is(key: bytes, value: bytes) -> Any:
    return rpc.Compare(key=key, result=rpc.Compare.EQUAL, target=rpc.Compare.VALUE, value=value)


def absent(key: bytes) -> Any:
    """True while `key` does not exist (its version is 0)."""
    return rpc.Compare(key=key, result=rpc.Compare.EQUAL, target=rpc.Compare.VERSION, version=0)


def ranged_kvs(response: Any, index: int) -> list[Any]:
    """The key-values of the `index`-th (range) response of a transaction."""
    return list(response.responses[index].response_range.kvs)
