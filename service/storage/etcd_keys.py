"""The etcd key layout under one prefix, and the JSON values stored at each key.

    <prefix>revision                      the registry's revision counter (decimal)
    <prefix>heads/<id>                    {"deleted", "updated_at", "mod_revision"} of an id
    <prefix>cas/<id>                      the id's mod_revision (decimal): what publishes compare
    <prefix>versions/<id%>/<semver key>   {"version", "fingerprint", "created_at", "revision"},
                                           a newline, then the document's bytes as published;
                                           <id%> percent-encoded, <semver key> zero-padded so
                                           keys sort by semantic version
    <prefix>configs/global                the global config (JSON object)
    <prefix>configs/ids/<id>              one id's config
    <prefix>events/<revision, 20 digits>  {"type", "subject", "time", "data"}
    <prefix>audit/<time>/<uuid>           {"principal", "action", "target", "outcome",
                                           "request_id", "time", "details", "role", "client"};
                                           entries written before role and client existed
                                           lack them and read as ""

Heads are keyed by the raw id so a range lists ids in code point order (UTF-8 byte order).
The counter is the registry's own: etcd's revision also moves for audit entries and for any
other writer on the cluster, and the contract wants one revision per change, without gaps.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote

import orjson

from service.storage.codec import decode_object
from service.storage.contract import AuditEntry, Event, StoredVersion, version_key

DEFAULT_PREFIX = "/schema-registry/"
_REVISION_DIGITS = 20


def range_end(prefix: bytes) -> bytes:
    """The first key after every key starting with `prefix`."""
    trimmed = prefix.rstrip(b"\xff")
    if not trimmed:
        return b"\x00"
    return trimmed[:-1] + bytes([trimmed[-1] + 1])


@dataclass(frozen=True, slots=True)
class Keys:
    """Every key of one registry, under `prefix`."""

    prefix: bytes

    @classmethod
    def under(cls, prefix: str) -> Keys:
        if not prefix.startswith("/") or not prefix.endswith("/"):
            raise ValueError(f"etcd key prefix {prefix[:60]!r} must start and end with '/'")
        return cls(prefix.encode())

    @property
    def revision(self) -> bytes:
        return self.prefix + b"revision"

    @property
    def heads(self) -> bytes:
        return self.prefix + b"heads/"

    def head(self, schema_id: str) -> bytes:
        return self.heads + schema_id.encode()

    def schema_id_of_head(self, key: bytes) -> str:
        return key[len(self.heads) :].decode()

    def cas(self, schema_id: str) -> bytes:
        return self.prefix + b"cas/" + schema_id.encode()

    @property
    def all_versions(self) -> bytes:
        return self.prefix + b"versions/"

    def versions(self, schema_id: str) -> bytes:
        return self.all_versions + quote(schema_id, safe="").encode() + b"/"

    def version(self, schema_id: str, version: str) -> bytes:
        major, minor, patch = version_key(version)
        return self.versions(schema_id) + f"{major:020d}.{minor:020d}.{patch:020d}".encode()

    def schema_id_of_version(self, key: bytes) -> str:
        encoded = key[len(self.all_versions) :].split(b"/", 1)[0]
        return unquote(encoded.decode())

    @property
    def configs(self) -> bytes:
        return self.prefix + b"configs/"

    def config(self, schema_id: str | None) -> bytes:
        if schema_id is None:
            return self.configs + b"global"
        return self.configs + b"ids/" + schema_id.encode()

    def schema_id_of_config(self, key: bytes) -> str | None:
        rest = key[len(self.configs) :]
        return None if rest == b"global" else rest.removeprefix(b"ids/").decode()

    @property
    def events(self) -> bytes:
        return self.prefix + b"events/"

    def event(self, revision: int) -> bytes:
        return self.events + str(revision).zfill(_REVISION_DIGITS).encode()

    def revision_of_event(self, key: bytes) -> int:
        return int(key[len(self.events) :])

    @property
    def audit(self) -> bytes:
        return self.prefix + b"audit/"

    def audit_entry(self, time: str, unique: str) -> bytes:
        return self.audit + time.encode() + b"/" + unique.encode()


# -- values -----------------------------------------------------------------------------------


def encode_head(deleted: bool, updated_at: str, mod_revision: int) -> bytes:
    head = {"deleted": deleted, "updated_at": updated_at, "mod_revision": mod_revision}
    return orjson.dumps(head)


def decode_head(value: bytes) -> tuple[bool, str, int]:
    head = decode_object(value)
    return bool(head["deleted"]), str(head["updated_at"]), int(head["mod_revision"])


def encode_version(stored: StoredVersion) -> bytes:
    # The document follows its metadata raw: as a JSON string its quotes would be escaped,
    # which can double it past etcd's request limit (1.5 MiB by default).
    meta = {
        "version": stored.version,
        "fingerprint": stored.fingerprint,
        "created_at": stored.created_at,
        "revision": stored.revision,
    }
    return orjson.dumps(meta) + b"\n" + stored.document


def decode_version(schema_id: str, value: bytes) -> StoredVersion:
    # orjson writes no newline, so the first one ends the metadata.
    meta, _, document = value.partition(b"\n")
    raw = decode_object(meta)
    return StoredVersion(
        schema_id,
        raw["version"],
        document,
        raw["fingerprint"],
        raw["created_at"],
        int(raw["revision"]),
    )


def encode_event(type: str, subject: str, time: str, data: dict[str, Any]) -> bytes:
    return orjson.dumps({"type": type, "subject": subject, "time": time, "data": data})


def decode_event(revision: int, value: bytes) -> Event:
    raw = decode_object(value)
    return Event(revision, raw["type"], raw["subject"], raw["time"], raw["data"])


def encode_audit(entry: AuditEntry, time: str) -> bytes:
    """`entry` as stored, with `time` (normalised by the caller) in place of its own."""
    return orjson.dumps(
        {
            "principal": entry.principal,
            "action": entry.action,
            "target": entry.target,
            "outcome": entry.outcome,
            "request_id": entry.request_id,
            "time": time,
            "details": entry.details,
            "role": entry.role,
            "client": entry.client,
        }
    )


def decode_audit(value: bytes) -> AuditEntry:
    raw = decode_object(value)
    return AuditEntry(
        principal=raw["principal"],
        action=raw["action"],
        target=raw["target"],
        outcome=raw["outcome"],
        request_id=raw["request_id"],
        time=raw["time"],
        details=raw["details"],
        # Absent from entries written before the two fields existed.
        role=raw.get("role", ""),
        client=raw.get("client", ""),
    )
