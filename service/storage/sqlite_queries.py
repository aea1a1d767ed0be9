"""The SQLite store's transactions: plain blocking functions, run on the store's one thread."""

from __future__ import annotations

import dataclasses
import sqlite3
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import orjson

from service.storage import timestamps
from service.storage.codec import decode_object, encode_object
from service.storage.contract import (
    CONFIG_UPDATED,
    SCHEMA_DELETED,
    VERSION_CREATED,
    AuditEntry,
    Conflict,
    Event,
    NewVersion,
    NotFound,
    SchemaRecord,
    Snapshot,
    StoredVersion,
    VersionExists,
    version_key,
)
from service.storage.dump import IMPORTED, ConfigStep, DeleteStep, ImportPlan, VersionStep

T = TypeVar("T")

_RECORD_COLUMNS = """s.schema_id, s.deleted, s.mod_revision, s.updated_at,
    v.version, v.document, v.fingerprint, v.created_at, v.revision"""
_RECORD_ORDER = "ORDER BY s.schema_id, v.major, v.minor, v.patch"
_AUDIT_COLUMNS = "principal, action, target, outcome, request_id, time, details, role, client"


def read(conn: sqlite3.Connection, body: Callable[[sqlite3.Connection], T]) -> T:
    """Run `body` in one read transaction, so its queries see a single commit."""
    return _transaction(conn, "BEGIN", body)


def write(conn: sqlite3.Connection, body: Callable[[sqlite3.Connection], T]) -> T:
    """Run `body` holding the write lock from its first read; commit (fsync) or roll back."""
    return _transaction(conn, "BEGIN IMMEDIATE", body)


def _transaction(
    conn: sqlite3.Connection, begin: str, body: Callable[[sqlite3.Connection], T]
) -> T:
    conn.execute(begin)
    try:
        result = body(conn)
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    return result


def revision(conn: sqlite3.Connection) -> int:
    row = conn.execute("SELECT value FROM meta WHERE key = 'revision'").fetchone()
    return int(row[0])


def _records(rows: Iterable[tuple[Any, ...]]) -> list[SchemaRecord]:
    # One row per version, sorted by id then version; dicts keep that insertion order.
    grouped: dict[str, tuple[tuple[Any, ...], list[StoredVersion]]] = {}
    for row in rows:
        _, versions = grouped.setdefault(row[0], (row, []))
        versions.append(StoredVersion(row[0], row[4], bytes(row[5]), row[6], row[7], row[8]))
    return [
        SchemaRecord(head[0], tuple(versions), bool(head[1]), head[3], head[2])
        for head, versions in grouped.values()
    ]


def get(conn: sqlite3.Connection, schema_id: str) -> SchemaRecord | None:
    rows = conn.execute(
        f"SELECT {_RECORD_COLUMNS} FROM schemas s JOIN versions v USING (schema_id) "
        f"WHERE s.schema_id = ? {_RECORD_ORDER}",
        (schema_id,),
    )
    records = _records(rows)
    return records[0] if records else None


def list_ids(
    conn: sqlite3.Connection, prefix: str, limit: int, after: str | None, include_deleted: bool
) -> list[SchemaRecord]:
    # `schema_id >= prefix` lets the primary key index find the start of the range.
    rows = conn.execute(
        f"""WITH page AS (
                SELECT schema_id FROM schemas
                WHERE schema_id >= :prefix AND substr(schema_id, 1, :length) = :prefix
                  AND (:after IS NULL OR schema_id > :after)
                  AND (:include_deleted OR deleted = 0)
                ORDER BY schema_id LIMIT :limit)
            SELECT {_RECORD_COLUMNS} FROM page
            JOIN schemas s USING (schema_id) JOIN versions v USING (schema_id) {_RECORD_ORDER}""",
        {
            "prefix": prefix,
            "length": len(prefix),
            "after": after,
            "include_deleted": include_deleted,
            "limit": limit,
        },
    )
    return _records(rows)


