"""Real etcd processes for tests: one member or a small cluster on free loopback ports.

The etcd backend is tested against Debian's etcd 3.4 (packages etcd-server and etcd-client), never a
mock: `start_cluster` starts the members, `EtcdMember` kills, pauses and restarts one of them, and
`EtcdCluster` answers what the tests need to know (health, leader, revision) through etcdctl.
"""

from __future__ import annotations

import atexit
import contextlib
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import threading
import time
import urllib.request
import uuid
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

HOST = "127.0.0.1"
START_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0
ETCDCTL_TIMEOUT = 10.0
LEADER_TIMEOUT = 10.0

_INSTALL_HINT = (
    "the etcd tests run against Debian's real etcd: "
    "`apt-get install etcd-server etcd-client` (or `make etcd` as root)"
)

# Raft timing sized for tests: followers notice a killed leader after a randomised 0.5-1 s instead
# of the defaults' (100 ms heartbeat, 1000 ms election timeout) 1-2 s. The quota keeps a runaway
# test from filling the disk; zap at warn keeps each member's log short enough to quote when a
# wait fails.
_SERVER_FLAGS = (
    "--heartbeat-interval=50",
    "--election-timeout=500",
    f"--quota-backend-bytes={256 * 1024 * 1024}",
    "--logger=zap",
    "--log-outputs=stderr",
    "--log-level=warn",
)

_POLL_INTERVAL = 0.05
_CLUSTER_STOP_GRACE = 2.0
_LOG_TAIL_LINES = 15
# Every started etcd process until it is reaped, so that an interpreter exit that skipped fixture
# teardown still ends them (setpriv's parent-death signal covers the exits that skip atexit).
_LIVE: set[subprocess.Popen[bytes]] = set()


class EtcdError(RuntimeError):
    """etcd is missing, did not come up in time, or an etcdctl command failed."""


def _which(program: str) -> str:
    path = shutil.which(program)
    if path is None:
        # A failure, not a skip: a machine without etcd must not pass the suite by leaving out the
        # etcd backend.
        raise EtcdError(f"`{program}` is not on PATH; {_INSTALL_HINT}")
    return path


def require_etcd() -> str:
    """The path of the etcd binary; raises EtcdError naming the packages when etcd is missing."""
    _which("etcdctl")
    return _which("etcd")


def _environment() -> dict[str, str]:
    # etcd reads ETCD_* and etcdctl ETCDCTL_* variables too, and etcd refuses to start when one
    # shadows a flag; a developer's own settings must not reach the test processes.
    env = {key: value for key, value in os.environ.items() if not key.startswith("ETCD")}
    env["ETCDCTL_API"] = "3"
    return env


def _free_ports(count: int) -> list[int]:
    # All sockets stay bound until every port is chosen, so one call never hands out a port twice.
    with contextlib.ExitStack() as stack:
        sockets = [stack.enter_context(socket.socket()) for _ in range(count)]
        for sock in sockets:
            sock.bind((HOST, 0))
        return [int(sock.getsockname()[1]) for sock in sockets]


def _reap_all() -> None:
    for process in list(_LIVE):
        if process.poll() is None:
            process.kill()
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(STOP_TIMEOUT)
    _LIVE.clear()


atexit.register(_reap_all)


def _tail(path: Path, lines: int = _LOG_TAIL_LINES) -> str:
    try:
        text = path.read_text(errors="replace")
    except FileNotFoundError:
        return "(no log)"
    return "\n".join(text.splitlines()[-lines:])


