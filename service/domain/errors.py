"""Domain exceptions, each with a stable error code and details the HTTP layer renders."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

# Long hostile values (a 10,000-character id) must not turn one error into a huge response.
_SHOWN_LIMIT = 64


def json_kind(value: object) -> str:
    """What a parsed JSON value is, in JSON's words: "an array", "null", "a number"…"""
    kinds: tuple[tuple[type | tuple[type, ...], str], ...] = (
        (type(None), "null"),
        (bool, "a boolean"),  # before int: bool is an int subclass
        ((int, float), "a number"),
        (str, "a string"),
        (list, "an array"),
        (dict, "an object"),
    )
    return next((name for kind, name in kinds if isinstance(value, kind)), type(value).__name__)


def shown(value: object, limit: int = _SHOWN_LIMIT) -> str:
    """`value` quoted for an error message: non-printables escaped, long text truncated;
    values other than strings are named by their JSON kind."""
    if not isinstance(value, str):
        return json_kind(value)
    if len(value) <= limit:
        return repr(value)
    return f"{value[:limit]!r}… ({len(value)} characters)"


def clipped(value: object, limit: int = _SHOWN_LIMIT) -> str | None:
    """`value` as it goes into `details`: strings cut to `limit` characters, others dropped."""
    return value[:limit] if isinstance(value, str) else None


class DomainError(Exception):
    """A request the registry refuses; `code` is the wire error code (DESIGN §4)."""

    code: ClassVar[str] = "invalid_request"

    def __init__(self, message: str, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details: dict[str, Any] = details if details is not None else {}


class InvalidSchemaId(DomainError):
    """The schema id does not match the id pattern."""

    code = "invalid_schema_id"


class InvalidVersion(DomainError):
    """The version is not `MAJOR.MINOR.PATCH`."""

    code = "invalid_version"


class InvalidDocument(DomainError):
    """The body is not a usable JSON object (syntax, depth, metadata that contradicts the path)."""

    code = "invalid_document"


class InvalidSchema(DomainError):
    """The document is JSON but not a valid registry document; `problems` lists every reason."""

    code = "invalid_schema"

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        summary = self.problems[0] if self.problems else "no reason given"
        if len(self.problems) > 1:
            summary = f"{len(self.problems)} problems; the first: {summary}"
        super().__init__(f"invalid schema document: {summary}", {"problems": self.problems})


class InvalidConfig(DomainError):
    """A compatibility config with unknown keys or values."""

    code = "invalid_config"


class VersionConflict(DomainError):
    """The version exists with other content, or is not above the rest of its MAJOR line."""

    code = "version_conflict"


class BumpRequired(DomainError):
    """The version number carries a smaller SemVer bump than the changes require."""

    code = "bump_required"

    def __init__(
        self, required_bump: str, actual_bump: str, changes: Sequence[dict[str, Any]]
    ) -> None:
        self.required_bump = required_bump
        self.actual_bump = actual_bump
        self.changes = list(changes)
        breaking = sum(1 for change in self.changes if change.get("breaking"))
        super().__init__(
            f"the changes require a {required_bump} version bump, but the version carries "
            f"a {actual_bump} bump ({len(self.changes)} changes, {breaking} breaking)",
            {"required_bump": required_bump, "actual_bump": actual_bump, "changes": self.changes},
        )
