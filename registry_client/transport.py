"""One HTTP exchange with the registry: auth header, bounded retries and reads, error mapping."""

from __future__ import annotations

import asyncio

import aiohttp
import orjson

from registry_client.errors import RegistryError, RegistryUnavailable, error_for

# The registry's largest answer is a document (1 MiB bodies) or a validate report; anything far
# bigger is not a registry talking.
MAX_BODY = 16 * 1024 * 1024
# Status 0 stands for "no answer at all" (refused, reset, timed out).
_RETRIED = frozenset({0, 503})


class Transport:
    """Sends requests to `base_url` on a session it opens lazily (or the caller's, left open)."""

    def __init__(
        self,
        base_url: str,
        headers: dict[str, str],
        *,
        timeout: float,
        retries: int,
        session: aiohttp.ClientSession | None,
    ) -> None:
        self.base_url = base_url
        self.headers = headers
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._retries = retries
        self._session = session
        self._owns_session = session is None

    def session(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        return self._session

    async def close(self) -> None:
        if self._owns_session and self._session is not None:
            await self._session.close()
        self._session = None

    async def call(
        self,
        method: str,
        path: str,
        data: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, bytes, str | None]:
        """(status, body, ETag) of a 2xx or 304; `RegistryError` subclasses otherwise.

        Connection errors and 503 are retried `retries` times, 0.1 s doubling up to 1 s apart;
        nothing else is (a 4xx will not change, a 500 is a bug a retry only hides).
        """
        sent = {**self.headers, **(headers or {})}
        if data is not None:
            sent["Content-Type"] = "application/json"
        for attempt in range(self._retries + 1):
            if attempt:
                await asyncio.sleep(min(1.0, 0.1 * 2 ** (attempt - 1)))
            try:
                async with self.session().request(
                    method, self.base_url + path, data=data, headers=sent
                ) as response:
                    body = await _read(response)
                    if response.status < 300 or response.status == 304:
                        return response.status, body, response.headers.get("ETag")
                    error = _error(response.status, body)
            except (aiohttp.ClientError, OSError, TimeoutError) as exc:
                error = RegistryUnavailable(0, "unreachable", f"{self.base_url}: {exc!r}")
            if error.status not in _RETRIED or attempt == self._retries:
                raise error
        raise AssertionError("unreachable: the last attempt raises")


async def _read(response: aiohttp.ClientResponse) -> bytes:
    # Content-Length may be absent or lie; count what actually arrives.
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
        return error_for(status, str(parsed["error"])[:100], str(parsed["message"])[:500])
    except (orjson.JSONDecodeError, KeyError, TypeError):
        return error_for(status, "http_error", body[:200].decode("utf-8", "replace"))
