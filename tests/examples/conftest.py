"""Fixtures for the runnable examples: the repository's paths and a real registry process."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.serve_process import serving

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
TICKS_1_1 = ROOT / "schemas" / "ticks_v1" / "1.1.0.json"
SAMPLE_CSV = EXAMPLES / "ticks_sample.csv"


@pytest.fixture
def registry_process(tmp_path: Path) -> Iterator[str]:
    """`make run`'s registry (seeded from schemas/) on a free port; stopped by PID after."""
    with serving(tmp_path) as base:
        yield base
