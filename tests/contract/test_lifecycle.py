"""Store lifecycle: nothing works before `start()` or after `close()`; close is idempotent."""

from __future__ import annotations

from pathlib import Path

import pytest

from service.storage.contract import StoreUnavailable
from tests.contract.conftest import BACKENDS, StoreFactory
from tests.contract.samples import publish

pytestmark = pytest.mark.asyncio


async def test_calls_before_start_are_unavailable(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    store = BACKENDS[backend](request, tmp_path)
    with pytest.raises(StoreUnavailable, match="not started"):
        await store.revision()
    await store.close()


async def test_calls_after_close_are_unavailable(make_store: StoreFactory) -> None:
    store = await make_store()
    await publish(store)
    await store.close()
    await store.close()
    with pytest.raises(StoreUnavailable, match="closed"):
        await store.get("ticks_v1")
    with pytest.raises(StoreUnavailable, match="closed"):
        await publish(store, "ticks_v1", "2.0.0")
    with pytest.raises(StoreUnavailable):
        await store.start()
