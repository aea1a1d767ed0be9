"""One schema file: `<id>/<version>.json` bytes checked and prepared like a publish would be."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath

from service.domain.documents import PreparedDocument, parse_document, prepare
from service.domain.errors import DomainError, InvalidSchema, shown
from service.domain.ids import validate_schema_id
from service.domain.versions import Version


class FileProblem(Exception):
    """A schema file that cannot be used: unreadable, invalid, or misnamed."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message


@dataclass(frozen=True, slots=True)
class SchemaFile:
    """A valid schema file; `path` is how reports name it (`schemas/ticks_v1/1.0.0.json`)."""

    path: str
    prepared: PreparedDocument

    @property
    def schema_id(self) -> str:
        return self.prepared.schema_id

    @property
    def version(self) -> Version:
        return self.prepared.version


def file_path(root: str, schema_id: str, version: Version | str) -> str:
    """Where `schema_id`@`version` lives under `root`, as reports show it."""
    return str(PurePosixPath(root) / schema_id / f"{version}.json")


def split_relative(relative: str) -> tuple[str, str] | None:
    """`("ticks_v1", "1.0.0")` for `ticks_v1/1.0.0.json`; None for files that are not JSON.

    A JSON file anywhere else (`schemas/x.json`, `schemas/a/b/c.json`) is a problem: it would
    be silently ignored otherwise.
    """
    parts = PurePosixPath(relative).parts
    if not parts or not parts[-1].endswith(".json"):
        return None
    if len(parts) != 2:
        raise FileProblem(relative, "schema files live at <id>/<version>.json, one level deep")
    return parts[0], parts[1].removesuffix(".json")


def load_schema_file(path: str, schema_id: str, version_text: str, body: bytes) -> SchemaFile:
    """`body` checked as `schema_id`@`version_text`: JSON, naming, then the registry's rules."""
    try:
        schema_id = validate_schema_id(schema_id)
        version = Version.parse(version_text)
        doc = parse_document(body)
        for key, expected in (("id", schema_id), ("version", str(version))):
            if key not in doc:
                raise FileProblem(path, f"the document has no '{key}'; expected {expected!r}")
            if doc[key] != expected:
                raise FileProblem(
                    path,
                    f"the document's {key} {shown(doc[key])} disagrees with the file name "
                    f"({schema_id}/{version}.json)",
                )
        return SchemaFile(path, prepare(schema_id, version, doc))
    except InvalidSchema as exc:
        raise FileProblem(path, "; ".join(exc.problems)) from exc
    except DomainError as exc:
        raise FileProblem(path, exc.message) from exc
