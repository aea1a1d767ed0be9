"""What the client raises and warns: one base error carrying the registry's status and code."""

from __future__ import annotations


class RegistryError(Exception):
    """The registry answered with an error (`status`, its `code`, its message)."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message


class SchemaNotFound(RegistryError):
    """404 schema_not_found."""


class VersionNotFound(RegistryError):
    """404 version_not_found."""


class Unauthorized(RegistryError):
    """401 or 403: no token, a bad one, or a role that may not do this."""


class RegistryUnavailable(RegistryError):
    """The registry cannot be reached (or answers 5xx) and nothing cached can stand in."""


class StaleDataWarning(UserWarning):
    """A cached schema past its TTL was served because the registry could not be reached."""


def error_for(status: int, code: str, message: str) -> RegistryError:
    if status in (401, 403):
        return Unauthorized(status, code, message)
    if code == "schema_not_found":
        return SchemaNotFound(status, code, message)
    if code == "version_not_found":
        return VersionNotFound(status, code, message)
    if status >= 500:
        return RegistryUnavailable(status, code, message)
    return RegistryError(status, code, message)
