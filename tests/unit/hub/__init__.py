"""Unit tests of the event hub: pure asyncio, no network."""
