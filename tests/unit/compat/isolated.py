"""Runs one diff in a child interpreter, so a crash or a hang fails one test, not the session."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from typing import Any

import pytest

_CHILD = r"""
import json, sys, time
import compat_rs

request = json.loads(sys.stdin.buffer.read())
started = time.perf_counter()
try:
    result = compat_rs.diff(
        request["old"].encode(), request["new"].encode(), request["mode"], request["policy"]
    )
except (ValueError, RecursionError) as exc:
    outcome = {"error": type(exc).__name__, "message": str(exc), "result": None}
else:
    outcome = {"error": None, "message": "", "result": result.to_dict()}
outcome["seconds"] = time.perf_counter() - started
sys.stdout.write(json.dumps(outcome))
"""


@dataclass(frozen=True)
class Outcome:
    """What the child reported: an error class name and message, or the result's `to_dict()`."""

    error: str | None
    message: str
    result: dict[str, Any] | None
    seconds: float

    @property
    def change_types(self) -> list[str]:
        return [change["type"] for change in (self.result or {}).get("changes", [])]


def diff_isolated(
    old: Any,
    new: Any,
    *,
    mode: str = "BACKWARD",
    policy: str = "STRICT",
    timeout: float = 60.0,
) -> Outcome:
    """`compat_rs.diff(old, new)` in a fresh interpreter; the test fails on a crash or timeout."""
    request = {
        "old": old if isinstance(old, str) else json.dumps(old),
        "new": new if isinstance(new, str) else json.dumps(new),
        "mode": mode,
        "policy": policy,
    }
    try:
        child = subprocess.run(
            [sys.executable, "-c", _CHILD],
            input=json.dumps(request).encode(),
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"diff did not finish within {timeout:.0f} s")
    if child.returncode != 0:
        pytest.fail(
            f"diff crashed the interpreter (exit {child.returncode}):\n"
            f"{child.stderr.decode(errors='replace')[-2000:]}"
        )
    raw = json.loads(child.stdout)
    return Outcome(
        error=raw["error"], message=raw["message"], result=raw["result"], seconds=raw["seconds"]
    )
