"""Test credentials: settings with a known HS256 secret and tokens signed with it.

Rate limits are off in these settings (the suites publish hundreds of versions in seconds); the
security tests set budgets of their own.
"""

from __future__ import annotations

from typing import Any

from service.security.ratelimit import Budget
from service.security.roles import Role
from service.security.tokens import JwtConfig, mint
from service.settings import Settings

SECRET = "test-only-hs256-secret-of-at-least-32-bytes"
JWT = JwtConfig(secret=SECRET.encode())
UNLIMITED = Budget(rate=0, burst=1)


def secured(**overrides: Any) -> Settings:
    """Settings that check tokens against SECRET, with no rate limits unless overridden."""
    values: dict[str, Any] = {"jwt": JWT, "read_budget": UNLIMITED, "write_budget": UNLIMITED}
    return Settings(**{**values, **overrides})


def token(role: str = "admin", sub: str = "tester", ttl: float = 3600) -> str:
    return mint(subject=sub, role=Role(role), ttl=ttl, secret=SECRET.encode())


def bearer(role: str = "admin", sub: str = "tester") -> dict[str, str]:
    """Headers that authenticate as `sub` with `role`."""
    return {"Authorization": f"Bearer {token(role, sub)}"}
