"""The schemathesis tool venv: built from requirements.txt beside this file, kept until it changes.

`python -m tests.fuzz.toolenv` builds it (the Makefile's `fuzz-env`); the API fuzz test calls
`ensure()` too, so `pytest` alone works on a fresh checkout.
"""

from __future__ import annotations

import fcntl
import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VENV = ROOT / ".venv-schemathesis"
REQUIREMENTS = Path(__file__).with_name("requirements.txt")
INSTALL_TIMEOUT = 600


class ToolEnvError(RuntimeError):
    """The tool venv could not be built; the message carries the failing command's output."""


def _run(command: list[str]) -> None:
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=INSTALL_TIMEOUT, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ToolEnvError(f"{' '.join(command)}: {exc}") from exc
    if done.returncode != 0:
        raise ToolEnvError(
            f"{' '.join(command)} exited {done.returncode}\n{done.stdout}\n{done.stderr}"
        )


def ensure(venv: Path = VENV) -> Path:
    """The venv's `st` executable, (re)installing first when the pinned requirements changed."""
    executable = venv / "bin" / "st"
    stamp = venv / ".requirements-sha256"
    digest = hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()
    venv.mkdir(exist_ok=True)
    # Concurrent test runs in one checkout build the venv once, one after the other.
    with (venv / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if executable.exists() and stamp.exists() and stamp.read_text() == digest:
            return executable
        stamp.unlink(missing_ok=True)
        # A half-built or outdated venv goes; the lock file stays.
        for built in ("bin", "include", "lib", "lib64", "pyvenv.cfg"):
            path = venv / built
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink(missing_ok=True)
        _run([sys.executable, "-m", "venv", str(venv)])
        pip = [str(venv / "bin" / "python"), "-m", "pip", "--disable-pip-version-check"]
        _run([*pip, "install", "--quiet", "--requirement", str(REQUIREMENTS)])
        if not executable.exists():
            raise ToolEnvError(f"{executable} missing after installing {REQUIREMENTS}")
        stamp.write_text(digest)
    return executable


def main() -> int:
    try:
        print(ensure())
    except ToolEnvError as exc:
        print(f"toolenv: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
