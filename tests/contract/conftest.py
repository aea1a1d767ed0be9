"""The storage contract suite's fixtures: a started store of every backend, closed afterwards."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
import pytest_asyncio

from service.storage import MemoryStore, SqliteStore, Store

# Every backend the suite runs against; the etcd backend adds its entry here.
# A short poll interval keeps cross-process tests fast (same-process commits never wait for it).
BACKENDS: dict[str, Callable[[Path], Store]] = {
    "memory": lambda directory: MemoryStore(),
    "sqlite": lambda directory: SqliteStore(directory / "registry.db", poll_interval=0.05),
}

StoreFactory = Callable[[], Awaitable[Store]]


def _fresh_directory(root: Path, index: int) -> Path:
    directory = root / f"store-{index}"
    directory.mkdir()
    return directory


@pytest.fixture(params=sorted(BACKENDS))
def backend(request: pytest.FixtureRequest) -> str:
    """The name of the backend under test."""
    return str(request.param)


@pytest_asyncio.fixture
async def make_store(backend: str, tmp_path: Path) -> AsyncIterator[StoreFactory]:
    """Makes started, empty stores of the backend under test; closes them all at the end."""
    stores: list[Store] = []

    async def make() -> Store:
        store = BACKENDS[backend](_fresh_directory(tmp_path, len(stores)))
        await store.start()
        stores.append(store)
        return store

    yield make
    for store in stores:
        await store.close()


@pytest_asyncio.fixture
async def store(make_store: StoreFactory) -> Store:
    """One started, empty store of the backend under test."""
    return await make_store()
