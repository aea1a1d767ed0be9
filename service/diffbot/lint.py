"""`schema-registry lint`: every schema file valid and named after its own id and version."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from service.diffbot.tree import read_worktree


def lint_tree(root: Path, say: Callable[[str], None]) -> int:
    """0 when every file under `root` is a valid, well-named schema file, else 1 (each problem
    said); SourceError when `root` is not a directory."""
    snapshot = read_worktree(root)
    for problem in snapshot.problems:
        say(f"{problem.path}: {problem.message}")
    ids = len({key[0] for key in snapshot.files})
    checked = len(snapshot.files) + len(snapshot.problems)
    if snapshot.problems:
        say(f"{len(snapshot.problems)} of {checked} schema files have problems")
        return 1
    say(f"{checked} schema files of {ids} schema ids are valid")
    return 0
