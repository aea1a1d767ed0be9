"""A registry over HTTP for the diff bot: JSON requests with a bearer token and bounded
429 `Retry-After` waits."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from types import TracebackType
from typing import Any
from urllib.parse import quote

import aiohttp
import orjson

DEFAULT_URL = "http://localhost:8000"
MAX_RETRIES = 5
MAX_WAIT = 30.0


class RemoteError(Exception):
    """The registry could not be reached or answered something unusable."""


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    body: bytes
    etag: str | None

    def json(self) -> Any:
        try:
            return orjson.loads(self.body)
        except orjson.JSONDecodeError as exc:
            raise RemoteError(f"the registry answered {self.status} with invalid JSON") from exc

    def error_text(self) -> str:
        """`code: message` from the registry's error body, or the raw start of it."""
        try:
            body = orjson.loads(self.body)
        except orjson.JSONDecodeError:
            return f"HTTP {self.status}: {self.body[:200].decode(errors='replace')}"
        if isinstance(body, dict) and "error" in body:
            return f"HTTP {self.status} {body['error']}: {body.get('message', '')}"
        return f"HTTP {self.status}"


def path_of(*segments: str) -> str:
    """`/schema/ticks_v1/1.0.0` with every segment percent-encoded."""
    return "".join("/" + quote(segment, safe="") for segment in segments)


def _retry_after(value: str | None, attempt: int) -> float:
    try:
        seconds = float(value) if value is not None else 2.0**attempt
    except ValueError:  # an HTTP date: not worth parsing for a bounded wait
        seconds = 2.0**attempt
    return min(max(seconds, 0.0), MAX_WAIT)


class Registry:
    """One session to `base_url`; use as `async with Registry(url, token) as registry`."""

    def __init__(self, base_url: str, token: str | None, max_retries: int = MAX_RETRIES) -> None:
        if not base_url.startswith(("http://", "https://")):
            raise ValueError(f"registry URL {base_url[:80]!r} must start with http:// or https://")
        self.base_url = base_url.rstrip("/")
        self._headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._max_retries = max_retries
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> Registry:
        timeout = aiohttp.ClientTimeout(total=60, connect=10)
        self._session = aiohttp.ClientSession(headers=self._headers, timeout=timeout)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._session is not None:
            await self._session.close()

    async def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        params: dict[str, str] | None = None,
    ) -> Answer:
        """The answer to one request, after waiting out at most `max_retries` 429s."""
        assert self._session is not None, "use Registry as an async context manager"
        headers = {"Content-Type": "application/json"} if body is not None else None
        url = self.base_url + path
        for attempt in range(self._max_retries + 1):
            try:
                async with self._session.request(
                    method, url, data=body, params=params, headers=headers
                ) as response:
                    answer = Answer(
                        response.status, await response.read(), response.headers.get("ETag")
                    )
                    retry_after = response.headers.get("Retry-After")
            except (aiohttp.ClientError, TimeoutError) as exc:
                raise RemoteError(f"{method} {url}: {exc or type(exc).__name__}") from exc
            if answer.status != 429 or attempt == self._max_retries:
                return answer
            await asyncio.sleep(_retry_after(retry_after, attempt))
        raise AssertionError("unreachable")
