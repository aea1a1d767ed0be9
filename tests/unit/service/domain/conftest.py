"""Fixtures for the domain tests: the reference `ticks_v1` documents from `schemas/`."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pytest

_TICKS = Path(__file__).resolve().parents[4] / "schemas" / "ticks_v1"


@pytest.fixture(scope="session")
def _ticks_files() -> dict[str, dict[str, Any]]:
    return {path.stem: orjson.loads(path.read_bytes()) for path in _TICKS.glob("*.json")}


@pytest.fixture
def ticks(_ticks_files: dict[str, dict[str, Any]]) -> Callable[[str], dict[str, Any]]:
    """A fresh copy of `schemas/ticks_v1/<version>.json`, safe to edit in the test."""

    def load(version: str) -> dict[str, Any]:
        return copy.deepcopy(_ticks_files[version])

    return load
