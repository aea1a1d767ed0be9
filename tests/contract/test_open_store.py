"""`open_store`: which backend a store URL names, and the URLs it refuses."""

from __future__ import annotations

from pathlib import Path

import pytest

from service.storage import EtcdStore, MemoryStore, SqliteStore, open_store
from service.storage.etcd_connection import Endpoint


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


def test_etcd_url_with_endpoints_and_the_default_prefix() -> None:
    store = open_store("etcd://127.0.0.1:2379,etcd-1.etcd:22379")
    assert isinstance(store, EtcdStore)
    assert store.connection.endpoints == [
        Endpoint("127.0.0.1", 2379),
        Endpoint("etcd-1.etcd", 22379),
    ]
    assert store.keys.prefix == b"/schema-registry/"


@pytest.mark.parametrize(
    ("path", "prefix"),
    [("/", b"/schema-registry/"), ("/prod", b"/prod/"), ("/a/b/", b"/a/b/")],
)
def test_etcd_url_path_is_the_key_prefix(path: str, prefix: bytes) -> None:
    store = open_store(f"etcd://[::1]:2379{path}")
    assert isinstance(store, EtcdStore)
    assert store.connection.endpoints == [Endpoint("::1", 2379)]
    assert store.keys.prefix == prefix


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("sqlite:///:memory:", "in-memory database is not durable"),
        ("sqlite://", "no file path"),
        ("sqlite:///", "no file path"),
        ("sqlite://host/registry.db", "names a host"),
        ("sqlite:///registry.db?mode=ro", "no query"),
        ("memory://somewhere", "no host or path"),
        ("etcd://", "names no etcd endpoint"),
        ("etcd://127.0.0.1", "is not host:port"),
        ("etcd://127.0.0.1:2379,", "is not host:port"),
        ("etcd://127.0.0.1:99999", "is not host:port"),
        ("etcd://127.0.0.1:2379?timeout=1", "no query"),
        ("postgres://db/registry", "unknown store URL scheme 'postgres'"),
        ("registry.db", "unknown store URL scheme ''"),
    ],
)
def test_unusable_urls_are_refused(url: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        open_store(url)