@dataclass(eq=False)
class EtcdMember:
    """One etcd process; its data dir outlives stop() and kill(), so start() restarts it."""

    name: str
    client_port: int
    peer_port: int
    data_dir: Path
    log_path: Path
    initial_cluster: str
    cluster_token: str
    process: subprocess.Popen[bytes] | None = None
    # The raft member id, learnt from the member's own status (see EtcdCluster.leader).
    member_id: int | None = None
    # Whether the member was started and not since stopped or killed: a member that should be up
    # but whose process has exited makes wait_healthy fail at once instead of at its deadline.
    expected_up: bool = field(default=False, repr=False)
    paused: bool = field(default=False, repr=False)

    @property
    def client_url(self) -> str:
        return f"{HOST}:{self.client_port}"

    @property
    def peer_url(self) -> str:
        return f"http://{HOST}:{self.peer_port}"

    @property
    def running(self) -> bool:
        """Whether the process is alive (a paused member is running but does not answer)."""
        return self.process is not None and self.process.poll() is None

    def start(self) -> None:
        """Start the member, or restart it on its existing data dir after stop() or kill()."""
        if self.running:
            raise EtcdError(f"etcd member {self.name} is already running")
        # A restart joins the cluster it bootstrapped; "new" would ask to bootstrap it again.
        state = "new" if self.process is None else "existing"
        command = [
            require_etcd(),
            f"--name={self.name}",
            f"--data-dir={self.data_dir}",
            f"--listen-client-urls=http://{self.client_url}",
            f"--advertise-client-urls=http://{self.client_url}",
            f"--listen-peer-urls={self.peer_url}",
            f"--initial-advertise-peer-urls={self.peer_url}",
            f"--initial-cluster={self.initial_cluster}",
            f"--initial-cluster-token={self.cluster_token}",
            f"--initial-cluster-state={state}",
            *_SERVER_FLAGS,
        ]
        setpriv = shutil.which("setpriv")
        # The parent-death signal belongs to the thread that forks: only the main thread lives as
        # long as the test session, so from any other thread the member would die with its thread.
        if setpriv is not None and threading.current_thread() is threading.main_thread():
            command = [setpriv, "--pdeathsig=KILL", "--", *command]
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            log.write(f"--- {time.strftime('%H:%M:%S')} start ({state})\n".encode())
            log.flush()
            self.process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=_environment(),
            )
        _LIVE.add(self.process)
        self.expected_up = True
        self.paused = False

    def stop(self, timeout: float = STOP_TIMEOUT) -> None:
        """SIGTERM and wait; SIGKILL when the member has not exited after `timeout` seconds."""
        self._terminate()
        self._reap(timeout)

    def _terminate(self) -> None:
        self.expected_up = False
        process = self.process
        if process is None or process.poll() is not None:
            return
        process.terminate()
        if self.paused:
            # A stopped process acts on SIGTERM only once it is continued.
            process.send_signal(signal.SIGCONT)
            self.paused = False

    def _reap(self, timeout: float) -> None:
        process = self.process
        if process is not None:
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout)
        self._forget()

    def kill(self, timeout: float = STOP_TIMEOUT) -> None:
        """SIGKILL: the member dies without a clean shutdown, as in a crash."""
        self.expected_up = False
        process = self.process
        if process is not None and process.poll() is None:
            process.kill()
            process.wait(timeout)
        self.paused = False
        self._forget()

    def pause(self) -> None:
        """SIGSTOP: the process stays alive but neither answers clients nor sends heartbeats."""
        if not self.running:
            raise EtcdError(f"etcd member {self.name} is not running")
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)
        self.paused = True

    def resume(self) -> None:
        """SIGCONT after pause()."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)
        self.paused = False

    def log_tail(self, lines: int = _LOG_TAIL_LINES) -> str:
        return _tail(self.log_path, lines)

    def healthy(self, timeout: float = 1.0) -> bool:
        """Whether GET /health answers true: the member has a leader and commits through raft."""
        # An opener without proxies: a proxy from the environment must not carry loopback requests.
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        try:
            with opener.open(f"http://{self.client_url}/health", timeout=timeout) as response:
                body: Any = json.loads(response.read())
        except (OSError, ValueError, http.client.HTTPException):
            return False
        return isinstance(body, dict) and body.get("health") == "true"

    def _forget(self) -> None:
        if self.process is not None:
            _LIVE.discard(self.process)


@dataclass(eq=False)
class EtcdCluster:
    """The members started by start_cluster; also a context manager that stops them on exit."""

    members: list[EtcdMember]
    token: str

    @property
    def endpoints(self) -> str:
        """All members' client addresses, "127.0.0.1:p1,127.0.0.1:p2,..."."""
        return ",".join(member.client_url for member in self.members)

    @property
    def url(self) -> str:
        """The store URL of the etcd backend for this cluster."""
        return f"etcd://{self.endpoints}"

    def __enter__(self) -> EtcdCluster:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def running_members(self) -> list[EtcdMember]:
        return [member for member in self.members if member.running]

    def etcdctl(
        self,
        *args: str,
        members: Sequence[EtcdMember] | None = None,
        timeout: float = ETCDCTL_TIMEOUT,
    ) -> str:
        """Run etcdctl (API v3) against `members` (default: the running ones); its stdout."""
        targets = self.running_members() if members is None else list(members)
        if not targets:
            raise EtcdError("no running etcd member to send the etcdctl command to")
        command = [
            _which("etcdctl"),
            "--endpoints=" + ",".join(member.client_url for member in targets),
            "--dial-timeout=2s",
            f"--command-timeout={timeout}s",
            *args,
        ]
        try:
            # etcdctl bounds its own dial and command; the extra seconds only catch a hung etcdctl.
            result = subprocess.run(
                command,
                capture_output=True,
                text=True,
                env=_environment(),
                timeout=timeout + 5,
                check=False,
            )
        except subprocess.TimeoutExpired as error:
            raise EtcdError(f"etcdctl {' '.join(args)} hung past {timeout + 5}s") from error
        if result.returncode != 0:
            raise EtcdError(
                f"etcdctl {' '.join(args)} failed ({result.returncode}): {result.stderr.strip()}"
            )
        return result.stdout

    def wait_healthy(self, timeout: float = START_TIMEOUT) -> None:
        """Wait until every started member answers /health; EtcdError with the logs otherwise."""
        deadline = time.monotonic() + timeout
        # Members are asked in parallel: without a leader /health holds each request for about a
        # second, and one member after another would add those seconds up.
        with ThreadPoolExecutor(max_workers=len(self.members)) as pool:
            while True:
                expected = [member for member in self.members if member.expected_up]
                if not expected:
                    raise EtcdError("no etcd member is started")
                exited = [member.name for member in expected if not member.running]
                if exited:
                    raise EtcdError(
                        f"etcd member(s) {', '.join(exited)} exited\n{self.log_tails()}"
                    )
                healthy = list(pool.map(EtcdMember.healthy, expected))
                sick = [member.name for member, ok in zip(expected, healthy, strict=True) if not ok]
                if not sick:
                    return
                if time.monotonic() >= deadline:
                    raise EtcdError(
                        f"etcd member(s) {', '.join(sick)} not healthy after {timeout}s\n"
                        f"{self.log_tails()}"
                    )
                time.sleep(_POLL_INTERVAL)

    def leader(self) -> EtcdMember:
        """The member that reports itself leader at the highest raft term; EtcdError if none."""
        claims: list[tuple[int, EtcdMember]] = []
        for member in self.running_members():
            if member.paused:
                continue
            try:
                status = self._status(member)
            except EtcdError:
                continue
            header = status["header"]
            member.member_id = int(header["member_id"])
            # The JSON leaves out zero fields: no "leader" means the member knows of none.
            if int(status.get("leader", 0)) == member.member_id:
                claims.append((int(header.get("raft_term", 0)), member))
        if not claims:
            raise EtcdError("no etcd member is leader")
        # A leader cut off and then resumed still claims its old, lower term until it hears the
        # new one.
        return max(claims, key=lambda claim: claim[0])[1]

    def wait_for_leader(
        self, timeout: float = LEADER_TIMEOUT, *, other_than: EtcdMember | None = None
    ) -> EtcdMember:
        """Wait until some member (not `other_than`) is leader; that member."""
        deadline = time.monotonic() + timeout
        while True:
            with contextlib.suppress(EtcdError):
                member = self.leader()
                if member is not other_than:
                    return member
            if time.monotonic() >= deadline:
                raise EtcdError(f"no new etcd leader after {timeout}s\n{self.log_tails()}")
            time.sleep(_POLL_INTERVAL)

    def current_revision(self) -> int:
        """The store's revision, read linearizably (so it includes every acknowledged write)."""
        # Any key does: the response header carries the store revision whether or not it exists.
        answer: Any = json.loads(self.etcdctl("get", "/revision-probe", "-w", "json"))
        return int(answer["header"]["revision"])

    def compact(self, revision: int, *, physical: bool = True) -> None:
        """Compact history before `revision`; `physical` waits until the backend has dropped it."""
        self.etcdctl("compaction", *(["--physical"] if physical else []), str(revision))

    def stop(self) -> None:
        """Stop every member; safe to call again."""
        # Followers first, all at once, then the leader: on SIGTERM a leader hands leadership to a
        # peer and waits up to 5 s + two election timeouts for it, which stalls when that peer is
        # itself shutting down. Even alone it can stall (seen after a member was killed and
        # restarted: it still counts the exited peer as connected), and a paused leader is not
        # known as one, so every member gets a short grace only; SIGKILL loses nothing a test
        # relies on, as etcd syncs its WAL before acknowledging a write.
        leader = None
        if len(self.running_members()) > 1:
            with contextlib.suppress(EtcdError):
                leader = self.leader()
        followers = [member for member in self.members if member is not leader]
        for member in followers:
            member._terminate()
        for member in followers:
            member._reap(_CLUSTER_STOP_GRACE)
        if leader is not None:
            leader._terminate()
            leader._reap(_CLUSTER_STOP_GRACE)

    def log_tails(self, lines: int = _LOG_TAIL_LINES) -> str:
        return "\n".join(
            f"--- {member.name} ({member.log_path}):\n{member.log_tail(lines)}"
            for member in self.members
        )

    def _status(self, member: EtcdMember) -> dict[str, Any]:
        # Asked of one member at a time: each member reports its own id and whom it follows.
        answer: Any = json.loads(
            self.etcdctl("endpoint", "status", "-w", "json", members=[member], timeout=2)
        )
        status: dict[str, Any] = answer[0]["Status"]
        return status


