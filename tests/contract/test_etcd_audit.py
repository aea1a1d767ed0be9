"""etcd-only: audit values stored before entries had `role` and `client` still read."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import orjson
import pytest
import pytest_asyncio

from service.storage import EtcdStore, open_store
from service.storage.contract import AuditEntry
from service.storage.etcd_connection import put
from service.storage.etcd_keys import decode_audit, encode_audit
from tests.contract.samples import audit_entry
from tests.etcd_server import EtcdCluster

TIME = "2026-01-01T00:00:00.000000Z"
# An entry as the release before role and client stored it.
LEGACY = {
    "principal": "ops",
    "action": "delete",
    "target": "old_v1",
    "outcome": "ok",
    "request_id": "req-1",
    "time": TIME,
    "details": {"permanent": True},
}
LEGACY_READ = AuditEntry(
    principal="ops",
    action="delete",
    target="old_v1",
    outcome="ok",
    request_id="req-1",
    time=TIME,
    details={"permanent": True},
    role="",
    client="",
)


@pytest_asyncio.fixture
async def etcd_store(etcd_cluster: EtcdCluster) -> AsyncIterator[EtcdStore]:
    store = open_store(f"{etcd_cluster.url}/contract/{uuid.uuid4().hex}/")
    assert isinstance(store, EtcdStore)
    await store.start()
    yield store
    await store.close()


def test_a_legacy_value_decodes_with_empty_role_and_client() -> None:
    assert decode_audit(orjson.dumps(LEGACY)) == LEGACY_READ


def test_a_value_round_trips_with_role_and_client() -> None:
    entry = audit_entry(TIME, "publish", version="1.0.0")
    assert decode_audit(encode_audit(entry, TIME)) == entry


@pytest.mark.asyncio
async def test_a_legacy_entry_lists_and_exports(etcd_store: EtcdStore) -> None:
    key = etcd_store.keys.audit_entry(TIME, uuid.uuid4().hex)
    await etcd_store.connection.txn([], [put(key, orjson.dumps(LEGACY))], [])
    assert await etcd_store.list_audit() == [LEGACY_READ]
    [dumped] = (await etcd_store.export())["audit"]
    assert (dumped["role"], dumped["client"]) == ("", "")
