"""Fan-out of store events to subscribers (DESIGN §5): pure asyncio, no I/O of its own."""

from hub.events import HubClosed, HubEvent, Overflow, Resync
from hub.hub import Hub
from hub.index import WILDCARD
from hub.subscription import Subscription

__all__ = ["WILDCARD", "Hub", "HubClosed", "HubEvent", "Overflow", "Resync", "Subscription"]
