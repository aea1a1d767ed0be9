"""CloudEvents 1.0 envelopes for the changes the store commits (DESIGN §5)."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Any

from service.storage.contract import Event, Store

SOURCE = "schema-registry"
SPEC_VERSION = "1.0"


def envelope(event: Event) -> dict[str, Any]:
    """The JSON envelope of one committed change.

    The id is derived from the store revision, so every replica that sees the same change
    emits the same id and consumers can deduplicate.
    """
    return {
        "specversion": SPEC_VERSION,
        "id": f"{SOURCE}-{event.revision}",
        "source": SOURCE,
        "type": event.type,
        "subject": event.subject,
        "time": event.time,
        "datacontenttype": "application/json",
        "revision": event.revision,
        "data": event.data,
    }


async def envelopes(store: Store, since: int) -> AsyncGenerator[dict[str, Any], None]:
    """Every change committed after `since`, in revision order, as envelopes (then live ones)."""
    async for event in store.watch(since):
        yield envelope(event)