def snapshot(conn: sqlite3.Connection) -> Snapshot:
    rows = conn.execute(
        f"SELECT {_RECORD_COLUMNS} FROM schemas s JOIN versions v USING (schema_id) {_RECORD_ORDER}"
    )
    records = tuple(_records(rows))
    configs = {
        scope: decode_object(config)
        for scope, config in conn.execute("SELECT scope, config FROM configs ORDER BY scope")
    }
    global_config = configs.pop("", None)
    return Snapshot(revision(conn), records, global_config, configs)


def _append_event(
    conn: sqlite3.Connection, type: str, subject: str, now: str, data: dict[str, Any]
) -> int:
    new_revision = revision(conn) + 1
    conn.execute("UPDATE meta SET value = ? WHERE key = 'revision'", (new_revision,))
    conn.execute(
        "INSERT INTO events (revision, type, subject, time, data) VALUES (?, ?, ?, ?, ?)",
        (new_revision, type, subject, now, orjson.dumps(data).decode()),
    )
    return new_revision


def append_event(conn: sqlite3.Connection, type: str, subject: str, data: dict[str, Any]) -> int:
    return _append_event(conn, type, subject, timestamps.now(), data)


def create_version(
    conn: sqlite3.Connection,
    new: NewVersion,
    expected: int,
    data: dict[str, Any],
    audit: AuditEntry | None = None,
) -> StoredVersion:
    exists = conn.execute(
        "SELECT 1 FROM versions WHERE schema_id = ? AND version = ?",
        (new.schema_id, new.version),
    ).fetchone()
    if exists:
        raise VersionExists(f"{new.schema_id} {new.version} already exists")
    row = conn.execute(
        "SELECT mod_revision FROM schemas WHERE schema_id = ?", (new.schema_id,)
    ).fetchone()
    current = row[0] if row else 0
    if current != expected:
        raise Conflict(
            f"{new.schema_id} changed: expected mod_revision {expected}, found {current}"
        )
    now = timestamps.now()
    stored = _commit_version(conn, new, data, now)
    _audit_change(conn, audit, now)
    return stored


def _commit_version(
    conn: sqlite3.Connection, new: NewVersion, data: dict[str, Any], now: str
) -> StoredVersion:
    event = {**data, "id": new.schema_id, "version": new.version}
    rev = _append_event(conn, VERSION_CREATED, new.schema_id, now, event)
    conn.execute(
        """INSERT INTO schemas (schema_id, deleted, mod_revision, updated_at) VALUES (?, 0, ?, ?)
           ON CONFLICT (schema_id) DO UPDATE
           SET deleted = 0, mod_revision = excluded.mod_revision, updated_at = excluded.updated_at
        """,
        (new.schema_id, rev, now),
    )
    major, minor, patch = version_key(new.version)
    conn.execute(
        "INSERT INTO versions (schema_id, version, major, minor, patch, document, fingerprint,"
        " created_at, revision) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (new.schema_id, new.version, major, minor, patch, new.document, new.fingerprint, now, rev),
    )
    return StoredVersion(new.schema_id, new.version, new.document, new.fingerprint, now, rev)


def delete(
    conn: sqlite3.Connection,
    schema_id: str,
    permanent: bool,
    data: dict[str, Any],
    audit: AuditEntry | None = None,
) -> int:
    row = conn.execute("SELECT deleted FROM schemas WHERE schema_id = ?", (schema_id,)).fetchone()
    if row is None or (row[0] and not permanent):
        raise NotFound(f"schema {schema_id} {'is already soft-deleted' if row else 'not found'}")
    if permanent and not row[0]:
        raise Conflict(f"schema {schema_id} must be soft-deleted before a permanent delete")
    now = timestamps.now()
    rev = _commit_delete(conn, schema_id, permanent, data, now)
    _audit_change(conn, audit, now)
    return rev


