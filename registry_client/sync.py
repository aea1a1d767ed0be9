"""`SyncRegistryClient`: the async client for code without an event loop (scripts, notebooks).

It runs its own loop on a background thread, so it also works where a loop is already running
(Jupyter), and the live invalidation keeps working between calls.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar

from registry_client.cache import Stats
from registry_client.client import RegistryClient, Validator

if TYPE_CHECKING:
    import pyarrow

T = TypeVar("T")


class SyncRegistryClient:
    """The same methods as `RegistryClient`, blocking; `close()` (or `with`) when done.

    Do not call it from a coroutine on a loop that also serves the registry: the call blocks that
    loop until the answer comes.
    """

    def __init__(self, base_url: str | None = None, **options: Any) -> None:
        # Built first: bad settings raise before a thread exists to leak.
        self._client = RegistryClient(base_url, **options)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="registry-client", daemon=True
        )
        self._thread.start()

    def _run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        if self._loop.is_closed():
            coroutine.close()
            raise RuntimeError("this SyncRegistryClient is closed")
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

    def arrow_schema(self, ref: str) -> pyarrow.Schema:
        return self._run(self._client.arrow_schema(ref))

    def close(self) -> None:
        if self._loop.is_closed():
            return
        try:
            self._run(self._client.close())
            # The validators compile on the loop's default executor; its threads end here too.
            self._run(self._loop.shutdown_default_executor())
        finally:
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
