"""How the benchmarks talk to a registry that checks tokens, as every one does by default.

`configure_servers()` puts a fresh HS256 secret, and rate budgets no benchmark can reach, in this
process's environment, which every server subprocess inherits (`SCHEMA_REGISTRY_*`). The limiter
still runs on every request (its cost is part of what is measured); it just never refuses.
Publishing clients send `JSON_AS_ADMIN`'s headers: a token is verified on every write, as in
production.
"""

from __future__ import annotations

import os
import secrets

from service.security.roles import Role
from service.security.tokens import mint

_SECRET = secrets.token_urlsafe(48)
# Budgets far past any rate these machines reach, so no benchmark sees a 429.
_UNREACHABLE = {"RATE": "1e9", "BURST": "1000000000"}


def configure_servers() -> None:
    os.environ["SCHEMA_REGISTRY_JWT_SECRET"] = _SECRET
    for kind in ("READ", "WRITE"):
        for name, value in _UNREACHABLE.items():
            os.environ[f"SCHEMA_REGISTRY_{kind}_{name}"] = value


def admin_token() -> str:
    return mint(subject="loadtest", role=Role.ADMIN, ttl=24 * 3600, secret=_SECRET.encode())


JSON_AS_ADMIN = {"Content-Type": "application/json", "Authorization": f"Bearer {admin_token()}"}