def _commit_delete(
    conn: sqlite3.Connection, schema_id: str, permanent: bool, data: dict[str, Any], now: str
) -> int:
    event = {**data, "id": schema_id, "permanent": permanent}
    rev = _append_event(conn, SCHEMA_DELETED, schema_id, now, event)
    if permanent:
        conn.execute("DELETE FROM versions WHERE schema_id = ?", (schema_id,))
        conn.execute("DELETE FROM schemas WHERE schema_id = ?", (schema_id,))
    else:
        conn.execute(
            "UPDATE schemas SET deleted = 1, mod_revision = ?, updated_at = ? WHERE schema_id = ?",
            (rev, now, schema_id),
        )
    return rev


def get_config(conn: sqlite3.Connection, schema_id: str | None) -> dict[str, Any] | None:
    row = conn.execute("SELECT config FROM configs WHERE scope = ?", (schema_id or "",)).fetchone()
    return decode_object(row[0]) if row else None


def put_config(
    conn: sqlite3.Connection,
    schema_id: str | None,
    config: bytes,
    data: dict[str, Any],
    audit: AuditEntry | None = None,
) -> int:
    conn.execute(
        "INSERT INTO configs (scope, config) VALUES (?, ?)"
        " ON CONFLICT (scope) DO UPDATE SET config = excluded.config",
        (schema_id or "", config.decode()),
    )
    event = {**data, "id": schema_id, "config": decode_object(config)}
    now = timestamps.now()
    rev = _append_event(conn, CONFIG_UPDATED, schema_id or "", now, event)
    _audit_change(conn, audit, now)
    return rev


def _audit_change(conn: sqlite3.Connection, audit: AuditEntry | None, now: str) -> None:
    # In the change's transaction and timed as its commit: the entry cannot outlive a rollback.
    if audit is not None:
        stamped = dataclasses.replace(audit, time=now)
        append_audit(conn, stamped, encode_object(audit.details, "audit details"))


def append_audit(conn: sqlite3.Connection, entry: AuditEntry, details: bytes) -> None:
    conn.execute(
        f"INSERT INTO audit ({_AUDIT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            entry.principal,
            entry.action,
            entry.target,
            entry.outcome,
            entry.request_id,
            entry.time,
            details.decode(),
            entry.role,
            entry.client,
        ),
    )


def list_audit(conn: sqlite3.Connection, since: str, limit: int | None) -> list[AuditEntry]:
    rows = conn.execute(
        f"SELECT {_AUDIT_COLUMNS} FROM audit WHERE time >= ? ORDER BY time, seq LIMIT ?",
        (since, -1 if limit is None else limit),
    )
    return [
        AuditEntry(
            principal=row[0],
            action=row[1],
            target=row[2],
            outcome=row[3],
            request_id=row[4],
            time=row[5],
            details=decode_object(row[6]),
            role=row[7],
            client=row[8],
        )
        for row in rows
    ]


def events_after(conn: sqlite3.Connection, position: int, limit: int) -> tuple[list[Event], int]:
    """Up to `limit` events after `position`, and the revision they were read at."""
    rows = conn.execute(
        "SELECT revision, type, subject, time, data FROM events"
        " WHERE revision > ? ORDER BY revision LIMIT ?",
        (position, limit),
    )
    events = [Event(row[0], row[1], row[2], row[3], decode_object(row[4])) for row in rows]
    return events, revision(conn)


def import_plan(conn: sqlite3.Connection, plan: ImportPlan) -> int:
    current = revision(conn)
    if current:
        raise Conflict(f"import needs an empty store, not one at revision {current}")
    for step in plan.steps:
        match step:
            case VersionStep():
                _commit_version(conn, step.version, IMPORTED, step.created_at)
            case DeleteStep():
                _commit_delete(conn, step.schema_id, False, IMPORTED, step.time)
            case ConfigStep():
                put_config(conn, step.schema_id, encode_object(step.config, "config"), IMPORTED)
    for entry in plan.audit:
        append_audit(conn, entry, encode_object(entry.details, "audit details"))
    return revision(conn)
