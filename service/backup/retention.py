"""The retention policy: which backups `prune` deletes, given the time (pure, no I/O)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True, slots=True)
class Policy:
    """Keep the newest `keep_last` backups whatever their age; of the others, keep those not
    older than `keep_days` days (None: keep none of the others)."""

    keep_last: int
    keep_days: int | None

    def __post_init__(self) -> None:
        if self.keep_last < 1:
            raise ValueError("keep_last must be at least 1: prune never deletes every backup")
        if self.keep_days is not None and self.keep_days < 0:
            raise ValueError("keep_days must not be negative")


def to_prune(backups: Sequence[tuple[str, datetime]], policy: Policy, now: datetime) -> list[str]:
    """The names of the backups (name, creation time) that `policy` deletes at `now`.

    Newest first by time (name breaks ties, as names start with the time); a backup is deleted
    only when it is not among the newest `keep_last` and is strictly older than `keep_days`
    days. A backup dated in the future (clock skew) is never old.
    """
    ordered = sorted(backups, key=lambda item: (item[1], item[0]), reverse=True)
    beyond = ordered[policy.keep_last :]
    if policy.keep_days is None:
        return [name for name, _ in beyond]
    cutoff = now - timedelta(days=policy.keep_days)
    return [name for name, created in beyond if created < cutoff]
