"""`RegistryClient`: the async SDK — cached, ETag-revalidated, pushed invalidation, stale-if-error.

Talks to the registry over HTTP and its WebSocket only (never imports `service` or `hub`).
"""

from __future__ import annotations

import asyncio
import os
import warnings
from collections.abc import Callable
from time import monotonic
from types import TracebackType
from typing import TYPE_CHECKING, Any

import aiohttp
import fastjsonschema
import orjson

from registry_client.cache import Entry, SchemaCache, Stats
from registry_client.errors import RegistryError, RegistryUnavailable, StaleDataWarning
from registry_client.live import LiveInvalidator
from registry_client.refs import Ref, parse_ref, parse_schema_id
from registry_client.transport import Transport

if TYPE_CHECKING:
    import pyarrow

DEFAULT_URL = "http://localhost:8000"
# Keys of a registry document that are not JSON Schema (the server strips the same ones before
# compiling: draft-04 readers would take `id` for a base URI).
_METADATA_KEYS = frozenset({"id", "version", "schema_version", "$schema", "arrow"})
# Compiled validators kept, by content; each is a generated Python function.
_MAX_VALIDATORS = 256

Validator = Callable[[Any], Any]
# A fetch's outcome: the body, and why it is stale (None when fresh from the registry).
_Fetched = tuple[bytes, str | None]


