"""The storage contract suite's fixtures: a started store of every backend, closed afterwards."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
import pytest_asyncio

from service.storage import EtcdStore, MemoryStore, SqliteStore, Store, open_store
from tests.etcd_server import EtcdCluster


def _etcd_store(request: pytest.FixtureRequest, directory: Path) -> Store:
    # One etcd for the session; each store gets a prefix of its own, so each starts empty.
    cluster: EtcdCluster = request.getfixturevalue("etcd_cluster")
    store = open_store(f"{cluster.url}/contract/{uuid.uuid4().hex}/")
    assert isinstance(store, EtcdStore)
    return store


# Every backend the suite runs against.
# A short poll interval keeps cross-process tests fast (same-process commits never wait for it).
BACKENDS: dict[str, Callable[[pytest.FixtureRequest, Path], Store]] = {
    "memory": lambda request, directory: MemoryStore(),
    "sqlite": lambda request, directory: SqliteStore(directory / "registry.db", poll_interval=0.05),
    "etcd": _etcd_store,
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
async def make_store(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> AsyncIterator[StoreFactory]:
    """Makes started, empty stores of the backend under test; closes them all at the end."""
    stores: list[Store] = []

    async def make() -> Store:
        store = BACKENDS[backend](request, _fresh_directory(tmp_path, len(stores)))
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
