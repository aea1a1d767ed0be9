"""The diff bot's commands: `diff`, `publish` and `lint`, for `schema-registry` and CI."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from service.diffbot.compare import compare
from service.diffbot.lint import lint_tree
from service.diffbot.publish import publish_snapshot
from service.diffbot.registry_source import fetch_registry
from service.diffbot.remote import DEFAULT_URL, Registry, RemoteError
from service.diffbot.render import FORMATS, RENDERERS
from service.diffbot.tree import Snapshot, SourceError, read_git, read_worktree
from service.domain.config import CompatConfig, Mode, Policy

COMMANDS = frozenset({"diff", "publish", "lint"})
ENV_URL = "SCHEMA_REGISTRY_URL"
ENV_TOKEN = "SCHEMA_REGISTRY_TOKEN"
REGISTRY_PREFIX = "registry:"


def _path_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "path", nargs="?", default="schemas/", type=Path, help="schema tree (default schemas/)"
    )


def add_commands(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Adds `diff`, `publish` and `lint` to a `schema-registry` argument parser."""
    diff = subparsers.add_parser(
        "diff",
        help="compare schema files with a Git ref or a registry (exit 1: insufficient bump)",
        description="Exit 0 when every change carries the bump it needs, 1 when not (or a "
        "published version was edited or deleted), 2 on usage or file errors.",
    )
    diff.add_argument(
        "--against",
        required=True,
        help="a Git ref (origin/main, HEAD~1, a sha) or registry:<url>",
    )
    _path_argument(diff)
    diff.add_argument("--format", choices=FORMATS, default="text")
    diff.add_argument("--labels-out", type=Path, metavar="FILE", help="write the PR label here")
    diff.add_argument(
        "--mode",
        choices=[m.value for m in Mode],
        help="default: BACKWARD, or each id's config when comparing with a registry",
    )
    diff.add_argument(
        "--policy",
        choices=[p.value for p in Policy],
        help="default: STRICT, or each id's config when comparing with a registry",
    )
    diff.add_argument(
        "--token", default=os.environ.get(ENV_TOKEN), help=f"for registry reads (env {ENV_TOKEN})"
    )
    publish = subparsers.add_parser(
        "publish", help="publish the versions a registry does not have yet, oldest first"
    )
    _path_argument(publish)
    publish.add_argument(
        "--registry",
        default=os.environ.get(ENV_URL, DEFAULT_URL),
        help=f"registry base URL (env {ENV_URL}, else {DEFAULT_URL})",
    )
    publish.add_argument(
        "--token",
        default=os.environ.get(ENV_TOKEN),
        help=f"ci-bot or admin bearer token (env {ENV_TOKEN}; prefer the variable)",
    )
    publish.add_argument(
        "--dry-run", action="store_true", help="check against the registry, publish nothing"
    )
    lint = subparsers.add_parser("lint", help="check every schema file and its name")
    _path_argument(lint)


def _error(command: str, message: str) -> int:
    print(f"schema-registry {command}: {message}", file=sys.stderr)
    return 2


def _base(args: argparse.Namespace) -> tuple[Snapshot, dict[str, CompatConfig]]:
    against: str = args.against
    if not against.startswith(REGISTRY_PREFIX):
        return read_git(against, args.path), {}

    async def fetch() -> tuple[Snapshot, dict[str, CompatConfig]]:
        async with Registry(against.removeprefix(REGISTRY_PREFIX), args.token) as registry:
            return await fetch_registry(registry, args.path)

    return asyncio.run(fetch())


def run_diff(args: argparse.Namespace) -> int:
    root: Path = args.path
    try:
        base, configs = _base(args)
        head = read_worktree(root) if root.exists() or not base.files else Snapshot("working tree")
    except (SourceError, RemoteError, ValueError) as exc:
        return _error("diff", str(exc))
    problems = [*base.problems, *head.problems]
    for problem in problems:
        side = base.label if problem in base.problems else "working tree"
        print(f"schema-registry diff: {problem.path} ({side}): {problem.message}", file=sys.stderr)
    if problems:
        return 2

    def config_for(schema_id: str) -> CompatConfig:
        found = configs.get(schema_id, CompatConfig())
        return CompatConfig(Mode(args.mode or found.mode), Policy(args.policy or found.policy))

    report = compare(base, head, config_for)
    sys.stdout.write(RENDERERS[args.format](report))
    if args.labels_out is not None:
        try:
            args.labels_out.write_text(report.label + "\n")
        except OSError as exc:
            return _error("diff", f"--labels-out: {exc}")
    return 1 if report.failed else 0


def run_publish(args: argparse.Namespace) -> int:
    if not args.token and not args.dry_run:
        return _error("publish", f"a ci-bot or admin token is required: --token or {ENV_TOKEN}")
    try:
        snapshot = read_worktree(args.path)
    except SourceError as exc:
        return _error("publish", str(exc))
    for problem in snapshot.problems:
        print(f"schema-registry publish: {problem}", file=sys.stderr)
    if snapshot.problems:
        return 2

    async def push() -> int:
        async with Registry(args.registry, args.token) as registry:
            return await publish_snapshot(registry, snapshot, args.dry_run, print)

    try:
        return asyncio.run(push())
    except (RemoteError, ValueError) as exc:
        return _error("publish", str(exc))


def run_lint(args: argparse.Namespace) -> int:
    try:
        return lint_tree(args.path, print)
    except SourceError as exc:
        return _error("lint", str(exc))


def run(args: argparse.Namespace) -> int:
    """Runs the diff bot command `args.command` names (one of COMMANDS)."""
    runners = {"diff": run_diff, "publish": run_publish, "lint": run_lint}
    return runners[args.command](args)


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m service.diffbot.cli diff|publish|lint …`, until `schema-registry` has them."""
    parser = argparse.ArgumentParser(prog="schema-registry", description="Schema diff bot")
    add_commands(parser.add_subparsers(dest="command", required=True))
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
