"""Server settings: one frozen value built from CLI flags, falling back to the environment."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

MIB = 1024 * 1024

ENV_STORE = "SCHEMA_REGISTRY_STORE"
ENV_HOST = "SCHEMA_REGISTRY_HOST"
ENV_PORT = "SCHEMA_REGISTRY_PORT"
ENV_WS_ORIGINS = "SCHEMA_REGISTRY_WS_ORIGINS"


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything `create_app` and `serve` need; defaults suit a local single node."""

    store_url: str = "sqlite:///registry.db"
    host: str = "127.0.0.1"
    port: int = 8000
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

    def __post_init__(self) -> None:
        if not 0 <= self.port <= 65535:
            raise ValueError(f"port must be 0 to 65535, not {self.port}")
        if self.max_body < 1 or self.max_validate_body < self.max_body:
            raise ValueError("body limits must be positive, the validate limit the larger")


def _port(text: str, source: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise ValueError(f"{source} must be an integer port, not {text[:40]!r}") from None


def _origins(text: str) -> tuple[str, ...]:
    return tuple(origin.strip() for origin in text.split(",") if origin.strip())


def build_settings(
    *,
    store: str | None = None,
    host: str | None = None,
    port: int | None = None,
    dev: bool = False,
    seed_dir: Path | None = None,
    env: Mapping[str, str] | None = None,
) -> Settings:
    """Flags win, then `SCHEMA_REGISTRY_*` variables, then the defaults."""
    environ = os.environ if env is None else env
    defaults = Settings()
    env_port = environ.get(ENV_PORT)
    return Settings(
        store_url=store or environ.get(ENV_STORE) or defaults.store_url,
        host=host or environ.get(ENV_HOST) or defaults.host,
        port=port if port is not None else (_port(env_port, ENV_PORT) if env_port else 8000),
        dev=dev,
        seed_dir=seed_dir,
        ws_origins=_origins(environ.get(ENV_WS_ORIGINS, "")),
    )
