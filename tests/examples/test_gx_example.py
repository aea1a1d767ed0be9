"""examples/great_expectations_integration.py, run as the README shows, against a real registry."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.examples.conftest import EXAMPLES, ROOT, SAMPLE_CSV

pytestmark = pytest.mark.gx

SCRIPT = EXAMPLES / "great_expectations_integration.py"


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_prints_the_failing_expectations_of_the_sample(registry_process: str) -> None:
    done = _run("--registry", registry_process)
    assert done.returncode == 1, done.stderr
    assert done.stdout.splitlines() == [
        "ticks_sample.csv: 12 rows",
        "ticks_v1@1.1.0: 16 expectations, 3 failing",
        "  FAIL price: expect_column_values_to_not_be_null — 1 unexpected, rows [9]",
        "  FAIL side: expect_column_values_to_be_in_set — 1 unexpected, rows [3]",
        "  FAIL symbol: expect_column_values_to_not_be_null — 1 unexpected, rows [6]",
    ]
    # GX's progress bars stay off: nothing but the summary.
    assert done.stderr == ""


def test_clean_rows_pass(registry_process: str, tmp_path: Path) -> None:
    lines = SAMPLE_CSV.read_text().splitlines()
    clean = tmp_path / "clean.csv"
    # Data rows 3, 6 and 9 (file lines 5, 8 and 11) are the bad ones.
    clean.write_text("\n".join(line for i, line in enumerate(lines) if i not in (4, 7, 10)))
    done = _run(str(clean), "--registry", registry_process, "--schema", "ticks_v1@1.1.0")
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.splitlines()[-1] == "ticks_v1@1.1.0: 16 expectations, passed"


def test_an_unknown_schema_is_exit_2(registry_process: str) -> None:
    done = _run("--registry", registry_process, "--schema", "nope_v1")
    assert done.returncode == 2
    assert "registry answered 404 for nope_v1" in done.stderr
