"""What flows through the hub: events, resync notices, and the end-of-stream errors."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["HubClosed", "HubEvent", "Overflow", "Resync"]


@dataclass(frozen=True, slots=True)
class HubEvent:
    """One committed change, encoded once by the publisher and shared by every subscriber."""

    revision: int
    """Store revision; strictly increasing across publishes."""
    subject: str
    """Schema id, or "" for global events (only "*" subscribers receive those)."""
    frame: bytes
    """The pre-encoded JSON text frame; the hub never parses it."""
    published: float = 0.0
    """`time.perf_counter()` when it was published, so senders can time publish → send."""


@dataclass(frozen=True, slots=True)
class Resync:
    """Sent instead of a replay the hub cannot give: the client must re-read what it holds."""

    reason: str


class HubClosed(Exception):
    """Raised by `Subscription.get` once its queue is drained and nothing more will arrive."""


class Overflow(HubClosed):
    """The `HubClosed` of a subscription dropped because its queue filled.

    A subclass so that `except HubClosed` covers both endings; `Subscription.overflowed` tells
    them apart as well.
    """
