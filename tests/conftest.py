"""Session-wide fixtures: report lines that tests hand to pytest's terminal summary."""

from __future__ import annotations

import pytest

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
