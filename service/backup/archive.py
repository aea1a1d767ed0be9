"""The logical backup archive: a store dump as gzip-compressed JSON lines, and back.

Layout (one JSON object per line, UTF-8, gzip-compressed as a whole)::

    {"format": "schema-registry-backup", "format_version": 1, "dump_format": "…",
     "dump_format_version": 2, "revision": 12, "exported_at": "…Z",
     "counts": {"schemas": 3, "versions": 7, "configs": 2, "audit": 9}}
    {"kind": "schema", "schema": {<one entry of the dump's "schemas">}}
    {"kind": "config", "id": null | "ticks_v1", "config": {…}}
    {"kind": "audit", "entry": {<one entry of the dump's "audit">}}

Lines after the header come in that order (schemas, then configs, global first, then audit
entries oldest first). The header's counts are checked on reading, so a truncated archive is
refused even when its gzip stream happens to end cleanly.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import orjson

FORMAT = "schema-registry-backup"
FORMAT_VERSION = 1
# A decompressed archive larger than this is refused: a few bytes of gzip must not be able to
# exhaust the restoring machine's memory. Registries hold megabytes, not gigabytes.
MAX_DECOMPRESSED = 1 << 30


class ArchiveError(ValueError):
    """The bytes are not a readable backup archive (not gzip, not JSON lines, wrong format)."""


@dataclass(frozen=True, slots=True)
class Archive:
    """An encoded archive: the compressed bytes, their sha256, and what they hold."""

    data: bytes
    sha256: str
    revision: int
    schemas: int
    versions: int


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def encode(dump: Mapping[str, Any]) -> Archive:
    """The archive of an `export()` dump (CPU-bound: callers run it in a thread)."""
    schemas = list(dump["schemas"])
    configs = dump["configs"]
    per_id: Mapping[str, Any] = configs["schemas"]
    config_lines: list[tuple[str | None, Any]] = []
    if configs["global"] is not None:
        config_lines.append((None, configs["global"]))
    config_lines.extend((schema_id, per_id[schema_id]) for schema_id in sorted(per_id))
    audit = list(dump["audit"])
    versions = sum(len(schema["versions"]) for schema in schemas)
    header = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "dump_format": dump["format"],
        "dump_format_version": dump["format_version"],
        "revision": dump["revision"],
        "exported_at": dump["exported_at"],
        "counts": {
            "schemas": len(schemas),
            "versions": versions,
            "configs": len(config_lines),
            "audit": len(audit),
        },
    }
    lines: list[Any] = [header]
    lines.extend({"kind": "schema", "schema": schema} for schema in schemas)
    lines.extend({"kind": "config", "id": key, "config": value} for key, value in config_lines)
    lines.extend({"kind": "audit", "entry": entry} for entry in audit)
    text = b"".join(orjson.dumps(line) + b"\n" for line in lines)
    # mtime=0: the same dump always compresses to the same bytes (and the same sha256).
    data = gzip.compress(text, compresslevel=6, mtime=0)
    return Archive(data, sha256(data), int(dump["revision"]), len(schemas), versions)


def decode(data: bytes) -> dict[str, Any]:
    """The dump an archive holds, ready for `Store.import_`; `ArchiveError` on any defect."""
    lines = _lines(_gunzip(data))
    header = _object(next(lines, None), 1, "the header")
    if header.get("format") != FORMAT:
        raise ArchiveError(f"not a schema registry backup: format is not {FORMAT!r}")
    if header.get("format_version") != FORMAT_VERSION:
        raise ArchiveError(
            f"backup format_version {header.get('format_version')!r} is not readable "
            f"(this tool reads {FORMAT_VERSION})"
        )
    dump: dict[str, Any] = {
        "format": header.get("dump_format"),
        "format_version": header.get("dump_format_version"),
        "revision": header.get("revision"),
        "exported_at": header.get("exported_at"),
        "schemas": [],
        "configs": {"global": None, "schemas": {}},
        "audit": [],
    }
    counts = {"schemas": 0, "configs": 0, "audit": 0}
    for number, raw in enumerate(lines, start=2):
        line = _object(raw, number, "a record")
        kind = line.get("kind")
        if kind == "schema":
            dump["schemas"].append(line.get("schema"))
        elif kind == "config":
            _add_config(dump["configs"], line, number)
        elif kind == "audit":
            dump["audit"].append(line.get("entry"))
        else:
            raise ArchiveError(f"line {number}: unknown kind {str(kind)[:40]!r}")
        counts[str(kind) + ("" if kind == "audit" else "s")] += 1
    _check_counts(header, counts)
    return dump


def _gunzip(data: bytes) -> bytes:
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as stream:
            text = stream.read(MAX_DECOMPRESSED + 1)
    except (OSError, EOFError, zlib.error) as exc:
        raise ArchiveError(f"not a gzip archive or truncated: {exc}") from None
    if len(text) > MAX_DECOMPRESSED:
        raise ArchiveError(f"archive decompresses to more than {MAX_DECOMPRESSED} bytes")
    return text


def _lines(text: bytes) -> Iterator[bytes]:
    for line in text.split(b"\n"):
        if line.strip():
            yield line


def _object(raw: bytes | None, number: int, what: str) -> dict[str, Any]:
    if raw is None:
        raise ArchiveError("empty archive: no header line")
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise ArchiveError(f"line {number} ({what}) is not JSON: {exc}") from None
    if not isinstance(value, dict):
        raise ArchiveError(f"line {number} ({what}) is not a JSON object")
    return value


def _add_config(configs: dict[str, Any], line: Mapping[str, Any], number: int) -> None:
    schema_id = line.get("id")
    if schema_id is None:
        if configs["global"] is not None:
            raise ArchiveError(f"line {number}: a second global config")
        configs["global"] = line.get("config")
    elif isinstance(schema_id, str) and schema_id not in configs["schemas"]:
        configs["schemas"][schema_id] = line.get("config")
    else:
        raise ArchiveError(f"line {number}: config id {str(schema_id)[:40]!r} invalid or repeated")


def _check_counts(header: Mapping[str, Any], counts: Mapping[str, int]) -> None:
    expected = header.get("counts")
    if not isinstance(expected, Mapping):
        raise ArchiveError("header has no counts")
    for name, found in counts.items():
        if expected.get(name) != found:
            raise ArchiveError(
                f"archive holds {found} {name} lines, its header says {expected.get(name)!r} "
                "(truncated or edited)"
            )
