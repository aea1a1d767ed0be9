"""Storage backends behind the `Store` contract, chosen by URL with `open_store`."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

from service.storage.contract import Store
from service.storage.etcd import EtcdStore
from service.storage.etcd_connection import parse_endpoints
from service.storage.etcd_keys import DEFAULT_PREFIX
from service.storage.memory import MemoryStore
from service.storage.sqlite import SqliteStore

__all__ = ["EtcdStore", "MemoryStore", "SqliteStore", "Store", "open_store"]

_EXPECTED = (
    "expected memory:// or sqlite:///relative/path.db or sqlite:////absolute/path.db "
    "or etcd://host:port[,host:port...][/key/prefix/]"
)


def open_store(url: str) -> Store:
    """The backend `url` names, not yet started (call `start()`); `ValueError` if unusable.

    - `memory://`: process memory, for tests.
    - `sqlite:///registry.db` is relative to the working directory and
      `sqlite:////var/lib/registry/registry.db` absolute (the path is everything after
      `sqlite:///`, as in SQLAlchemy). The directory must exist.
    - `etcd://10.0.0.1:2379,10.0.0.2:2379/schema-registry/`: the cluster's client endpoints
      (tried in turn) and the key prefix, `/schema-registry/` when the URL has no path.
    """
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if parts.query or parts.fragment:
        raise ValueError(f"store URL {url!r} takes no query or fragment; {_EXPECTED}")
    if scheme == "memory":
        if parts.netloc or parts.path:
            raise ValueError(f"store URL {url!r}: memory:// takes no host or path")
        return MemoryStore()
    if scheme == "sqlite":
        return SqliteStore(_sqlite_path(url, parts.netloc, parts.path))
    if scheme == "etcd":
        if not parts.netloc:
            raise ValueError(f"store URL {url!r} names no etcd endpoint; {_EXPECTED}")
        try:
            endpoints = parse_endpoints(parts.netloc)
        except ValueError as exc:
            raise ValueError(f"store URL {url!r}: {exc}; {_EXPECTED}") from None
        path = unquote(parts.path)
        prefix = DEFAULT_PREFIX if path in ("", "/") else "/" + path.strip("/") + "/"
        return EtcdStore(endpoints, prefix=prefix)
    raise ValueError(f"unknown store URL scheme {parts.scheme!r} in {url!r}; {_EXPECTED}")


def _sqlite_path(url: str, netloc: str, path: str) -> str:
    if netloc:
        raise ValueError(
            f"store URL {url!r} names a host {netloc!r}; SQLite is a local file: {_EXPECTED}"
        )
    # urlsplit keeps the slash after the empty host: "/registry.db" for sqlite:///registry.db.
    file_path = unquote(path.removeprefix("/"))
    if not file_path:
        raise ValueError(f"store URL {url!r} has no file path; {_EXPECTED}")
    if file_path == ":memory:":
        # A private in-memory database is neither durable nor visible to other processes (or
        # to the watch's polling), which is all this backend is for; memory:// is ephemeral.
        raise ValueError(
            f"store URL {url!r}: SQLite needs a file; an in-memory database is not durable "
            "and cannot be shared with other processes (use memory:// for an ephemeral store)"
        )
    return file_path
