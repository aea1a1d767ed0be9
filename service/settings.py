"""Server settings: one frozen value built from CLI flags, falling back to the environment."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from service.eventloop import UVLOOP, check_event_loop
from service.security.ratelimit import Budget
from service.security.tokens import DEFAULT_LEEWAY, JwtConfig

MIB = 1024 * 1024
ENV_PREFIX = "SCHEMA_REGISTRY_"
ENV_WS_ORIGINS = "SCHEMA_REGISTRY_WS_ORIGINS"
# Slack's own documentation names the webhook variable without our prefix; both are read.
ENV_SLACK_WEBHOOK_URL = "SLACK_WEBHOOK_URL"

# Per principal (per client address when anonymous). Reads are generous: SDKs cache and
# revalidate, so a client near this is looping. Writes are rare (a CI job publishing a batch).
DEFAULT_READ_BUDGET = Budget(rate=500.0, burst=1000)
DEFAULT_WRITE_BUDGET = Budget(rate=10.0, burst=50)


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything `create_app` and `serve` need; defaults suit a local single node."""

    store_url: str = "sqlite:///registry.db"
    host: str = "127.0.0.1"
    port: int = 8000
    # Authentication off (every caller is admin): for a laptop, never for a shared registry.
    dev: bool = False
    seed_dir: Path | None = None
    max_body: int = 1 * MIB
    max_validate_body: int = 16 * MIB
    # Origins (scheme://host[:port]) whose pages may open /ws besides the registry's own;
    # "*" allows any. Clients that send no Origin (not browsers) are always allowed.
    ws_origins: tuple[str, ...] = ()
    # Events a /ws subscriber may fall behind by before it is cut off (close 1013), and how
    # many recent events a reconnecting subscriber can ask to replay with `since`.
    ws_queue_size: int = 1024
    ws_replay_size: int = 10_000
    # How tokens are checked; with no key (and not dev) every write is refused.
    jwt: JwtConfig = field(default_factory=JwtConfig)
    require_auth_for_reads: bool = False
    read_budget: Budget = DEFAULT_READ_BUDGET
    write_budget: Budget = DEFAULT_WRITE_BUDGET
    # Serve HTTPS with this certificate and key; with a client CA, clients need a certificate.
    tls_cert: Path | None = None
    tls_key: Path | None = None
    tls_client_ca: Path | None = None
    # Slack incoming webhook for change, failure, health and digest messages; None: no notifier.
    slack_webhook_url: str | None = None
    # Rejected rows a schema's validation-failure reports add up to before a message goes out.
    slack_failure_threshold: int = 100
    # Seconds between usage digests; 0: no digest.
    slack_digest_interval: float = 0.0
    # How often the store's health is polled for up/down messages, and the etcd lease TTL of
    # the one replica that sends (a successor takes over within about this long).
    slack_health_interval: float = 5.0
    slack_lease_ttl: int = 10
    # Tries per message and the timeout of each.
    slack_attempts: int = 5
    slack_timeout: float = 10.0
    # uvloop or asyncio (service/eventloop.py says why uvloop is the default).
    event_loop: str = UVLOOP

    def __post_init__(self) -> None:
        check_event_loop(self.event_loop)
        if not 0 <= self.port <= 65535:
            raise ValueError(f"port must be 0 to 65535, not {self.port}")
        if self.max_body < 1 or self.max_validate_body < self.max_body:
            raise ValueError("body limits must be positive, the validate limit the larger")
        if (self.tls_cert is None) != (self.tls_key is None):
            raise ValueError("--tls-cert and --tls-key go together")
        if self.tls_client_ca is not None and self.tls_cert is None:
            raise ValueError("--tls-client-ca needs --tls-cert and --tls-key")
        if self.slack_failure_threshold < 1 or self.slack_digest_interval < 0:
            raise ValueError("the Slack failure threshold must be >= 1, the digest interval >= 0")

    @property
    def scheme(self) -> str:
        return "https" if self.tls_cert is not None else "http"


