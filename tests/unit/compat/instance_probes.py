"""Instances for the semantic oracle: boundary probes computed from a schema, default filling."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable
from typing import Any, TypeGuard

from jsonschema import Draft7Validator

Schema = dict[str, Any]

_GENERIC: tuple[Any, ...] = (None, True, False, 0, 1, -1, 2.5, "", "x", [], {})
_STRINGS = ("B", "S", "AAPL", "XNAS", "2024-01-02T03:04:05Z", "2024-01-02", "abc", "A.B")
_BIG_INTEGERS = (2**31 - 1, 2**31, -(2**31) - 1, 2**53 + 1)
_BOUND_KEYWORDS = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum")
_MAX_DEPTH = 2
_MAX_HOPS = 64
_PER_PROPERTY = 40
_FOREIGN_BASES = 5


def resolve(schema: Any, root: Any) -> Any:
    """Follows local `$ref`s (`#`, `#/definitions/…`, `#/$defs/…`); unknown targets read as `{}`."""
    hops = 0
    while isinstance(schema, dict) and isinstance(schema.get("$ref"), str) and hops < _MAX_HOPS:
        schema = _lookup(root, schema["$ref"])
        hops += 1
    return schema


def _lookup(root: Any, ref: str) -> Any:
    if not ref.startswith("#"):
        return {}
    node = root
    for raw in ref[1:].split("/")[1:]:
        part = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return {}
    return node


def fill_defaults(instance: Any, schema: Any, root: Any) -> Any:
    """`instance` with each missing property that declares a `default` filled in, recursively."""
    node = resolve(schema, root)
    if not isinstance(instance, dict) or not isinstance(node, dict):
        return instance
    filled = dict(instance)
    properties = node.get("properties")
    if isinstance(properties, dict):
        for name, sub in properties.items():
            target = resolve(sub, root)
            if name in filled:
                filled[name] = fill_defaults(filled[name], sub, root)
            elif isinstance(target, dict) and "default" in target:
                filled[name] = copy.deepcopy(target["default"])
    for branch in node.get("allOf", []) if isinstance(node.get("allOf"), list) else []:
        filled = fill_defaults(filled, branch, root)
    return filled


def _dedupe(values: Iterable[Any]) -> list[Any]:
    seen: set[str] = set()
    unique: list[Any] = []
    for value in values:
        key = json.dumps(value, sort_keys=True)
        if key not in seen:
            seen.add(key)
            unique.append(value)
    return unique


def _is_number(value: Any) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _enum_values(node: Schema) -> list[Any]:
    values = list(node["enum"]) if isinstance(node.get("enum"), list) else []
    return [*values, node["const"]] if "const" in node else values


def _number_values(node: Schema) -> list[Any]:
    values: list[Any] = list(_BIG_INTEGERS)
    for keyword in _BOUND_KEYWORDS:
        bound = node.get(keyword)
        if _is_number(bound):
            values += [bound, bound - 1, bound + 1, bound - 0.5, bound + 0.5]
    step = node.get("multipleOf")
    if _is_number(step) and step > 0:
        values += [step, 2 * step, 3 * step, -step, step / 2, step * 7]
    return values


def _string_values(node: Schema) -> list[Any]:
    values: list[Any] = list(_STRINGS)
    for keyword in ("minLength", "maxLength"):
        length = node.get(keyword)
        if isinstance(length, int) and not isinstance(length, bool):
            values += ["x" * n for n in (length - 1, length, length + 1) if n >= 0]
    return values


class ProbeBuilder:
    """Computes candidate instances for one root schema, checking subschemas against that root."""

    def __init__(self, root: Any) -> None:
        self.root = root
        self._validator = Draft7Validator(root)

    def valid(self, schema: Any, value: Any) -> bool:
        return bool(self._validator.evolve(schema=schema).is_valid(value))

    def values(self, schema: Any, depth: int = 0) -> list[Any]:
        """Candidates for `schema`: generic values, its bounds ±1, enum members, nested shapes."""
        node = resolve(schema, self.root)
        values: list[Any] = list(_GENERIC)
        if not isinstance(node, dict):
            return values
        values += _enum_values(node) + _number_values(node) + _string_values(node)
        for keyword in ("allOf", "anyOf", "oneOf"):
            branches = node.get(keyword)
            if isinstance(branches, list) and depth < _MAX_DEPTH:
                for branch in branches:
                    values += self.values(branch, depth + 1)
        if depth < _MAX_DEPTH:
            values += self._arrays(node, depth) + self.objects(node, depth)
        return _dedupe(values)

    def witness(self, schema: Any, depth: int) -> tuple[bool, Any]:
        """(True, value) for the first candidate `schema` accepts, else (False, None)."""
        for value in self.values(schema, depth):
            if self.valid(schema, value):
                return True, value
        return False, None

    def _arrays(self, node: Schema, depth: int) -> list[Any]:
        items = node.get("items")
        if isinstance(items, list):
            slots = [self.witness(item, depth + 1) for item in items]
            prefix = [value for found, value in slots if found]
            return [prefix, prefix[:-1], [*prefix, "x"], [*prefix, 1]]
        item_values = self.values(items if items is not None else {}, depth + 1)[:_PER_PROPERTY]
        arrays: list[Any] = [[value] for value in item_values]
        found, first = self.witness(items if items is not None else {}, depth + 1)
        if found:
            for keyword in ("minItems", "maxItems"):
                count = node.get(keyword)
                if isinstance(count, int) and count < 50:
                    arrays += [[first] * n for n in (count - 1, count, count + 1) if n >= 0]
            arrays += [[first, first], [first, first, first]]
        return arrays

    def objects(self, node: Schema, depth: int) -> list[Any]:
        """The seed object (required properties only) and its one-property variations."""
        properties = node.get("properties")
        properties = properties if isinstance(properties, dict) else {}
        required = [name for name in node.get("required", []) if isinstance(name, str)]
        seed: dict[str, Any] = {}
        for name in required:
            found, value = self.witness(properties.get(name, {}), depth + 1)
            seed[name] = value if found else None
        full = dict(seed)
        for name, sub in properties.items():
            found, value = self.witness(sub, depth + 1)
            if found and name not in full:
                full[name] = value
        probes: list[Any] = [{}, seed, full]
        for name, sub in properties.items():
            candidates = self.values(sub, depth + 1)
            probes += [{**seed, name: value} for value in candidates]
            probes += [{**full, name: value} for value in candidates]
            probes.append({key: value for key, value in full.items() if key != name})
        probes += [{**seed, extra: "x"} for extra in self._extra_names(node)]
        probes += [{**full, extra: 1} for extra in self._extra_names(node)]
        return probes

    @staticmethod
    def _extra_names(node: Schema) -> list[str]:
        names = ["zz_extra"]
        patterns = node.get("patternProperties")
        if isinstance(patterns, dict):
            for pattern in patterns:
                literal = "".join(ch for ch in str(pattern) if ch.isalnum() or ch == "_")
                names += [f"{literal}probe", f"probe{literal}"]
        return names


def probe_instances(root: Any) -> list[Any]:
    """Boundary probes for `root`; the caller keeps the ones `root` really accepts."""
    return ProbeBuilder(root).values(root)


def _declared(schema: Any) -> set[str]:
    properties = schema.get("properties") if isinstance(schema, dict) else None
    return set(properties) if isinstance(properties, dict) else set()


def foreign_property_probes(old: Any, new: Any, accepted: list[Any]) -> list[Any]:
    """Accepted objects plus a property only `new` declares: an open old model may hold it."""
    names = sorted(_declared(new) - _declared(old))
    bases = [instance for instance in accepted if isinstance(instance, dict)][:_FOREIGN_BASES]
    return [{**base, name: value} for base in bases for name in names for value in _GENERIC]
