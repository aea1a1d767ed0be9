"""The registry's client side: SDK, Arrow mapping, dataset cleaner, Great Expectations adapter."""

from registry_client.client import RegistryClient
from registry_client.errors import (
    RegistryError,
    RegistryUnavailable,
    SchemaNotFound,
    StaleDataWarning,
    Unauthorized,
    VersionNotFound,
)
from registry_client.refs import Ref, parse_ref
from registry_client.sync import SyncRegistryClient

__all__ = [
    "Ref",
    "RegistryClient",
    "RegistryError",
    "RegistryUnavailable",
    "SchemaNotFound",
    "StaleDataWarning",
    "SyncRegistryClient",
    "Unauthorized",
    "VersionNotFound",
    "parse_ref",
]
