"""`SyncRegistryClient`: the async client for code without an event loop (scripts, notebooks).

It runs its own loop on a background thread, so it also works where a loop is already running
(Jupyter), and the live invalidation keeps working between calls.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from types import TracebackType
from typing import Any, TypeVar

from registry_client.cache import Stats
from registry_client.client import RegistryClient, Validator

T = TypeVar("T")


class SyncRegistryClient:
    """The same methods as `RegistryClient`, blocking; `close()` (or `with`) when done."""

    def __init__(self, base_url: str | None = None, **options: Any) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="registry-client", daemon=True
        )
        self._thread.start()
        self._client = RegistryClient(base_url, **options)

    def _run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result()

    @property
    def stats(self) -> Stats:
        return self._client.stats

    def get(self, ref: str) -> dict[str, Any]:
        return self._run(self._client.get(ref))

    def versions(self, schema_id: str) -> list[str]:
        return self._run(self._client.versions(schema_id))

    def check_compat(
        self, schema_id: str, candidate: dict[str, Any], against: str | None = None
    ) -> dict[str, Any]:
        return self._run(self._client.check_compat(schema_id, candidate, against))

    def validate(self, ref: str, records: Any) -> dict[str, Any]:
        return self._run(self._client.validate(ref, records))

    def validator(self, ref: str) -> Validator:
        return self._run(self._client.validator(ref))

    def arrow_schema(self, ref: str) -> Any:
        return self._run(self._client.arrow_schema(ref))

    def close(self) -> None:
        if self._loop.is_closed():
            return
        self._run(self._client.close())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join()
        self._loop.close()

    def __enter__(self) -> SyncRegistryClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
