"""`open_store`: which backend a store URL names, and the URLs it refuses."""

from __future__ import annotations

from pathlib import Path

import pytest

from service.storage import MemoryStore, SqliteStore, open_store


def test_memory_url() -> None:
    assert isinstance(open_store("memory://"), MemoryStore)


def test_sqlite_url_with_a_relative_path() -> None:
    store = open_store("sqlite:///data/registry.db")
    assert isinstance(store, SqliteStore)
    assert store.path == "data/registry.db"


def test_sqlite_url_with_an_absolute_path(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path}/registry.db")
    assert isinstance(store, SqliteStore)
    assert store.path == f"{tmp_path}/registry.db"
    assert Path(store.path).is_absolute()


def test_sqlite_url_is_percent_decoded() -> None:
    store = open_store("sqlite:///my%20data/registry.db")
    assert isinstance(store, SqliteStore)
    assert store.path == "my data/registry.db"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("sqlite:///:memory:", "in-memory database is not durable"),
        ("sqlite://", "no file path"),
        ("sqlite:///", "no file path"),
        ("sqlite://host/registry.db", "names a host"),
        ("sqlite:///registry.db?mode=ro", "no query"),
        ("memory://somewhere", "no host or path"),
        ("etcd://127.0.0.1:2379", "etcd backend issue"),
        ("postgres://db/registry", "unknown store URL scheme 'postgres'"),
        ("registry.db", "unknown store URL scheme ''"),
    ],
)
def test_unusable_urls_are_refused(url: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        open_store(url)
