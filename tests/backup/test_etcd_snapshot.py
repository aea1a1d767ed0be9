"""etcd: a backup uploads a snapshot too; `etcdctl snapshot restore` of it into a fresh data dir
gives an etcd a registry serves the same schemas from."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import uuid
from pathlib import Path

import orjson
import pytest
from aiohttp.test_utils import TestClient, TestServer

from service.app import create_app
from service.backup import archive
from service.backup.snapshot import etcd_endpoints
from tests.auth import bearer, secured
from tests.backup.conftest import dump_of, populate, run_cli, s3_client
from tests.etcd_server import HOST, EtcdCluster, EtcdMember, require_etcd


def _ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind((HOST, 0))
        return [int(sock.getsockname()[1]) for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


async def _download(endpoint: str, bucket: str, key: str, path: Path) -> dict[str, str]:
    async with s3_client(endpoint) as client:
        answer = await client.get_object(Bucket=bucket, Key=key)
        data = await answer["Body"].read()
    await asyncio.to_thread(path.write_bytes, data)
    assert archive.sha256(data) == answer["Metadata"]["sha256"]
    return answer["Metadata"]


async def _served_versions(url: str) -> list[str]:
    async with TestClient(TestServer(create_app(secured(store_url=url))), headers=bearer()) as c:
        response = await c.get("/schema/ticks_v1/versions")
        assert response.status == 200
        versions: list[str] = (await response.json())["versions"]
        assert (await c.get("/schema/quotes_v1")).status == 404
        return versions


def test_etcd_backup_has_a_snapshot_that_restores(
    etcd_cluster: EtcdCluster,
    s3_endpoint: str,
    bucket: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    prefix = f"/backup-test/{uuid.uuid4().hex}/"
    url = f"{etcd_cluster.url}{prefix}"
    asyncio.run(populate(url))
    argv = ("--bucket", bucket, "--endpoint-url", s3_endpoint)
    assert run_cli("create", "--store", url, *argv) == 0
    assert "etcd snapshot: s3://" in capsys.readouterr().out
    assert run_cli("list", *argv, "--json") == 0
    [backup] = orjson.loads(capsys.readouterr().out)
    assert backup["snapshot_key"].endswith("/snapshot.db")
    assert len(backup["metadata"]["snapshot-sha256"]) == 64

    snapshot = tmp_path / "snapshot.db"
    meta = asyncio.run(_download(s3_endpoint, bucket, backup["snapshot_key"], snapshot))
    assert meta["format"] == "etcd-snapshot"

    client_port, peer_port = _ports(2)
    token = f"restored-{uuid.uuid4().hex[:8]}"
    member = EtcdMember(
        name="restored",
        client_port=client_port,
        peer_port=peer_port,
        data_dir=tmp_path / "restored.data",
        log_path=tmp_path / "restored.log",
        initial_cluster=f"restored=http://{HOST}:{peer_port}",
        cluster_token=token,
    )
    require_etcd()
    # The documented procedure (etcd 3.4: etcdctl; 3.5+: etcdutl, same flags).
    subprocess.run(
        [
            "etcdctl",
            "snapshot",
            "restore",
            str(snapshot),
            f"--name={member.name}",
            f"--data-dir={member.data_dir}",
            f"--initial-cluster={member.initial_cluster}",
            f"--initial-cluster-token={token}",
            f"--initial-advertise-peer-urls={member.peer_url}",
        ],
        check=True,
        capture_output=True,
        env={**os.environ, "ETCDCTL_API": "3"},
        timeout=60,
    )
    restored = EtcdCluster(members=[member], token=token)
    with restored:
        member.start()
        restored.wait_healthy()
        restored_url = f"etcd://{member.client_url}{prefix}"
        assert asyncio.run(_served_versions(restored_url)) == ["1.0.0", "1.1.0", "1.2.0", "2.0.0"]
        assert asyncio.run(dump_of(restored_url)) == asyncio.run(dump_of(url))


def test_a_failed_snapshot_still_uploads_the_archive_and_exits_1(
    etcd_cluster: EtcdCluster,
    s3_endpoint: str,
    bucket: str,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    url = f"{etcd_cluster.url}/backup-test/{uuid.uuid4().hex}/"
    monkeypatch.setenv("SCHEMA_REGISTRY_ETCDCTL", str(tmp_path / "no-etcdctl"))
    argv = ("--bucket", bucket, "--endpoint-url", s3_endpoint)
    assert run_cli("create", "--store", url, *argv) == 1
    assert "no etcd snapshot" in capsys.readouterr().err
    assert run_cli("list", *argv, "--json") == 0
    [backup] = orjson.loads(capsys.readouterr().out)
    assert backup["snapshot_key"] is None


def test_snapshot_endpoints_come_from_the_store_url() -> None:
    assert etcd_endpoints("etcd://10.0.0.1:2379,10.0.0.2:2379/prefix/") == [
        "10.0.0.1:2379",
        "10.0.0.2:2379",
    ]
    assert etcd_endpoints("sqlite:///x.db") is None
