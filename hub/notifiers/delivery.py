"""Posting messages to a Slack incoming webhook: timeouts, bounded retries, 429 Retry-After.

Uses `slack_sdk`'s `AsyncWebhookClient` with its own retry handlers switched off: the retry
policy lives here, where it is bounded (attempts, a per-attempt timeout, capped waits) and
reported (`on_outcome` callback, a log line when a message is given up).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp
from slack_sdk.webhook.async_client import AsyncWebhookClient

__all__ = ["FAILED", "RETRIED", "SENT", "DeliveryPolicy", "WebhookDelivery"]

log = logging.getLogger(__name__)

# Outcomes reported to `on_outcome`: one SENT or FAILED per message, one RETRIED per retry.
SENT = "sent"
RETRIED = "retried"
FAILED = "failed"


@dataclass(frozen=True, slots=True)
class DeliveryPolicy:
    """How hard to try: `attempts` in all, each bounded by `timeout`; waits between them
    double from `backoff` up to `max_wait`, or follow a 429's Retry-After up to `max_wait`."""

    attempts: int = 5
    timeout: float = 10.0
    backoff: float = 0.5
    max_wait: float = 60.0

    def __post_init__(self) -> None:
        if self.attempts < 1 or self.timeout <= 0 or self.backoff < 0 or self.max_wait < 0:
            raise ValueError(f"unusable delivery policy {self!r}")


class _Retry(Exception):
    def __init__(self, reason: str, wait: float | None = None, *, permanent: bool = False) -> None:
        super().__init__(reason)
        self.wait = wait
        self.permanent = permanent


def _retry_after(headers: Mapping[str, Any]) -> float | None:
    for name, value in headers.items():
        if name.lower() == "retry-after":
            try:
                return max(0.0, float(value))
            except (TypeError, ValueError):
                return None  # an HTTP date: fall back to the backoff
    return None


class WebhookDelivery:
    """Posts Block Kit messages to one webhook URL, one session for all of them."""

    def __init__(
        self,
        url: str,
        policy: DeliveryPolicy | None = None,
        *,
        on_outcome: Callable[[str], None] | None = None,
    ) -> None:
        self.policy = policy or DeliveryPolicy()
        self._url = url
        self._on_outcome = on_outcome
        self._session: aiohttp.ClientSession | None = None
        self._client: AsyncWebhookClient | None = None

    def _webhook(self) -> AsyncWebhookClient:
        if self._client is None:
            timeout = aiohttp.ClientTimeout(total=self.policy.timeout)
            self._session = aiohttp.ClientSession(timeout=timeout)
            self._client = AsyncWebhookClient(
                self._url,
                timeout=max(1, round(self.policy.timeout)),
                session=self._session,
                retry_handlers=[],
            )
        return self._client

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
        self._session = self._client = None

    async def post(self, message: Mapping[str, Any]) -> bool:
        """Delivers `message` (`text` + `blocks`); False once the policy is exhausted."""
        policy = self.policy
        attempt = 1
        while True:
            try:
                await self._attempt(message)
            except _Retry as retry:
                # A 4xx other than 429 (bad URL, bad payload) does not get better with retries.
                if attempt >= policy.attempts or retry.permanent:
                    return self._give_up(message, attempt, retry)
                backoff = policy.backoff * 2 ** (attempt - 1)
                wait = min(retry.wait if retry.wait is not None else backoff, policy.max_wait)
                log.warning("slack: attempt %d failed (%s); retry in %.1f s", attempt, retry, wait)
                self._report(RETRIED)
                await asyncio.sleep(wait)
                attempt += 1
            else:
                self._report(SENT)
                return True

    async def _attempt(self, message: Mapping[str, Any]) -> None:
        try:
            # The session's timeout bounds the request; this one also bounds a stalled read.
            async with asyncio.timeout(self.policy.timeout):
                response = await self._webhook().send_dict(dict(message))
        except (TimeoutError, OSError, aiohttp.ClientError) as exc:
            raise _Retry(f"{type(exc).__name__}: {exc}") from None
        status = response.status_code
        if status == 429:
            raise _Retry("HTTP 429", _retry_after(response.headers))
        if status >= 400:
            permanent = status < 500 and status != 408
            raise _Retry(f"HTTP {status}: {response.body[:120]}", permanent=permanent)

    def _give_up(self, message: Mapping[str, Any], attempts: int, last: _Retry) -> bool:
        text = str(message.get("text", ""))[:80]
        log.error("slack: gave up on %r after %d attempt(s); last: %s", text, attempts, last)
        self._report(FAILED)
        return False

    def _report(self, outcome: str) -> None:
        if self._on_outcome is not None:
            self._on_outcome(outcome)