class RegistryClient:
    """Async client; use as `async with RegistryClient() as client:`.

    `base_url`: else $SCHEMA_REGISTRY_URL, else http://localhost:8000. `token`: else
    $SCHEMA_REGISTRY_TOKEN (needed for writes, and for reads when the registry requires it).
    `ttl` seconds before a cached latest version is revalidated; `live` subscribes to the hub so
    a publish drops the cached latest at once; `retries` for connection errors and 503 only.
    """

    def __init__(
        self,
        base_url: str | None = None,
        *,
        token: str | None = None,
        ttl: float = 600.0,
        live: bool = True,
        timeout: float = 5.0,
        retries: int = 3,
        session: aiohttp.ClientSession | None = None,
    ) -> None:
        url = base_url or os.environ.get("SCHEMA_REGISTRY_URL") or DEFAULT_URL
        if not url.startswith(("http://", "https://")):
            raise ValueError(f"registry URL {url[:80]!r} must start with http:// or https://")
        if not 0 <= retries <= 10:
            raise ValueError("retries must be 0 to 10")
        if not timeout > 0:
            raise ValueError("timeout must be > 0 seconds")
        token = token or os.environ.get("SCHEMA_REGISTRY_TOKEN")
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.base_url = url.rstrip("/")
        self._http = Transport(
            self.base_url, headers, timeout=timeout, retries=retries, session=session
        )
        self._cache = SchemaCache(ttl)
        self._live_wanted = live
        self._live: LiveInvalidator | None = None
        # One request per ref at a time: concurrent readers of a cold or expired ref share it.
        self._inflight: dict[Ref, asyncio.Task[_Fetched]] = {}
        self._validators: dict[str, Validator] = {}
        self._closed = False

    @property
    def stats(self) -> Stats:
        """Counters: hits, misses, revalidations, not_modified, stale_served, invalidations."""
        return self._cache.stats

    async def __aenter__(self) -> RegistryClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        """Stops the live subscription and in-flight fetches, closes the session it opened."""
        self._closed = True
        pending = list(self._inflight.values())
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        if self._live is not None:
            await self._live.stop()
            self._live = None
        await self._http.close()

    async def wait_live(self) -> None:
        """Waits until the hub subscription is up (a publish after this is seen); bound it with
        `asyncio.timeout`. Only meaningful with `live=True`."""
        live = self._ensure_live()
        if live is None:
            raise RuntimeError("this client was made with live=False")
        await live.connected.wait()

    # -- reads --------------------------------------------------------------------------------

    async def get(self, ref: str) -> dict[str, Any]:
        """The document `ref` names (`id`, `id@latest`, `id@1.1.0`), from the cache when fresh.
        Each call returns a fresh copy: mutating it never changes the cache."""
        document: dict[str, Any] = orjson.loads(await self._cached(parse_ref(ref)))
        return document

    async def versions(self, schema_id: str) -> list[str]:
        """The id's published versions, oldest first (never cached: it is a listing)."""
        path = f"/schema/{parse_schema_id(schema_id)}/versions"
        versions = (await self._json("GET", path)).get("versions")
        if not isinstance(versions, list) or not all(isinstance(v, str) for v in versions):
            raise RegistryError(200, "invalid_response", f"GET {path}: no list of versions")
        return versions

    async def check_compat(
        self, schema_id: str, candidate: dict[str, Any], against: str | None = None
    ) -> dict[str, Any]:
        """The registry's dry-run verdict on `candidate` against the latest version or `against`."""
        schema_id = parse_schema_id(schema_id)
        # Checked like any reference, so a malformed version fails here rather than as a 400.
        base = parse_ref(f"{schema_id}@{against}") if against is not None else Ref(schema_id)
        query = f"?against={base.version}" if base.version else ""
        path = f"/schema/{schema_id}/compat{query}"
        return await self._json("POST", path, orjson.dumps(candidate))

    async def validate(self, ref: str, records: Any) -> dict[str, Any]:
        """The registry's report on one record or a list: `{valid, invalid, errors}`."""
        parsed = parse_ref(ref)
        query = f"?version={parsed.version}" if parsed.version else ""
        path = f"/schema/{parsed.schema_id}/validate{query}"
        return await self._json("POST", path, orjson.dumps(records))

    async def validator(self, ref: str) -> Validator:
        """A compiled fastjsonschema validator of `ref` (raises `JsonSchemaValueException`),
        compiled once per document content, off the event loop."""
        parsed = parse_ref(ref)
        body = await self._cached(parsed)
        entry = self._cache.get(parsed)
        key = entry.etag if entry is not None and entry.etag else body.decode()
        compiled = self._validators.get(key)
        if compiled is None:
            schema = {k: v for k, v in orjson.loads(body).items() if k not in _METADATA_KEYS}
            compiled = await asyncio.to_thread(fastjsonschema.compile, schema)
            if len(self._validators) >= _MAX_VALIDATORS:
                del self._validators[next(iter(self._validators))]
            self._validators[key] = compiled
        return compiled

    async def arrow_schema(self, ref: str) -> pyarrow.Schema:
        """`ref` as a `pyarrow.Schema`: its `arrow` block, or derived from its properties."""
        from registry_client.arrow import to_arrow_schema  # pyarrow loads only when asked

        return to_arrow_schema(await self.get(ref))

    # -- the cache ----------------------------------------------------------------------------

    async def _cached(self, ref: Ref) -> bytes:
        if self._closed:
            raise RuntimeError("this RegistryClient is closed")
        self._ensure_live()
        entry = self._cache.get(ref)
        if entry is not None and self._cache.fresh(ref, entry, monotonic()):
            self._cache.stats.hits += 1
            return entry.body
        task = self._inflight.get(ref)
        if task is None:
            task = asyncio.create_task(self._fetch(ref, entry), name=f"registry-client {ref}")
            self._inflight[ref] = task
            task.add_done_callback(lambda done: self._forget(ref, done))
        else:
            self._cache.stats.coalesced += 1
        # Shielded: one caller giving up must not cancel the others' shared request.
        body, stale = await asyncio.shield(task)
        if stale is not None:
            self._cache.stats.stale_served += 1
            warnings.warn(stale, StaleDataWarning, stacklevel=3)
        return body

    def _forget(self, ref: Ref, done: asyncio.Task[_Fetched]) -> None:
        if self._inflight.get(ref) is done:
            del self._inflight[ref]
        if not done.cancelled():
            done.exception()  # retrieved here so a result nobody awaited is not logged

    async def _fetch(self, ref: Ref, entry: Entry | None) -> _Fetched:
        cache, now, generation = self._cache, monotonic(), self._cache.generation
        headers = {}
        if entry is not None and entry.etag:
            cache.stats.revalidations += 1
            headers["If-None-Match"] = entry.etag
        else:
            cache.stats.misses += 1
        try:
            status, body, etag = await self._http.call("GET", ref.path, headers=headers)
        except RegistryUnavailable as exc:
            if entry is None:
                raise
            age = now - entry.fetched_at
            return entry.body, f"registry unavailable ({exc.message}); {ref} from {age:.0f} s ago"
        except RegistryError as exc:
            if exc.status == 404:
                cache.drop(ref)  # deleted while cached: never serve it again
            raise
        if status == 304 and entry is not None:
            cache.stats.not_modified += 1
            cache.put(ref, Entry(entry.body, entry.etag, now), generation)
            return entry.body, None
        try:
            is_document = isinstance(orjson.loads(body), dict)
        except orjson.JSONDecodeError:
            is_document = False
        if not is_document:
            raise RegistryError(status, "invalid_response", f"{ref}: the answer is no document")
        cache.put(ref, Entry(body, etag, now), generation)
        return body, None

    def _ensure_live(self) -> LiveInvalidator | None:
        if self._live_wanted and self._live is None and not self._closed:
            self._live = LiveInvalidator(
                self._http.session(), self.base_url, self._cache, self._http.headers
            )
            self._live.start()
        return self._live

    async def _json(self, method: str, path: str, data: bytes | None = None) -> dict[str, Any]:
        if self._closed:
            raise RuntimeError("this RegistryClient is closed")
        status, body, _ = await self._http.call(method, path, data)
        try:
            parsed = orjson.loads(body)
        except orjson.JSONDecodeError:
            parsed = None
        if not isinstance(parsed, dict):
            raise RegistryError(status, "invalid_response", f"{method} {path}: not a JSON object")
        return parsed
