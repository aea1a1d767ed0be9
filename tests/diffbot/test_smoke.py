"""The diff bot as a separate process, the way CI runs it."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.diffbot.conftest import GIT_ENV, Repo

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_diff_runs_as_a_process(repo: Repo) -> None:
    repo.add_ticks("2.0.0")
    done = subprocess.run(
        [sys.executable, "-m", "service.diffbot.cli", "diff", "--against", "HEAD", "schemas/"],
        cwd=repo.root,
        env={**os.environ, **GIT_ENV, "PYTHONPATH": ROOT},
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Field 'price' renamed to 'last_price'" in done.stdout