def _new_cluster(directory: Path, size: int) -> EtcdCluster:
    # Unique per cluster, so a member can never join another test's cluster that reused a port.
    token = f"test-{uuid.uuid4().hex}"
    ports = _free_ports(2 * size)
    names = [f"m{index}" for index in range(size)]
    client_ports, peer_ports = ports[:size], ports[size:]
    initial_cluster = ",".join(
        f"{name}=http://{HOST}:{port}" for name, port in zip(names, peer_ports, strict=True)
    )
    members = [
        EtcdMember(
            name=name,
            client_port=client_port,
            peer_port=peer_port,
            data_dir=directory / f"{name}.data",
            log_path=directory / f"{name}.log",
            initial_cluster=initial_cluster,
            cluster_token=token,
        )
        for name, client_port, peer_port in zip(names, client_ports, peer_ports, strict=True)
    ]
    return EtcdCluster(members=members, token=token)


def _lost_port_race(cluster: EtcdCluster) -> bool:
    # A port is free when chosen but may be taken (by any process's outgoing connection, say)
    # before etcd binds it.
    return any("address already in use" in member.log_tail(50) for member in cluster.members)


def start_cluster(base_dir: Path, size: int = 1, *, timeout: float = START_TIMEOUT) -> EtcdCluster:
    """Start a `size`-member etcd cluster under `base_dir` and wait until it is healthy."""
    if size < 1:
        raise ValueError(f"an etcd cluster needs at least one member, not {size}")
    require_etcd()
    attempts = 3
    for attempt in range(1, attempts + 1):
        directory = base_dir / f"cluster-{uuid.uuid4().hex[:8]}"
        directory.mkdir(parents=True)
        cluster = _new_cluster(directory, size)
        try:
            # All members start before any wait: a member of a larger cluster only becomes
            # healthy once a quorum of its peers is up.
            for member in cluster.members:
                member.start()
            cluster.wait_healthy(timeout)
        except BaseException as error:
            cluster.stop()
            if isinstance(error, EtcdError) and attempt < attempts and _lost_port_race(cluster):
                continue
            raise
        return cluster
    raise AssertionError("unreachable: the last attempt returns or raises")
