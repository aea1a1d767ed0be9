"""The SQLite store's tables and their migrations, versioned by `PRAGMA user_version`."""

from __future__ import annotations

import sqlite3

# MIGRATIONS[n] takes a file from user_version n to n + 1. Append only: a released step is
# never edited, because files already past it would never run the new text.
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        # The revision counter lives here rather than being derived from the events table so
        # that trimming old events (should history ever be bounded) cannot rewind it.
        """CREATE TABLE meta (
            key TEXT PRIMARY KEY,
            value INTEGER NOT NULL
        )""",
        "INSERT INTO meta (key, value) VALUES ('revision', 0)",
        """CREATE TABLE schemas (
            schema_id TEXT PRIMARY KEY,
            deleted INTEGER NOT NULL,
            mod_revision INTEGER NOT NULL,
            updated_at TEXT NOT NULL
        )""",
        # major/minor/patch duplicate `version` so SQL can sort semantically.
        """CREATE TABLE versions (
            schema_id TEXT NOT NULL REFERENCES schemas (schema_id) ON DELETE CASCADE,
            version TEXT NOT NULL,
            major INTEGER NOT NULL,
            minor INTEGER NOT NULL,
            patch INTEGER NOT NULL,
            document BLOB NOT NULL,
            fingerprint TEXT NOT NULL,
            created_at TEXT NOT NULL,
            revision INTEGER NOT NULL,
            PRIMARY KEY (schema_id, version)
        )""",
        # scope '' is the global config; ids are never empty.
        """CREATE TABLE configs (
            scope TEXT PRIMARY KEY,
            config TEXT NOT NULL
        )""",
        """CREATE TABLE events (
            revision INTEGER PRIMARY KEY,
            type TEXT NOT NULL,
            subject TEXT NOT NULL,
            time TEXT NOT NULL,
            data TEXT NOT NULL
        )""",
        """CREATE TABLE audit (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            time TEXT NOT NULL,
            principal TEXT NOT NULL,
            action TEXT NOT NULL,
            target TEXT NOT NULL,
            outcome TEXT NOT NULL,
            request_id TEXT NOT NULL,
            details TEXT NOT NULL
        )""",
        "CREATE INDEX audit_by_time ON audit (time, seq)",
    ),
    (
        # Who acted in which role, from where. '' for entries written before: the role and
        # address were not recorded then, and inventing them would falsify the log.
        "ALTER TABLE audit ADD COLUMN role TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE audit ADD COLUMN client TEXT NOT NULL DEFAULT ''",
    ),
)


class NewerLayout(Exception):
    """The file was migrated by a newer release than this one."""


def migrate(conn: sqlite3.Connection) -> None:
    """Bring the file to the latest layout, one transaction per step."""
    while True:
        # Re-read inside the write lock: another process may be migrating the same file.
        conn.execute("BEGIN IMMEDIATE")
        try:
            current = conn.execute("PRAGMA user_version").fetchone()[0]
            if current > len(MIGRATIONS):
                raise NewerLayout(
                    f"layout version {current} is newer than this release knows "
                    f"({len(MIGRATIONS)}); upgrade the registry"
                )
            if current == len(MIGRATIONS):
                conn.execute("COMMIT")
                return
            for statement in MIGRATIONS[current]:
                conn.execute(statement)
            # PRAGMA takes no parameters; `current` is an int read from the file.
            conn.execute(f"PRAGMA user_version = {current + 1}")
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
