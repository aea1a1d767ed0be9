"""The `schema-registry` command line: `serve` runs the HTTP server, `watch` follows its events,
`token` mints bearer tokens for operators; `diff`, `publish` and `lint` are the diff bot
(service/diffbot/), `backup` creates, lists, restores and prunes S3 backups (service/backup/),
`clean` is the dataset cleaner (registry_client/cleaner/)."""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path

from aiohttp import web

from service.app import create_app
from service.diffbot import cli as diffbot
from service.eventloop import EVENT_LOOPS, new_event_loop
from service.security.roles import Role
from service.security.tls import server_context
from service.security.tokens import mint
from service.settings import ENV_PREFIX, build_settings
from service.storage import open_store
from service.watch import watch, ws_url

ENV_URL = "SCHEMA_REGISTRY_URL"
ENV_TOKEN = "SCHEMA_REGISTRY_TOKEN"
ENV_PRIVATE_KEY = "SCHEMA_REGISTRY_JWT_PRIVATE_KEY"

log = logging.getLogger(__name__)

_DURATION = re.compile(r"([1-9][0-9]{0,6})([smhd])")
_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


async def _freeze_startup_heap(app: web.Application) -> None:
    # Runs after the cleanup contexts loaded the index. Everything alive now lives as long as
    # the process; moving it out of the collector's generations keeps full collections, which
    # request garbage triggers, from walking the whole heap again and again (~3 % of reads).
    gc.freeze()


async def _log_event_loop(app: web.Application) -> None:
    # The loop actually running, not the setting: what an operator comparing numbers needs.
    loop = type(asyncio.get_running_loop())
    log.info("event loop: %s.%s", loop.__module__, loop.__qualname__)


def _env_help(option: str) -> str:
    return f"env {ENV_PREFIX}{option.upper()}"


def _add_security_flags(serve: argparse.ArgumentParser) -> None:
    auth = serve.add_argument_group("authentication (DESIGN §7)")
    auth.add_argument(
        "--jwt-secret",
        help=f"HS256 shared secret, >= 32 bytes; prefer the variable ({_env_help('jwt_secret')})",
    )
    auth.add_argument(
        "--jwt-public-key",
        type=Path,
        metavar="FILE",
        help=f"PEM public key, RSA (RS256) or EC P-256 (ES256) ({_env_help('jwt_public_key')})",
    )
    auth.add_argument("--jwt-issuer", help=f"required iss claim ({_env_help('jwt_issuer')})")
    auth.add_argument("--jwt-audience", help=f"required aud claim ({_env_help('jwt_audience')})")
    auth.add_argument(
        "--jwt-leeway", type=float, help="clock skew allowed on exp/nbf, seconds (default 30)"
    )
    auth.add_argument(
        "--require-auth-for-reads",
        action="store_true",
        help=f"reads need a token too ({_env_help('require_auth_for_reads')})",
    )
    limits = serve.add_argument_group("rate limits, per principal or anonymous client address")
    for kind, default in (("read", "500/s, burst 1000"), ("write", "10/s, burst 50")):
        limits.add_argument(
            f"--{kind}-rate", type=float, help=f"{kind}s per second; 0: unlimited ({default})"
        )
        limits.add_argument(f"--{kind}-burst", type=int, help=f"{kind}s allowed at once")
    tls = serve.add_argument_group("TLS")
    tls.add_argument("--tls-cert", type=Path, metavar="FILE", help="serve HTTPS: PEM certificate")
    tls.add_argument("--tls-key", type=Path, metavar="FILE", help="the certificate's PEM key")
    tls.add_argument(
        "--tls-client-ca",
        type=Path,
        metavar="FILE",
        help="mutual TLS: clients must present a certificate issued by this CA",
    )


def _add_token_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    token = commands.add_parser(
        "token",
        help="mint a bearer token from the configured key",
        description="Prints a signed JWT. The key comes from --jwt-secret / "
        f"{ENV_PREFIX}JWT_SECRET (HS256) or --jwt-private-key / {ENV_PRIVATE_KEY} (RS256/ES256, "
        "the private half of the server's --jwt-public-key).",
    )
    token.add_argument("--role", required=True, choices=[str(role) for role in Role])
    token.add_argument("--sub", required=True, help="who the token names in the audit log")
    token.add_argument("--ttl", default="1h", type=_duration, help="lifetime: 90s, 15m, 1h, 7d")
    token.add_argument("--jwt-secret", default=os.environ.get(f"{ENV_PREFIX}JWT_SECRET"))
    token.add_argument(
        "--jwt-private-key", type=Path, metavar="FILE", default=os.environ.get(ENV_PRIVATE_KEY)
    )
    token.add_argument("--jwt-issuer", default=os.environ.get(f"{ENV_PREFIX}JWT_ISSUER"))
    token.add_argument("--jwt-audience", default=os.environ.get(f"{ENV_PREFIX}JWT_AUDIENCE"))


# Commands whose modules import pyarrow or boto3 (~85 MB resident): their parsers are built, and
# their modules imported, only when one of them (or the top-level help) is asked for, so a
# `serve` process never carries them.
_HEAVY = frozenset({"clean", "backup"})


