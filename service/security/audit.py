"""Audit entries: who acted (the `Actor` of a request) and what became of it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from service.storage import timestamps
from service.storage.contract import AuditEntry

# Outcomes, so readers of /audit can filter on a closed set.
OK = "ok"
UNCHANGED = "unchanged"
DENIED = "denied"
REJECTED = "rejected"
RATE_LIMITED = "rate_limited"
FAILED = "failed"


@dataclass(frozen=True, slots=True)
class Actor:
    """The caller of one request, as the audit log names it."""

    principal: str
    role: str
    request_id: str
    client: str


# Seeding at startup and other work the server does on its own behalf.
SYSTEM = Actor("system", "admin", "startup", "")


def audit_entry(
    actor: Actor, action: str, target: str, outcome: str, details: dict[str, Any] | None = None
) -> AuditEntry:
    """An entry stamped now; a store that commits it with a change stamps the commit's time."""
    return AuditEntry(
        principal=actor.principal,
        action=action,
        target=target,
        outcome=outcome,
        request_id=actor.request_id,
        time=timestamps.now(),
        details=details or {},
        role=actor.role,
        client=actor.client,
    )
