"""The real-etcd harness itself: health, reads and writes, compaction, failover, restart, stop."""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path

import pytest

from tests.etcd_server import EtcdCluster, EtcdError, require_etcd, start_cluster


def _key() -> str:
    # The session cluster is shared: every test writes under keys of its own.
    return f"/harness/{uuid.uuid4().hex}"


def test_single_member_is_healthy_and_serves_writes(etcd_cluster: EtcdCluster) -> None:
    (member,) = etcd_cluster.members
    etcd_cluster.wait_healthy(timeout=5)
    assert member.running
    assert member.healthy()
    assert etcd_cluster.endpoints == f"127.0.0.1:{member.client_port}"
    assert etcd_cluster.url == f"etcd://127.0.0.1:{member.client_port}"
    assert etcd_cluster.leader() is member

    key = _key()
    before = etcd_cluster.current_revision()
    etcd_cluster.etcdctl("put", key, "v1")
    assert etcd_cluster.etcdctl("get", key, "--print-value-only").strip() == "v1"
    assert etcd_cluster.current_revision() == before + 1


def test_compact_drops_older_revisions(tmp_path: Path) -> None:
    # A cluster of its own: compacting the shared one would break later tests' watches.
    with start_cluster(tmp_path) as cluster:
        key = _key()
        cluster.etcdctl("put", key, "old")
        old = cluster.current_revision()
        cluster.etcdctl("put", key, "new")
        new = cluster.current_revision()
        assert cluster.etcdctl("get", key, f"--rev={old}", "--print-value-only").strip() == "old"

        cluster.compact(new)

        with pytest.raises(EtcdError, match="required revision has been compacted"):
            cluster.etcdctl("get", key, f"--rev={old}")
        assert cluster.etcdctl("get", key, "--print-value-only").strip() == "new"
        with pytest.raises(EtcdError, match="required revision has been compacted"):
            cluster.compact(old)


def test_paused_member_is_unhealthy_until_resumed(tmp_path: Path) -> None:
    with start_cluster(tmp_path) as cluster:
        (member,) = cluster.members
        member.pause()
        assert member.running
        assert not member.healthy(timeout=0.5)
        member.resume()
        cluster.wait_healthy(timeout=10)


def test_three_members_survive_a_killed_leader_and_take_it_back(tmp_path: Path) -> None:
    with start_cluster(tmp_path, size=3) as cluster:
        assert all(member.healthy() for member in cluster.members)
        assert len(cluster.endpoints.split(",")) == 3
        old_leader = cluster.leader()
        assert old_leader in cluster.members

        old_leader.kill()
        assert not old_leader.running
        started = time.monotonic()
        new_leader = cluster.wait_for_leader(timeout=10, other_than=old_leader)
        elapsed = time.monotonic() - started
        assert new_leader is not old_leader
        assert new_leader.running
        # Election timeout 500 ms: a new leader within a few seconds, not etcd's default pace.
        assert elapsed < 5, f"new leader after {elapsed:.2f}s"

        key = _key()
        survivors = cluster.running_members()
        assert len(survivors) == 2
        cluster.etcdctl("put", key, "written-while-down", members=survivors)

        old_leader.start()
        cluster.wait_healthy(timeout=20)
        assert len(cluster.running_members()) == 3
        # A linearizable read through the restarted member only: it has caught up on the write.
        value = cluster.etcdctl("get", key, "--print-value-only", members=[old_leader])
        assert value.strip() == "written-while-down"
        listed = json.loads(cluster.etcdctl("member", "list", "-w", "json"))
        assert sorted(member["name"] for member in listed["members"]) == ["m0", "m1", "m2"]
        assert cluster.leader() in cluster.members


def test_stop_ends_every_process_and_is_idempotent(tmp_path: Path) -> None:
    cluster = start_cluster(tmp_path, size=3)
    processes = [member.process for member in cluster.members]
    # A paused member still has to go: SIGTERM only lands once it is continued.
    cluster.members[0].pause()

    cluster.stop()

    for process in processes:
        assert process is not None
        assert process.poll() is not None
    assert not any(member.running for member in cluster.members)
    cluster.stop()
    with pytest.raises(EtcdError, match="no running etcd member"):
        cluster.etcdctl("get", "/anything")


def test_missing_etcd_fails_with_the_install_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(EtcdError, match="apt-get install etcd-server"):
        require_etcd()
