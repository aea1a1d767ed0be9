"""The store a backup reads or a restore fills: opened from its URL, started, always closed."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from service.storage import SqliteStore, Store, open_store
from service.storage.contract import StoreError

ENV_STORE = "SCHEMA_REGISTRY_STORE"


class StoreAccessError(Exception):
    """The store cannot be opened (missing file, unreachable backend)."""


@asynccontextmanager
async def started_store(url: str, *, must_exist: bool) -> AsyncIterator[Store]:
    """The started store `url` names (`ValueError` for a malformed URL).

    `must_exist`: a backup of a SQLite file that is not there is a mistake (a typo in the path),
    not an empty registry, so it is refused instead of creating the file.
    """
    store = open_store(url)
    if (
        must_exist
        and isinstance(store, SqliteStore)
        and not await asyncio.to_thread(os.path.exists, store.path)
    ):
        raise StoreAccessError(f"SQLite store {store.path} does not exist")
    try:
        await store.start()
    except StoreError as exc:
        await store.close()
        raise StoreAccessError(f"cannot open store {url}: {exc}") from None
    try:
        yield store
    finally:
        await store.close()
