"""RFC 3339 UTC timestamps in the one fixed-width form the store writes and compares."""

from __future__ import annotations

from datetime import UTC, datetime

# Fixed width (microseconds always present, `Z`) so that text order is time order.
_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


def now() -> str:
    """The current time, as the store stamps commits and audit entries."""
    return datetime.now(UTC).strftime(_FORMAT)


def normalize(text: str) -> str:
    """`text` (RFC 3339 / ISO 8601) in the store's form; naive times are taken as UTC."""
    if not isinstance(text, str):
        raise ValueError(f"timestamp must be a string, not {type(text).__name__}")
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"timestamp {text[:40]!r} is not RFC 3339") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime(_FORMAT)
