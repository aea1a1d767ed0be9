"""The storage contract: records, events, errors and the `Store` protocol every backend meets.

Guarantees every backend (memory, SQLite, etcd) gives; the shared suite in `tests/contract/`
checks them against each one.

Revisions
    A store has one revision counter. Every committed change (a published version, a delete,
    a config update, an appended event) gets the next revision, exactly one above the previous
    one, and produces exactly one `Event` carrying that revision. 0 means nothing was ever
    committed. Revisions are never reused. Audit entries are not changes: they neither bump
    the revision nor appear as events. A backend whose native counter is shared with writers
    outside the registry keeps its own counter.

Atomicity
    A write commits its change and its event together: a reader or a watcher sees both or
    neither. `create_version` is a compare-and-swap on the schema id's `mod_revision`, so of two
    concurrent publishes that read the same record, exactly one wins.

Audit
    `create_version`, `delete` and `put_config` take an optional `audit` entry, committed in
    the same transaction as the change and its event (SQLite: one transaction; etcd: one Txn;
    memory: one critical section): a reader sees all three or none, and a watcher that has the
    event finds the entry in `list_audit`. The stored entry's `time` is the commit's own time
    stamp (the version's `created_at`, the event's `time`), whatever `time` the caller put in
    it. A refused write (`VersionExists`, `Conflict`, `NotFound`, `ValueError`, …) stores no
    entry: the caller records the rejection itself with `append_audit`, which appends an entry
    on its own, at the caller's time.

Durability and visibility
    A write returns only after the change is durably committed (SQLite: the WAL is fsynced;
    etcd: the raft quorum has it; the memory store is for tests and not durable). Once a write
    has returned, every later read through any store instance on the same backend sees it.
    A write that raises `StoreUnavailable` may or may not have been committed (the connection
    can drop after the commit): re-read before retrying.

Payloads
    Documents are opaque bytes: the store never parses or re-encodes them. Event data, configs
    and audit details must be JSON objects (`ValueError` otherwise); they are stored as JSON, so
    every read returns a fresh copy (tuples come back as lists, and mutating a returned dict
    never changes the store).

Ids
    Schema ids are non-empty strings (the id pattern is the domain's business). Listings sort
    them by code point, which is also the UTF-8 byte order etcd keys sort in.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

# Each part fits a signed 64-bit integer, the widest column SQLite (and most clients) hold.
MAX_VERSION_PART = 2**63 - 1
_VERSION = re.compile(r"(0|[1-9][0-9]{0,18})\.(0|[1-9][0-9]{0,18})\.(0|[1-9][0-9]{0,18})", re.ASCII)


def version_key(version: str) -> tuple[int, int, int]:
    """`(major, minor, patch)` of a `MAJOR.MINOR.PATCH` string; `ValueError` if malformed."""
    match = _VERSION.fullmatch(version)
    if match is None:
        raise ValueError(f"version {version[:40]!r} is not MAJOR.MINOR.PATCH")
    major, minor, patch = (int(part) for part in match.groups())
    if max(major, minor, patch) > MAX_VERSION_PART:
        raise ValueError(f"version parts must be at most {MAX_VERSION_PART}")
    return major, minor, patch


@dataclass(frozen=True, slots=True)
class NewVersion:
    """A version to publish: `document` is the canonical JSON the caller computed."""

    schema_id: str
    version: str
    document: bytes
    fingerprint: str

    def __post_init__(self) -> None:
        if not isinstance(self.schema_id, str) or not self.schema_id:
            raise ValueError("schema_id must be a non-empty string")
        version_key(self.version)
        if not isinstance(self.document, bytes) or not self.document:
            raise ValueError("document must be non-empty bytes")
        # Exports carry documents as text, so they must decode; canonical JSON is UTF-8.
        self.document.decode("utf-8")
        if not isinstance(self.fingerprint, str) or not self.fingerprint:
            raise ValueError("fingerprint must be a non-empty string")


@dataclass(frozen=True, slots=True)
class StoredVersion:
    """A committed version; `revision` is the revision of the commit that created it."""

    schema_id: str
    version: str
    document: bytes
    fingerprint: str
    created_at: str
    revision: int


@dataclass(frozen=True, slots=True)
class SchemaRecord:
    """A schema id with every version, sorted by semantic version ascending.

    `deleted` marks a soft delete (the versions are kept). `mod_revision` is the revision of
    the last change to this id (a version or a delete; config changes do not count): pass it
    back as `expected_mod_revision` to publish on top of what was read.
    """

    schema_id: str
    versions: tuple[StoredVersion, ...]
    deleted: bool
    updated_at: str
    mod_revision: int

    @property
    def latest(self) -> StoredVersion:
        """The highest version (a record always has at least one)."""
        return self.versions[-1]


@dataclass(frozen=True, slots=True)
class Event:
    """One committed change. `subject` is the schema id ("" for the global config)."""

    revision: int
    type: str
    subject: str
    time: str
    data: dict[str, Any]


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """Who did what to which target, with what outcome, when, and from where.

    `time` is RFC 3339 (stored normalised to UTC); `details` is a JSON object. `role` is the
    role the principal acted with ("reader", "ci-bot", "admin", or "" / "anonymous" when no
    token was checked) and `client` the client's address; both are opaque to the store. They
    come last and default to "" so entries written before they existed still read back.
    """

    principal: str
    action: str
    target: str
    outcome: str
    request_id: str
    time: str
    details: dict[str, Any]
    role: str = ""
    client: str = ""


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Every record (soft-deleted ones too) and every config, as of `revision`."""

    revision: int
    records: tuple[SchemaRecord, ...]
    global_config: dict[str, Any] | None
    configs: Mapping[str, dict[str, Any]]


