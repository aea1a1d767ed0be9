"""Schema files as a snapshot: from the working tree, or from a Git commit via `git` itself."""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from service.diffbot.schemafile import FileProblem, SchemaFile, load_schema_file, split_relative
from service.domain.versions import Version

Key = tuple[str, Version]

# No pager, no prompts, no locale-dependent messages: the output is parsed.
_GIT_ENV = {"GIT_PAGER": "cat", "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"}


class SourceError(Exception):
    """The other side of a comparison cannot be read (unknown ref, not a repository…)."""


@dataclass(slots=True)
class Snapshot:
    """The schema files of one side; `problems` are the files that could not be used."""

    label: str
    files: dict[Key, SchemaFile] = field(default_factory=dict)
    problems: list[FileProblem] = field(default_factory=list)

    def add(self, root: str, relative: str, body: bytes) -> None:
        """Loads `relative` (to `root`), recording a problem instead of raising."""
        shown = str(PurePosixPath(root) / relative)
        try:
            parts = split_relative(relative)
            if parts is None:
                return
            loaded = load_schema_file(shown, parts[0], parts[1], body)
        except FileProblem as exc:
            self.problems.append(FileProblem(shown, exc.message))
            return
        self.files[(loaded.schema_id, loaded.version)] = loaded


def read_worktree(root: Path) -> Snapshot:
    """Every `<id>/<version>.json` under `root` as it is on disk."""
    if not root.is_dir():
        raise SourceError(f"{root} is not a directory")
    snapshot = Snapshot(f"working tree {root}")
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(filenames):
            if not name.endswith(".json"):
                continue
            full = Path(dirpath) / name
            relative = full.relative_to(root).as_posix()
            try:
                body = full.read_bytes()
            except OSError as exc:
                snapshot.problems.append(FileProblem(str(root / relative), f"unreadable: {exc}"))
                continue
            snapshot.add(root.as_posix(), relative, body)
    return snapshot


def _git(cwd: Path, *args: str, stdin: bytes | None = None) -> bytes:
    try:
        done = subprocess.run(
            ["git", *args],
            cwd=cwd,
            input=stdin,
            capture_output=True,
            env={**os.environ, **_GIT_ENV},
            check=False,
        )
    except OSError as exc:
        raise SourceError(f"cannot run git: {exc}") from exc
    if done.returncode != 0:
        message = done.stderr.decode(errors="replace").strip().splitlines()
        raise SourceError(message[-1] if message else f"git {args[0]} failed")
    return done.stdout


def _existing_parent(path: Path) -> Path:
    # PATH may be gone from the working tree (a PR deleting every schema): ask Git from the
    # nearest directory that still exists.
    current = path.absolute()
    while not current.is_dir():
        current = current.parent
    return current


def _blobs(cwd: Path, commit: str, prefix: str) -> list[tuple[str, str]]:
    listing = _git(cwd, "ls-tree", "-r", "-z", "--full-tree", commit, "--", prefix or ".")
    blobs = []
    for entry in listing.split(b"\0"):
        if not entry:
            continue
        meta, _, name = entry.partition(b"\t")
        mode, kind, oid = meta.decode().split()
        # Symlinks (120000) and submodules are not schema files.
        if kind == "blob" and mode in ("100644", "100755"):
            blobs.append((name.decode(errors="replace"), oid))
    return blobs


def _cat_blobs(cwd: Path, oids: list[str]) -> list[bytes]:
    if not oids:
        return []
    out = _git(cwd, "cat-file", "--batch", stdin="".join(f"{oid}\n" for oid in oids).encode())
    bodies = []
    offset = 0
    for _ in oids:
        header_end = out.index(b"\n", offset)
        size = int(out[offset:header_end].split()[2])
        start = header_end + 1
        bodies.append(out[start : start + size])
        offset = start + size + 1
    return bodies


def read_git(ref: str, root: Path) -> Snapshot:
    """Every `<id>/<version>.json` under `root` as it is in commit `ref` of root's repository."""
    cwd = _existing_parent(root)
    toplevel = Path(_git(cwd, "rev-parse", "--show-toplevel").decode().strip())
    if ref.startswith("-"):
        raise SourceError(f"{ref!r} is not a Git ref")
    try:
        commit = _git(cwd, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}").decode().strip()
    except SourceError as exc:
        raise SourceError(f"unknown Git ref {ref!r}") from exc
    try:
        prefix = root.resolve().relative_to(toplevel.resolve()).as_posix()
    except ValueError as exc:
        raise SourceError(f"{root} is outside the Git repository at {toplevel}") from exc
    prefix = "" if prefix == "." else prefix
    blobs = [(name, oid) for name, oid in _blobs(cwd, commit, prefix) if name.endswith(".json")]
    snapshot = Snapshot(f"{ref} ({commit[:12]})")
    bodies = _cat_blobs(cwd, [oid for _, oid in blobs])
    for (name, _), body in zip(blobs, bodies, strict=True):
        relative = PurePosixPath(name).relative_to(prefix).as_posix() if prefix else name
        snapshot.add(root.as_posix(), relative, body)
    return snapshot
