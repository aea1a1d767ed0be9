"""`RegistryClient`: the async SDK — cached, ETag-revalidated, pushed invalidation, stale-if-error.

Talks to the registry over HTTP and its WebSocket only (never imports `service` or `hub`).
"""

from __future__ import annotations

import asyncio
import os
import warnings
from time import monotonic
from types import TracebackType
from typing import Any

import aiohttp
import fastjsonschema
import orjson

from registry_client.cache import Entry, SchemaCache, Stats
from registry_client.errors import (
    RegistryError,
    RegistryUnavailable,
    StaleDataWarning,
    error_for,
)
from registry_client.live import LiveInvalidator
from registry_client.refs import Ref, parse_ref

DEFAULT_URL = "http://localhost:8000"
# The registry's largest answer is a document (1 MiB bodies) or a validate report; anything far
# bigger is not a registry talking.
MAX_BODY = 16 * 1024 * 1024
# Keys of a registry document that are not JSON Schema (the server strips the same ones).
_METADATA_KEYS = frozenset({"id", "version", "schema_version", "$schema", "arrow"})

Validator = Any


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
        self.base_url = url.rstrip("/")
        token = token or os.environ.get("SCHEMA_REGISTRY_TOKEN")
        self._headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._cache = SchemaCache(ttl)
        self._live_wanted = live
        self._live: LiveInvalidator | None = None
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._retries = retries
        self._session = session
        self._owns_session = session is None
        self._validators: dict[str, Validator] = {}

    @property
    def stats(self) -> Stats:
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
        """Stops the live subscription and closes the session it opened."""
        if self._live is not None:
            await self._live.stop()
            self._live = None
        if self._owns_session and self._session is not None:
            await self._session.close()
            self._session = None

    async def wait_live(self) -> None:
        """Waits until the hub subscription is up (a publish after this is seen); bound it with
        `asyncio.timeout`."""
        self._ensure_live()
        assert self._live is not None
        await self._live.connected.wait()

    # -- reads --------------------------------------------------------------------------------

    async def get(self, ref: str) -> dict[str, Any]:
        """The document `ref` names (`id`, `id@latest`, `id@1.1.0`), from the cache when fresh."""
        parsed = parse_ref(ref)
        self._ensure_live()
        body = await self._cached(parsed)
        document: dict[str, Any] = orjson.loads(body)
        return document

    async def versions(self, schema_id: str) -> list[str]:
        parsed = parse_ref(schema_id)
        _, body, _ = await self._call("GET", f"/schema/{parsed.schema_id}/versions")
        versions: list[str] = orjson.loads(body)["versions"]
        return versions

    async def check_compat(
        self, schema_id: str, candidate: dict[str, Any], against: str | None = None
    ) -> dict[str, Any]:
        """The registry's dry-run verdict on `candidate` (POST /schema/{id}/compat)."""
        parsed = parse_ref(schema_id)
        # Checked like any reference, so a malformed one fails here rather than as a 400.
        base = parse_ref(f"{parsed.schema_id}@{against}") if against else parsed
        query = f"?against={base.version}" if base.version else ""
        _, body, _ = await self._call(
            "POST", f"/schema/{parsed.schema_id}/compat{query}", orjson.dumps(candidate)
        )
        result: dict[str, Any] = orjson.loads(body)
        return result

    async def validate(self, ref: str, records: Any) -> dict[str, Any]:
        """The registry's validation of one record or a list (POST /schema/{id}/validate)."""
        parsed = parse_ref(ref)
        query = f"?version={parsed.version}" if parsed.version else ""
        _, body, _ = await self._call(
            "POST", f"/schema/{parsed.schema_id}/validate{query}", orjson.dumps(records)
        )
        result: dict[str, Any] = orjson.loads(body)
        return result

    async def validator(self, ref: str) -> Validator:
        """A compiled fastjsonschema validator of `ref` (raises `JsonSchemaValueException`),
        compiled once per document content, off the event loop."""
        parsed = parse_ref(ref)
        self._ensure_live()
        body = await self._cached(parsed)
        entry = self._cache.get(parsed)
        key = entry.etag if entry is not None and entry.etag else body.decode()
        compiled = self._validators.get(key)
        if compiled is None:
            schema = {k: v for k, v in orjson.loads(body).items() if k not in _METADATA_KEYS}
            compiled = await asyncio.to_thread(fastjsonschema.compile, schema)
            self._validators[key] = compiled
        return compiled

    async def arrow_schema(self, ref: str) -> Any:
        """`ref` as a `pyarrow.Schema`: its `arrow` block, or derived from its properties."""
        from registry_client.arrow import to_arrow_schema  # pyarrow loads only when asked

        return to_arrow_schema(await self.get(ref))

    # -- the cache ----------------------------------------------------------------------------

    async def _cached(self, ref: Ref) -> bytes:
        cache, now = self._cache, monotonic()
        entry = cache.get(ref)
        if entry is not None and cache.fresh(ref, entry, now):
            cache.stats.hits += 1
            return entry.body
        headers = {}
        if entry is not None and entry.etag:
            cache.stats.revalidations += 1
            headers["If-None-Match"] = entry.etag
        else:
            cache.stats.misses += 1
        try:
            status, body, etag = await self._call("GET", ref.path, headers=headers)
        except RegistryUnavailable as exc:
            if entry is None:
                raise
            cache.stats.stale_served += 1
            warnings.warn(
                f"registry unavailable ({exc.message}); serving {ref} cached "
                f"{now - entry.fetched_at:.0f} s ago",
                StaleDataWarning,
                stacklevel=3,
            )
            return entry.body
        if status == 304 and entry is not None:
            cache.stats.not_modified += 1
            entry.fetched_at = now
            return entry.body
        try:
            is_document = isinstance(orjson.loads(body), dict)
        except orjson.JSONDecodeError:
            is_document = False
        if not is_document:
            raise RegistryError(status, "invalid_response", f"{ref}: the answer is no document")
        cache.put(ref, Entry(body, etag, now))
        return body

    def _ensure_live(self) -> None:
        if self._live_wanted and self._live is None:
            self._live = LiveInvalidator(self._http(), self.base_url, self._cache, self._headers)
            self._live.start()

    # -- HTTP ---------------------------------------------------------------------------------

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        return self._session

    async def _call(
        self,
        method: str,
        path: str,
        data: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, bytes, str | None]:
        """(status, body, ETag) of a 2xx or 304; `RegistryError` subclasses otherwise. Retries
        connection errors and 503 with backoff (0.1 s doubling, at most 1 s), never a 4xx."""
        sent = {**self._headers, **(headers or {})}
        if data is not None:
            sent["Content-Type"] = "application/json"
        last: RegistryError | None = None
        for attempt in range(self._retries + 1):
            if attempt:
                await asyncio.sleep(min(1.0, 0.1 * 2 ** (attempt - 1)))
            try:
                async with self._http().request(
                    method, self.base_url + path, data=data, headers=sent
                ) as response:
                    body = await _read(response)
                    if response.status < 300 or response.status == 304:
                        return response.status, body, response.headers.get("ETag")
                    error = _error(response.status, body)
            except (aiohttp.ClientError, OSError, TimeoutError) as exc:
                error = RegistryUnavailable(0, "unreachable", f"{self.base_url}: {exc!r}")
            if error.status not in (0, 502, 503, 504):
                raise error
            last = error
        assert last is not None
        raise last


async def _read(response: aiohttp.ClientResponse) -> bytes:
    chunks, size = [], 0
    async for chunk in response.content.iter_chunked(64 * 1024):
        size += len(chunk)
        if size > MAX_BODY:
            raise RegistryError(response.status, "body_too_large", f"over {MAX_BODY} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _error(status: int, body: bytes) -> RegistryError:
    try:
        parsed = orjson.loads(body)
        return error_for(status, str(parsed["error"]), str(parsed["message"]))
    except (orjson.JSONDecodeError, KeyError, TypeError):
        return error_for(status, "http_error", body[:200].decode("utf-8", "replace"))
