"""Session-wide fixtures: report lines for pytest's terminal summary, and a real etcd."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.etcd_server import EtcdCluster, start_cluster

_REPORT_KEY = pytest.StashKey[list[str]]()


def pytest_configure(config: pytest.Config) -> None:
    config.stash[_REPORT_KEY] = []


@pytest.fixture(scope="session")
def summary_lines(pytestconfig: pytest.Config) -> list[str]:
    """Lines printed in the "compat_rs reports" section at the end of the session."""
    return pytestconfig.stash[_REPORT_KEY]


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, exitstatus: int, config: pytest.Config
) -> None:
    lines = config.stash.get(_REPORT_KEY, [])
    if not lines:
        return
    terminalreporter.section("compat_rs reports")
    for line in lines:
        terminalreporter.write_line(line)


@pytest.fixture(scope="session")
def etcd_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EtcdCluster]:
    """One single-member etcd shared by the session: give each test keys of its own.

    Tests that kill, pause or compact etcd, or need three members, start their own cluster with
    `tests.etcd_server.start_cluster` instead.
    """
    cluster = start_cluster(tmp_path_factory.mktemp("etcd"))
    yield cluster
    cluster.stop()
