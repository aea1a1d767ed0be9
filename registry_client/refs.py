"""Schema references: `ticks_v1` (latest), `ticks_v1@latest`, `ticks_v1@1.1.0` (pinned)."""

from __future__ import annotations

import re
from dataclasses import dataclass

# The registry's id and version grammars (service/domain/ids.py, versions.py), checked here so a
# typo fails before any request.
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}", re.ASCII)
_VERSION = re.compile(r"(0|[1-9][0-9]{0,18})\.(0|[1-9][0-9]{0,18})\.(0|[1-9][0-9]{0,18})", re.ASCII)


@dataclass(frozen=True, slots=True)
class Ref:
    """A schema id and a version; `version` None means the latest one."""

    schema_id: str
    version: str | None = None

    @property
    def pinned(self) -> bool:
        """A pinned version never changes once published, so its cache entry never expires."""
        return self.version is not None

    @property
    def path(self) -> str:
        return f"/schema/{self.schema_id}" + (f"/{self.version}" if self.version else "")

    def __str__(self) -> str:
        return f"{self.schema_id}@{self.version or 'latest'}"


def parse_ref(text: str) -> Ref:
    """`ValueError` for anything but `id`, `id@latest` or `id@MAJOR.MINOR.PATCH`."""
    if not isinstance(text, str):
        raise ValueError(f"a schema reference is a string, not {type(text).__name__}")
    schema_id, at, version = text.partition("@")
    if _ID.fullmatch(schema_id) is None:
        raise ValueError(f"{text[:80]!r}: the id must match {_ID.pattern}")
    if not at or version == "latest":
        return Ref(schema_id)
    if _VERSION.fullmatch(version) is None:
        raise ValueError(f"{text[:80]!r}: the version must be MAJOR.MINOR.PATCH or 'latest'")
    return Ref(schema_id, version)


def parse_schema_id(text: str) -> str:
    """A bare schema id (no `@version`: listings and compat checks are per id); `ValueError`."""
    ref = parse_ref(text)
    if "@" in text:
        raise ValueError(f"{text[:80]!r}: expected a schema id without '@version'")
    return ref.schema_id
