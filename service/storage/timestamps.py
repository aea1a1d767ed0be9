"""RFC 3339 UTC timestamps in the one fixed-width form the store writes and compares."""

from __future__ import annotations

from datetime import UTC, datetime


def _format(moment: datetime) -> str:
    """Fixed width (four-digit year, microseconds always present, `Z`): text order is time
    order."""
    # Not strftime: glibc's %Y does not pad years before 1000 to four digits ("921-…").
    return (
        f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}T"
        f"{moment.hour:02d}:{moment.minute:02d}:{moment.second:02d}.{moment.microsecond:06d}Z"
    )


def now() -> str:
    """The current time, as the store stamps commits and audit entries."""
    return _format(datetime.now(UTC))


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
    try:
        return _format(moment.astimezone(UTC))
    except OverflowError:
        # 0001-01-01T00:00:00+05:00 is before year 1 in UTC.
        raise ValueError(f"timestamp {text[:40]!r} is out of range") from None
