"""Semantic oracle: whatever the engine calls BACKWARD-compatible keeps every old instance valid."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import InvalidArgument, Unsatisfiable
from hypothesis_jsonschema import from_schema
from jsonschema import Draft7Validator

import compat_rs
from tests.unit.compat.corpus import DRAFT07_STEMS, CorpusMissingError, load_cases
from tests.unit.compat.instance_probes import (
    fill_defaults,
    foreign_property_probes,
    probe_instances,
)
from tests.unit.compat.tick_mutations import tick_mutation_pairs

pytestmark = pytest.mark.oracle

GENERATED_PER_SCHEMA = 30
MIN_MUTATION_PAIRS = 200
MIN_PER_VERDICT = 30
SHOWN_COUNTEREXAMPLES = 8
MIN_GENERATED_SHARE = 0.5

# Breaking by construction: the oracle must find an instance for each whatever the engine says,
# or the oracle itself has gone blind (generation, probes or validation broke).
KNOWN_BREAKS = (
    "add required venue",
    "require side",
    "undo unrequire price",
    "undo add optional venue",
    "drop price",
    "price number to integer",
    "symbol string to integer",
    "side enum narrowed",
    "price minimum",
    "symbol maxLength",
    "size oneOf overlapping",
    "undo open content model",
    "price minimum 0 -> 1",
    "meta source required",
    "conditions maxItems",
)

# Fixed seed, generation only: CI checks the same instances on every run, in bounded time.
_GENERATION = settings(
    max_examples=GENERATED_PER_SCHEMA,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.generate],
    suppress_health_check=list(HealthCheck),
)


def _canonical(value: Any) -> str:
    # json, not orjson: generated integers can exceed 64 bits.
    return json.dumps(value, sort_keys=True)


def _dedupe(values: Iterable[Any]) -> list[Any]:
    unique: dict[str, Any] = {}
    for value in values:
        unique.setdefault(_canonical(value), value)
    return list(unique.values())


def _generate(schema: Any) -> list[Any] | None:
    """Up to GENERATED_PER_SCHEMA instances from hypothesis-jsonschema; None if it cannot."""
    examples: list[Any] = []
    try:
        # from_schema resolves references in place: give it a copy, never the pair itself.
        strategy = from_schema(copy.deepcopy(schema))

        @_GENERATION
        @given(strategy)
        def collect(instance: Any) -> None:
            examples.append(instance)

        collect()
    except (Unsatisfiable, InvalidArgument):
        return None
    return examples


@dataclass
class InstancePool:
    """Instances each old schema really accepts: generated examples plus boundary probes."""

    _instances: dict[str, list[Any]] = field(default_factory=dict)
    _generated: dict[str, bool] = field(default_factory=dict)

    def accepted_by(self, schema: Any) -> list[Any]:
        key = _canonical(schema)
        if key not in self._instances:
            examples = _generate(schema)
            self._generated[key] = examples is not None
            validator = Draft7Validator(schema)
            candidates = _dedupe([*(examples or []), *probe_instances(schema)])
            self._instances[key] = [c for c in candidates if validator.is_valid(c)]
        return self._instances[key]

    def had_generation(self, schema: Any) -> bool:
        return self._generated.get(_canonical(schema), False)


@dataclass(frozen=True)
class Judged:
    """The engine's verdict on one pair and the old instances the new schema rejects."""

    name: str
    old: Any
    new: Any
    compatible: bool
    error: str | None
    checked: int
    generated: bool
    witnesses: tuple[Any, ...]

    @property
    def counterexample(self) -> bool:
        return self.compatible and bool(self.witnesses)


def _rejected(old: Any, new: Any, instances: list[Any]) -> tuple[Any, ...]:
    # Readers fill declared defaults, so an omitted property with a default is not a break.
    validator = Draft7Validator(new)
    return tuple(
        instance
        for instance in instances
        if not validator.is_valid(fill_defaults(fill_defaults(instance, old, old), new, new))
    )


