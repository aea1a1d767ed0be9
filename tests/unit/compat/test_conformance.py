"""Conformance of the JSON Schema diff with Confluent's corpus and with COMPAT_RULES.md."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from jsonschema import Draft7Validator

import compat_rs
from tests.unit.compat.corpus import (
    CORPUS_DIR,
    DRAFT07_STEMS,
    DRAFT2020_12_STEMS,
    Case,
    CorpusMissingError,
    change_keys,
    load_cases,
)

COMPAT_RULES = CORPUS_DIR.parent.parent / "COMPAT_RULES.md"


@dataclass(frozen=True)
class Counterexample:
    """A corpus verdict we overrule, with the instance that proves the corpus wrong."""

    description: str
    instance: Any
    our_changes: tuple[str, ...]
    our_compatible: bool


# Decided by the lead: cases where the corpus is provably wrong. Every other case must match.
KNOWN_CORPUS_ERRORS: dict[tuple[str, int], Counterexample] = {
    # required ["foo"] -> ["bar"]: {"foo": "x"} is valid before and invalid after, yet the
    # corpus calls the change compatible and omits the new requirement.
    ("diff-schema-examples", 55): Counterexample(
        description="Detect required array to be changed",
        instance={"foo": "x"},
        our_changes=(
            "REQUIRED_ATTRIBUTE_REMOVED #/required/foo",
            "REQUIRED_ATTRIBUTE_ADDED #/required/bar",
        ),
        our_compatible=False,
    ),
}


@dataclass(frozen=True)
class MissingCorpus:
    """Stands in for the cases when the corpus cannot be read, so the test fails loudly."""

    message: str


@dataclass
class Tally:
    """Agreement with the corpus over the cases run in this session."""

    total: int = 0
    verdicts: int = 0
    change_lists: int = 0
    proven_errors: int = 0

    def line(self) -> str:
        plural = "" if self.proven_errors == 1 else "s"
        return (
            f"conformance draft-07: {self.verdicts}/{self.total} verdicts agree, "
            f"{self.change_lists}/{self.total} change lists agree "
            f"({self.proven_errors} proven corpus error{plural})"
        )


def _params(stems: tuple[str, ...]) -> list[object]:
    params: list[object] = []
    for stem in stems:
        try:
            cases = load_cases(stem)
        except CorpusMissingError as exc:
            params.append(pytest.param(MissingCorpus(str(exc)), id=f"{stem}-missing"))
            continue
        params.extend(pytest.param(case, id=case.test_id) for case in cases)
    return params


@pytest.fixture(scope="session")
def draft07_tally(summary_lines: list[str]) -> Iterator[Tally]:
    tally = Tally()
    yield tally
    summary_lines.append(tally.line())


def _proves_corpus_wrong(case: Case, known: Counterexample) -> None:
    assert case.description == known.description, (
        f"KNOWN_CORPUS_ERRORS entry {case.key} no longer points at {known.description!r} "
        f"(found {case.description!r}): the corpus changed, re-check the table"
    )
    before = Draft7Validator(case.original).is_valid(known.instance)
    after = Draft7Validator(case.update).is_valid(known.instance)
    assert before, f"{known.instance} should be valid under the original schema"
    assert not after, f"{known.instance} should be invalid under the update schema"


@pytest.mark.parametrize("case", _params(DRAFT07_STEMS))
def test_draft07_case(case: Case | MissingCorpus, draft07_tally: Tally) -> None:
    if isinstance(case, MissingCorpus):
        pytest.fail(case.message)
    draft07_tally.total += 1
    strict = compat_rs.diff(case.original, case.update, mode="BACKWARD", policy="STRICT")
    lenient = compat_rs.diff(case.original, case.update, mode="BACKWARD", policy="LENIENT")
    got = change_keys(strict)
    verdicts_agree = (strict.compatible, lenient.compatible) == (
        case.compatible,
        case.compatible_lenient,
    )
    draft07_tally.verdicts += verdicts_agree
    draft07_tally.change_lists += got == case.expected_changes()

    known = KNOWN_CORPUS_ERRORS.get(case.key)
    if known is None:
        why = _explain(case, case.changes, (case.compatible, case.compatible_lenient))
        assert got == case.expected_changes(), why(strict)
        assert strict.compatible == case.compatible, why(strict)
        assert lenient.compatible == case.compatible_lenient, why(lenient)
        return
    _proves_corpus_wrong(case, known)
    why = _explain(case, known.our_changes, (known.our_compatible, known.our_compatible))
    assert got == Counter(known.our_changes), why(strict)
    assert strict.compatible == known.our_compatible, why(strict)
    assert lenient.compatible == known.our_compatible, why(lenient)
    draft07_tally.proven_errors += 1


def _explain(
    case: Case, changes: tuple[str, ...], verdicts: tuple[bool, bool]
) -> Callable[[compat_rs.DiffResult], str]:
    def explain(result: compat_rs.DiffResult) -> str:
        return (
            f"{case.test_id} ({result.policy}): expected changes {sorted(changes)} "
            f"compatible={verdicts[0]} lenient={verdicts[1]}; "
            f"got {sorted(change_keys(result).elements())} compatible={result.compatible}"
        )

    return explain


def test_known_corpus_errors_point_at_draft07_cases() -> None:
    stems = {stem for stem, _ in KNOWN_CORPUS_ERRORS}
    assert stems <= set(DRAFT07_STEMS)


def test_draft2020_12_report(summary_lines: list[str]) -> None:
    """Non-blocking: counts agreement on the 2020-12 files; only a crash fails the test."""
    try:
        cases = [case for stem in DRAFT2020_12_STEMS for case in load_cases(stem)]
    except CorpusMissingError as exc:
        pytest.fail(str(exc))
    verdicts = change_lists = rejected = 0
    unexpected: list[str] = []
    for case in cases:
        try:
            strict = compat_rs.diff(case.original, case.update)
            lenient = compat_rs.diff(case.original, case.update, policy="LENIENT")
        except ValueError:
            rejected += 1
            continue
        except Exception as exc:
            unexpected.append(f"{case.test_id}: {type(exc).__name__}: {exc}")
            continue
        verdicts += (strict.compatible, lenient.compatible) == (
            case.compatible,
            case.compatible_lenient,
        )
        change_lists += change_keys(strict) == case.expected_changes()
    summary_lines.append(
        f"conformance 2020-12 (non-blocking): {verdicts}/{len(cases)} verdicts agree, "
        f"{change_lists}/{len(cases)} change lists agree, {rejected} rejected with ValueError"
    )
    assert not unexpected, "diff raised something other than ValueError:\n" + "\n".join(unexpected)


_JSON_ROW = re.compile(
    r"\|\s*`([A-Z_]+)`(?:\s*\(ours\))?\s*\|\s*(breaking|compatible)\s*\|\s*(breaking|compatible)\s*\|"
)
_ARROW_ROW = re.compile(r"\|\s*`(ARROW_[A-Z_]+)`\s*\|\s*([^|\n]+)\|")
_ANNOTATIONS = {
    "ID_CHANGED",
    "DESCRIPTION_CHANGED",
    "TITLE_CHANGED",
    "DEFAULT_CHANGED",
    "ARROW_METADATA_CHANGED",
}


def _documented_change_types() -> dict[str, tuple[bool, bool]]:
    if not COMPAT_RULES.is_file():
        pytest.fail(f"{COMPAT_RULES} is missing")
    text = COMPAT_RULES.read_text(encoding="utf-8")
    table = {
        name: (strict == "breaking", lenient == "breaking")
        for name, strict, lenient in _JSON_ROW.findall(text)
    }
    for name, cell in _ARROW_ROW.findall(text):
        verdict = cell.strip()
        if verdict.startswith("breaking (STRICT), compatible (LENIENT)"):
            table[name] = (True, False)
        else:
            breaking = verdict.startswith("breaking")
            table[name] = (breaking, breaking)
    return table


def test_change_types_follow_compat_rules() -> None:
    documented = _documented_change_types()
    assert len(documented) > 130, "the COMPAT_RULES.md tables could not be parsed"
    engine = {name: (strict, lenient) for name, strict, lenient, _ in compat_rs.change_types()}
    assert engine == documented
    annotations = {name for name, _, _, annotation in compat_rs.change_types() if annotation}
    assert annotations == _ANNOTATIONS