@dataclass(frozen=True, slots=True)
class Governed:
    """A record and the configs that govern it (None where never put), as of one revision."""

    record: SchemaRecord | None
    global_config: dict[str, Any] | None
    config: dict[str, Any] | None


VERSION_CREATED = "schema.version.created"
SCHEMA_DELETED = "schema.deleted"
CONFIG_UPDATED = "schema.config.updated"


class StoreError(Exception):
    """Base of every error a store raises on purpose."""


class Conflict(StoreError):
    """The write lost a compare-and-swap or contradicts the stored state."""


class VersionExists(Conflict):
    """The exact version string is already stored for the id (soft-deleted ones included)."""


class NotFound(StoreError):
    """The schema id does not exist (or, for a soft delete, is already soft-deleted)."""


class StoreUnavailable(StoreError):
    """The backend cannot serve the call (down, locked, I/O error, closed); the API says 503."""


class HistoryCompacted(StoreError):
    """`watch(since)` cannot resume: the history after `since` is gone or belongs elsewhere."""


class Store(Protocol):
    """The async storage contract; see the module docstring for the shared guarantees.

    Lifecycle: `start()` before any other call, `close()` once at the end. Every call on a
    store that is not started, or is closed, raises `StoreUnavailable`.
    """

    async def start(self) -> None:
        """Connect, create or migrate the backend's layout; `StoreUnavailable` if unusable."""

    async def close(self) -> None:
        """Release every resource; running watches end with `StoreUnavailable`. Idempotent."""

    async def revision(self) -> int:
        """The revision of the last committed change, 0 for a store that never had one."""

    async def get(self, schema_id: str) -> SchemaRecord | None:
        """The record of `schema_id` (soft-deleted ones too), or None if it does not exist."""

    async def list_ids(
        self,
        prefix: str = "",
        limit: int = 100,
        after: str | None = None,
        *,
        include_deleted: bool = False,
    ) -> list[SchemaRecord]:
        """Up to `limit` (>= 1) records whose id starts with `prefix` (literal text), by id.

        `after` is the cursor: only ids strictly greater than it are returned, so the next
        page starts after the last id of this one. Soft-deleted records are skipped unless
        `include_deleted`.
        """

    async def snapshot(self) -> Snapshot:
        """Every record and config, consistent at one revision.

        A reader that loads a snapshot and then follows `watch(snapshot.revision)` misses no
        change and sees none twice; that is how a read index starts.
        """

    async def create_version(
        self,
        version: NewVersion,
        *,
        expected_mod_revision: int,
        event_data: dict[str, Any],
        audit: AuditEntry | None = None,
    ) -> StoredVersion:
        """Commit `version` if the id's `mod_revision` is still `expected_mod_revision`.

        `expected_mod_revision` 0 means the id must not exist (never published, or
        permanently deleted). Publishing to a soft-deleted id revives it: pass the deleted
        record's `mod_revision`; its old versions come back with it. Raises `VersionExists`
        if the version string is already stored for the id (checked first: retrying cannot
        help), else `Conflict` if `mod_revision` moved. The same transaction appends one
        `schema.version.created` event whose data is `event_data` with `id` and `version`
        set by the store, and `audit` (if given) timed at the version's `created_at`; a
        refused publish stores no audit entry. `ValueError` (nothing written) if
        `event_data` or `audit.details` is not a JSON object.
        """

    async def delete(
        self,
        schema_id: str,
        *,
        permanent: bool,
        event_data: dict[str, Any],
        audit: AuditEntry | None = None,
    ) -> int:
        """Soft-delete `schema_id`, or remove it for good; returns the commit's revision.

        A soft delete marks a live id deleted, keeping its versions (`NotFound` if the id is
        absent or already soft-deleted). A permanent delete removes a soft-deleted id and every
        version, freeing the id (`Conflict` if it was not soft-deleted first, `NotFound` if
        absent). Configs are independent of records and survive both. One `schema.deleted`
        event, data `event_data` with `id` and `permanent` set by the store; `audit` (if given)
        commits with it, timed at the event's `time`. A refused delete stores no audit entry.
        """

    async def get_config(self, schema_id: str | None) -> dict[str, Any] | None:
        """The config stored for `schema_id` (None: the global one), None if never put."""

    async def get_governed(self, schema_id: str) -> Governed:
        """`schema_id`'s record (None if absent) with the global config and its own, read at
        one revision: what a publish checks against, in one round trip to a remote store."""

    async def put_config(
        self,
        schema_id: str | None,
        config: dict[str, Any],
        *,
        event_data: dict[str, Any],
        audit: AuditEntry | None = None,
    ) -> int:
        """Replace the config of `schema_id` (None: global); returns the commit's revision.

        The id need not exist. One `schema.config.updated` event, subject the id ("" for
        global), data `event_data` with `id` (None for global) and `config` set by the store;
        `audit` (if given) commits with it, timed at the event's `time`. A refused put
        (`ValueError`: empty id, config not a JSON object) stores no audit entry.
        """

    async def append_event(self, type: str, subject: str, data: dict[str, Any]) -> int:
        """Commit an event that changes no record (`validation.failure.reported`, …).

        Any non-empty `type` is accepted; `data` is stored as given. Returns its revision.
        """

    async def append_audit(self, entry: AuditEntry) -> None:
        """Durably append `entry` on its own (a rejected write, …), at the entry's own time,
        normalised to UTC (`ValueError` if unparsable). An entry that records a committed change
        goes with the change instead (`audit=`), so that the two cannot part."""

    async def list_audit(self, since: str | None = None, limit: int = 100) -> list[AuditEntry]:
        """Up to `limit` entries timed at or after `since`, oldest first (ties: append order)."""

    def watch(self, since: int) -> AsyncIterator[Event]:
        """Every event with revision > `since`, in revision order, without gaps or repeats.

        The stored history comes first, then live events as they commit; the stream ends only
        when the consumer stops (cancel the task or `aclose()`; nothing keeps running). Raises
        `HistoryCompacted` on the first iteration if the event after `since` is no longer
        retained, or `since` is ahead of the store's revision (the store was replaced): the
        consumer re-reads a snapshot. Raises `StoreUnavailable` if the backend fails or the
        store closes; the consumer may resume with `watch(last revision it saw)`.
        Retention: every backend keeps every event (etcd as keys, so its compaction loses none).
        Latency: in-process writes are delivered at once; SQLite writes by another process
        within its poll interval.
        """
        ...

    async def export(self) -> dict[str, Any]:
        """A JSON-ready dump of the content: records, configs and the audit log (`dump.py`)."""

    async def import_(self, dump: Mapping[str, Any]) -> None:
        """Load an `export()` dump (any format_version `dump.py` reads) into a store that has
        no committed change yet.

        The whole dump is validated first (`ValueError`, nothing written); `Conflict` if the
        store's revision is not 0 (audit entries alone do not count: they are kept, and the
        dump's are added). The content comes back exactly (documents, fingerprints, created_at,
        updated_at, deleted flags, configs, audit entries) but revisions do not, since they
        belong to the backend that commits (etcd's cannot be set): the dump is replayed as
        ordinary changes, so watchers and indexes need nothing special. That is one
        `schema.version.created` per version in its original commit order (event time = its
        created_at), then one `schema.deleted` per soft-deleted id, then one
        `schema.config.updated` per config (global first), each with `"imported": true` in its
        data. The source's event history is not part of a dump. Memory and SQLite commit the
        whole import in one transaction; etcd commits one change per transaction (it caps the
        operations of one), so a failed import leaves the changes before the failure.
        """