def _judge(name: str, old: Any, new: Any, pool: InstancePool) -> Judged:
    accepted = pool.accepted_by(old)
    old_validator = Draft7Validator(old)
    foreign = foreign_property_probes(old, new, accepted)
    instances = [*accepted, *(i for i in foreign if old_validator.is_valid(i))]
    try:
        compatible, error = compat_rs.diff(old, new).compatible, None
    except (ValueError, RecursionError) as exc:
        compatible, error = False, f"{type(exc).__name__}: {exc}"
    return Judged(
        name=name,
        old=old,
        new=new,
        compatible=compatible,
        error=error,
        checked=len(instances),
        generated=pool.had_generation(old),
        witnesses=_rejected(old, new, instances),
    )


def _summary(label: str, judged: list[Judged]) -> str:
    total = len(judged)
    compatible = sum(j.compatible for j in judged)
    breaking = total - compatible
    witnessed = sum(bool(j.witnesses) for j in judged if not j.compatible)
    generated = sum(j.generated for j in judged)
    instances = sum(j.checked for j in judged)
    counterexamples = sum(j.counterexample for j in judged)
    return (
        f"oracle {label}: {total} pairs, engine says {compatible} compatible / {breaking} "
        f"breaking ({witnessed} of those witnessed by an instance); hypothesis-jsonschema "
        f"generated for {generated}/{total} pairs (probes only for {total - generated}); "
        f"{instances} old-valid instances checked; {counterexamples} counterexamples"
    )


def _failure_report(judged: list[Judged]) -> str:
    errors = [f"{j.name}: engine raised {j.error}" for j in judged if j.error]
    bad = [j for j in judged if j.counterexample]
    lines = [*errors, f"{len(bad)} pairs called compatible have an old instance the new rejects:"]
    for j in bad[:SHOWN_COUNTEREXAMPLES]:
        lines += [
            f"--- {j.name}",
            f"old:      {json.dumps(j.old, sort_keys=True)}",
            f"new:      {json.dumps(j.new, sort_keys=True)}",
            f"instance: {json.dumps(j.witnesses[0], sort_keys=True)}",
        ]
    lines += [f"--- also: {j.name}" for j in bad[SHOWN_COUNTEREXAMPLES:]]
    return "\n".join(lines)


@pytest.fixture(scope="module")
def pool() -> InstancePool:
    return InstancePool()


def test_corpus_pairs_pass_the_oracle(pool: InstancePool, summary_lines: list[str]) -> None:
    try:
        cases = [case for stem in DRAFT07_STEMS for case in load_cases(stem)]
    except CorpusMissingError as exc:
        pytest.fail(str(exc))
    judged = [_judge(case.test_id, case.original, case.update, pool) for case in cases]
    summary_lines.append(_summary("draft-07 corpus", judged))
    assert not any(j.counterexample or j.error for j in judged), _failure_report(judged)


def test_tick_mutations_pass_the_oracle(pool: InstancePool, summary_lines: list[str]) -> None:
    pairs = tick_mutation_pairs()
    judged = [_judge(pair.name, pair.old, pair.new, pool) for pair in pairs]
    summary_lines.append(_summary("tick mutations", judged))
    assert len(pairs) >= MIN_MUTATION_PAIRS
    by_name = {j.name: j for j in judged}
    blind = [name for name in KNOWN_BREAKS if not by_name[name].witnesses]
    assert not blind, f"the oracle found no instance for known breaking edits: {blind}"
    generated = sum(j.generated for j in judged)
    assert generated >= MIN_GENERATED_SHARE * len(judged), f"generation ran for {generated} pairs"
    assert not any(j.counterexample or j.error for j in judged), _failure_report(judged)


def test_tick_mutations_include_both_verdicts() -> None:
    """Without enough of both kinds the oracle above could pass vacuously."""
    verdicts = [compat_rs.diff(pair.old, pair.new).compatible for pair in tick_mutation_pairs()]
    compatible = sum(verdicts)
    breaking = len(verdicts) - compatible
    assert compatible >= MIN_PER_VERDICT, f"only {compatible} compatible mutation pairs"
    assert breaking >= MIN_PER_VERDICT, f"only {breaking} breaking mutation pairs"