def _integer(text: str, name: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise ValueError(f"{name} must be an integer, not {text[:40]!r}") from None


def _number(text: str, name: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise ValueError(f"{name} must be a number, not {text[:40]!r}") from None


def _flag(text: str, name: str) -> bool:
    lowered = text.strip().lower()
    if lowered not in ("1", "0", "true", "false", "yes", "no"):
        raise ValueError(f"{name} must be true or false, not {text[:40]!r}")
    return lowered in ("1", "true", "yes")


def _text(text: str, name: str) -> str:
    return text


def _path(text: str, name: str) -> Path:
    return Path(text)


def _event_loop(text: str, name: str) -> str:
    try:
        return check_event_loop(text.strip().lower())
    except ValueError as exc:
        raise ValueError(f"{name}: {exc}") from None


def _origins(text: str, name: str) -> tuple[str, ...]:
    return tuple(origin.strip() for origin in text.split(",") if origin.strip())


# Option name (the CLI flag's dest) → how its environment variable's text is read.
_OPTIONS: dict[str, Callable[[str, str], Any]] = {
    "store": _text,
    "host": _text,
    "port": _integer,
    "ws_origins": _origins,
    "jwt_secret": _text,
    "jwt_public_key": _path,
    "jwt_issuer": _text,
    "jwt_audience": _text,
    "jwt_leeway": _number,
    "require_auth_for_reads": _flag,
    "read_rate": _number,
    "read_burst": _integer,
    "write_rate": _number,
    "write_burst": _integer,
    "tls_cert": _path,
    "tls_key": _path,
    "tls_client_ca": _path,
    "slack_webhook_url": _text,
    "slack_failure_threshold": _integer,
    "slack_digest_interval": _number,
    "event_loop": _event_loop,
}


def env_name(option: str) -> str:
    """`jwt_secret` → `SCHEMA_REGISTRY_JWT_SECRET`."""
    return ENV_PREFIX + option.upper()


def _resolve(flags: Mapping[str, Any], environ: Mapping[str, str]) -> dict[str, Any]:
    """Each option from its flag when given (not None/False), else its environment variable."""
    values: dict[str, Any] = {}
    for option, parse in _OPTIONS.items():
        flag = flags.get(option)
        if flag is not None and flag is not False:
            values[option] = flag
        elif (text := environ.get(env_name(option))) is not None and text != "":
            values[option] = parse(text, env_name(option))
    return values


def _read_key(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ValueError(f"cannot read the JWT public key {path}: {exc.strerror}") from None


def _jwt(values: Mapping[str, Any]) -> JwtConfig:
    secret = values.get("jwt_secret")
    key_path = values.get("jwt_public_key")
    return JwtConfig(
        secret=secret.encode() if secret is not None else None,
        public_key=_read_key(key_path) if key_path is not None else None,
        issuer=values.get("jwt_issuer"),
        audience=values.get("jwt_audience"),
        leeway=values.get("jwt_leeway", DEFAULT_LEEWAY),
    )


def _budget(values: Mapping[str, Any], kind: str, default: Budget) -> Budget:
    rate = values.get(f"{kind}_rate", default.rate)
    # A rate given without a burst gets twice its rate (at least one request) as the burst.
    burst = values.get(f"{kind}_burst", default.burst if rate == default.rate else 2 * rate)
    return Budget(rate=float(rate), burst=max(1, int(burst)))


def build_settings(
    flags: Mapping[str, Any] | None = None, env: Mapping[str, str] | None = None
) -> Settings:
    """Flags (argparse dests) win, then `SCHEMA_REGISTRY_*` variables, then the defaults."""
    flags = flags or {}
    environ = os.environ if env is None else env
    values = _resolve(flags, environ)
    defaults = Settings()
    return Settings(
        store_url=values.get("store", defaults.store_url),
        host=values.get("host", defaults.host),
        port=values.get("port", defaults.port),
        dev=bool(flags.get("dev", False)),
        seed_dir=flags.get("seed"),
        ws_origins=values.get("ws_origins", ()),
        jwt=_jwt(values),
        require_auth_for_reads=values.get("require_auth_for_reads", False),
        read_budget=_budget(values, "read", DEFAULT_READ_BUDGET),
        write_budget=_budget(values, "write", DEFAULT_WRITE_BUDGET),
        tls_cert=values.get("tls_cert"),
        tls_key=values.get("tls_key"),
        tls_client_ca=values.get("tls_client_ca"),
        slack_webhook_url=values.get("slack_webhook_url")
        or environ.get(ENV_SLACK_WEBHOOK_URL)
        or None,
        slack_failure_threshold=values.get(
            "slack_failure_threshold", defaults.slack_failure_threshold
        ),
        slack_digest_interval=values.get("slack_digest_interval", defaults.slack_digest_interval),
        event_loop=values.get("event_loop", defaults.event_loop),
    )
