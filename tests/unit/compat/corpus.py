"""Confluent's JSON Schema diff corpus, read in place from `../shared/conformance/confluent`."""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import compat_rs

REPO_ROOT = Path(__file__).resolve().parents[3]
# The corpus licence forbids shipping it, so it lives next to the repository, never inside it.
CORPUS_DIR = REPO_ROOT.parent / "shared" / "conformance" / "confluent"
DRAFT07_STEMS = ("diff-schema-examples", "diff-combined-schema-examples")
DRAFT2020_12_STEMS = ("diff-schema-examples-2020-12", "diff-combined-schema-examples-2020-12")

_TRAILING_COMMA = re.compile(r",\s*([}\]])")
_NOT_WORD = re.compile(r"[^a-z0-9]+")

Schema = dict[str, Any]


class CorpusMissingError(RuntimeError):
    """The shared conformance folder or one of its files is not where the tests expect it."""


@dataclass(frozen=True)
class Case:
    """One corpus case: a schema pair, the expected change multiset and both verdicts."""

    stem: str
    index: int
    description: str
    original: Schema
    update: Schema
    changes: tuple[str, ...]
    compatible: bool
    compatible_lenient: bool

    @property
    def key(self) -> tuple[str, int]:
        return (self.stem, self.index)

    @property
    def test_id(self) -> str:
        slug = _NOT_WORD.sub("-", self.description.lower()).strip("-")
        return f"{self.stem}-{self.index:03d}-{slug}"

    def expected_changes(self) -> Counter[str]:
        return Counter(self.changes)


def load_cases(stem: str) -> list[Case]:
    """All cases of `<stem>.json`; raises CorpusMissingError with the path when it is absent."""
    path = CORPUS_DIR / f"{stem}.json"
    if not path.is_file():
        raise CorpusMissingError(
            f"conformance corpus file {path} is missing: the tests read Confluent's cases from "
            f"{CORPUS_DIR} (a sibling of the repository, never copied into it)"
        )
    text = path.read_text(encoding="utf-8")
    try:
        raw = json.loads(text)
    except json.JSONDecodeError:
        # diff-schema-examples-2020-12.json has one trailing comma (upstream parses leniently).
        raw = json.loads(_TRAILING_COMMA.sub(r"\1", text))
    return [_case(stem, index, entry) for index, entry in enumerate(raw)]


def _case(stem: str, index: int, entry: dict[str, Any]) -> Case:
    compatible = bool(entry["compatible"])
    return Case(
        stem=stem,
        index=index,
        description=str(entry["description"]),
        original=entry["original_schema"],
        update=entry["update_schema"],
        changes=tuple(entry["changes"]),
        compatible=compatible,
        compatible_lenient=bool(entry.get("compatible_lenient", compatible)),
    )


def change_keys(result: compat_rs.DiffResult) -> Counter[str]:
    """The reported changes as a multiset of `"TYPE path"` strings, the corpus notation."""
    return Counter(f"{change.type} {change.path}" for change in result.changes)
