"""examples/dataset_cleaner_integration.py, run as the README shows, against a real registry."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq

from tests.examples.conftest import EXAMPLES, ROOT

SCRIPT = EXAMPLES / "dataset_cleaner_integration.py"


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_sample_splits_into_clean_and_quarantined_rows(
    registry_process: str, tmp_path: Path
) -> None:
    done = _run("--registry", registry_process, "--workdir", str(tmp_path))
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "ticks.csv against ticks_v1@1.1.0"
    rejected = [line.split()[-1] for line in lines if line.startswith("  rejected ")]
    assert rejected == ["required:size", "enum:side", "type:price", "format:ts"]
    assert lines[-1] == "reported to the registry: yes"
    assert pq.read_metadata(tmp_path / "clean.parquet").num_rows == 2
    assert pq.read_table(tmp_path / "quarantine.parquet").num_rows == 4


def test_unknown_registry_and_missing_file(registry_process: str, tmp_path: Path) -> None:
    down = _run("--registry", "http://127.0.0.1:9", "--workdir", str(tmp_path))
    assert down.returncode == 1
    assert "error:" in down.stderr
    missing = _run(str(tmp_path / "nope.csv"), "--registry", registry_process)
    assert missing.returncode == 2
    assert "error:" in missing.stderr