def _parser(full: bool = True) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="schema-registry", description="Schema registry server")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the HTTP server")
    serve.add_argument("--store", help="store URL (env SCHEMA_REGISTRY_STORE)")
    serve.add_argument("--host", help="listen address (env SCHEMA_REGISTRY_HOST)")
    serve.add_argument("--port", type=int, help="listen port (env SCHEMA_REGISTRY_PORT)")
    serve.add_argument(
        "--dev", action="store_true", help="development mode: authentication OFF, all are admin"
    )
    serve.add_argument("--seed", type=Path, help="publish schemas/<id>/<version>.json if empty")
    serve.add_argument(
        "--access-log",
        action="store_true",
        help="log one line per request (off by default: it halves cached-read throughput, "
        "and /metrics already counts requests by route and status)",
    )
    serve.add_argument(
        "--event-loop",
        choices=EVENT_LOOPS,
        help="uvloop (the default: 1.1-1.3x the cached reads per second) or asyncio's own "
        "(env SCHEMA_REGISTRY_EVENT_LOOP)",
    )
    _add_security_flags(serve)
    slack = serve.add_argument_group("Slack notifications")
    slack.add_argument(
        "--slack-webhook-url",
        help="post changes, validation failures and health to this incoming webhook "
        "(env SLACK_WEBHOOK_URL or SCHEMA_REGISTRY_SLACK_WEBHOOK_URL)",
    )
    slack.add_argument(
        "--slack-failure-threshold",
        type=int,
        help="rejected rows per schema before a failure message, default 100 "
        f"({_env_help('slack_failure_threshold')})",
    )
    slack.add_argument(
        "--slack-digest-interval",
        type=float,
        help=f"seconds between usage digests, 0 = off ({_env_help('slack_digest_interval')})",
    )
    follow = commands.add_parser("watch", help="print change events as JSON lines")
    follow.add_argument("ids", nargs="*", default=["*"], help="schema ids (default: all)")
    follow.add_argument("--since", type=_revision, help="replay events after this revision")
    follow.add_argument(
        "--url",
        default=os.environ.get(ENV_URL, "http://127.0.0.1:8000"),
        help=f"registry base URL (env {ENV_URL})",
    )
    follow.add_argument("--count", type=_revision, help="exit after this many events")
    follow.add_argument(
        "--token",
        default=os.environ.get(ENV_TOKEN),
        help=f"bearer token, when reads need one (env {ENV_TOKEN})",
    )
    _add_token_command(commands)
    diffbot.add_commands(commands)
    if full:
        from registry_client.cleaner.cli import add_clean_command
        from service.backup import cli as backup

        backup.add_commands(commands)
        add_clean_command(commands)
    return parser


def _revision(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text} is negative")
    return value


def _duration(text: str) -> int:
    match = _DURATION.fullmatch(text.strip())
    if match is None:
        raise argparse.ArgumentTypeError(f"{text[:40]!r} is not a duration like 90s, 15m, 1h, 7d")
    return int(match.group(1)) * _SECONDS[match.group(2)]


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of `schema-registry` and `python -m service`."""
    argv = sys.argv[1:] if argv is None else list(argv)
    full = not argv or argv[0] in _HEAVY or argv[0].startswith("-")
    args = _parser(full).parse_args(argv)
    if args.command == "watch":
        return _watch(args)
    if args.command == "token":
        return _token(args)
    if args.command == "clean":
        from registry_client.cleaner.cli import run_clean

        return run_clean(args)
    if args.command in diffbot.COMMANDS:
        return diffbot.run(args)
    if args.command == "backup":
        from service.backup import cli as backup

        return backup.run(args)
    return _serve(args)


def _watch(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(message)s")
    try:
        ws_url(args.url)
    except ValueError as exc:
        print(f"schema-registry: {exc}", file=sys.stderr)
        return 2
    try:
        return asyncio.run(
            watch(args.url, args.ids, args.since, count=args.count, token=args.token)
        )
    except KeyboardInterrupt:
        return 0


def _token(args: argparse.Namespace) -> int:
    try:
        private_key = args.jwt_private_key.read_bytes() if args.jwt_private_key else None
        token = mint(
            subject=args.sub,
            role=Role(args.role),
            ttl=args.ttl,
            secret=args.jwt_secret.encode() if args.jwt_secret else None,
            private_key=private_key,
            issuer=args.jwt_issuer,
            audience=args.jwt_audience,
        )
    except (ValueError, OSError) as exc:
        print(f"schema-registry token: {exc}", file=sys.stderr)
        return 2
    print(token)
    return 0


def _serve(args: argparse.Namespace) -> int:
    # Before create_app, which warns loudly about --dev or a missing key.
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    try:
        settings = build_settings(vars(args))
        # Fail before binding the port: a bad URL, key or path is a usage error, not a crash.
        open_store(settings.store_url)
        if settings.seed_dir is not None and not settings.seed_dir.is_dir():
            raise ValueError(f"--seed {settings.seed_dir} is not a directory")
        ssl_context = None
        if settings.tls_cert is not None and settings.tls_key is not None:
            ssl_context = server_context(
                settings.tls_cert, settings.tls_key, settings.tls_client_ca
            )
        app = create_app(settings)
    except ValueError as exc:
        print(f"schema-registry: {exc}", file=sys.stderr)
        return 2
    log.info(
        "serving on %s://%s:%d with store %s",
        settings.scheme,
        settings.host,
        settings.port,
        settings.store_url,
    )
    app.on_startup.append(_log_event_loop)
    app.on_startup.append(_freeze_startup_heap)
    web.run_app(
        app,
        host=settings.host,
        port=settings.port,
        ssl_context=ssl_context,
        print=None,
        access_log=logging.getLogger("aiohttp.access") if args.access_log else None,
        loop=new_event_loop(settings.event_loop),
    )
    return 0
