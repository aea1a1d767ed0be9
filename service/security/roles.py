"""Roles, the access each route needs, and which roles grant it (DESIGN §7)."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Role(enum.StrEnum):
    """The `role` claim of a token."""

    READER = "reader"
    CI_BOT = "ci-bot"
    ADMIN = "admin"


class Access(enum.Enum):
    """What a route does, which decides who may call it and which rate budget it spends."""

    # Health, metrics, the API description: for probes and scrapers, never limited.
    OPEN = "open"
    READ = "read"
    # The WebSocket: a read, but one that may prove who it is in its first frame instead of a
    # header (browsers cannot set one), so the handler, not the guard, demands the token.
    STREAM = "stream"
    PUBLISH = "publish"
    ADMIN = "admin"

    @property
    def writes(self) -> bool:
        """Writes spend the write budget, and every refusal of one is audited."""
        return self in (Access.PUBLISH, Access.ADMIN)


_GRANTS: dict[Access, frozenset[Role]] = {
    Access.READ: frozenset(Role),
    Access.STREAM: frozenset(Role),
    Access.PUBLISH: frozenset({Role.CI_BOT, Role.ADMIN}),
    Access.ADMIN: frozenset({Role.ADMIN}),
}


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: a token's subject and role, or the anonymous caller (role None)."""

    subject: str
    role: Role | None

    @property
    def anonymous(self) -> bool:
        return self.role is None

    def may(self, access: Access) -> bool:
        """Whether this principal's role grants `access` (anonymous callers are handled by the
        guard, which knows whether reads need a token)."""
        if access is Access.OPEN:
            return True
        return self.role is not None and self.role in _GRANTS[access]


ANONYMOUS = Principal("anonymous", None)
# Everyone is this in --dev mode: authentication is off and every route is open.
DEV = Principal("dev", Role.ADMIN)
