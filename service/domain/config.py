"""Compatibility configuration: mode and policy, parsed strictly, global or per schema id."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar

from service.domain.errors import InvalidConfig, clipped, shown


class Mode(StrEnum):
    """Which readers must keep working (COMPAT_RULES.md, "Directions and modes")."""

    BACKWARD = "BACKWARD"
    BACKWARD_TRANSITIVE = "BACKWARD_TRANSITIVE"
    FORWARD = "FORWARD"
    FORWARD_TRANSITIVE = "FORWARD_TRANSITIVE"
    FULL = "FULL"
    FULL_TRANSITIVE = "FULL_TRANSITIVE"
    NONE = "NONE"

    @property
    def transitive(self) -> bool:
        """Checked against every earlier version of the MAJOR line, not only the predecessor."""
        return self.value.endswith("_TRANSITIVE")

    @property
    def base(self) -> Mode:
        """The direction one diff is run in (`compat_rs` knows no `*_TRANSITIVE`)."""
        return Mode(self.value.removesuffix("_TRANSITIVE"))


class Policy(StrEnum):
    """How strictly object content models are read (COMPAT_RULES.md)."""

    STRICT = "STRICT"
    LENIENT = "LENIENT"


@dataclass(frozen=True, slots=True)
class CompatConfig:
    """The mode and policy one schema id is checked under."""

    mode: Mode = Mode.BACKWARD
    policy: Policy = Policy.STRICT

    def to_dict(self) -> dict[str, str]:
        """The wire form, `{"mode": ..., "policy": ...}`."""
        return {"mode": self.mode.value, "policy": self.policy.value}


_KEYS = ("mode", "policy")
_E = TypeVar("_E", Mode, Policy)


def _parse_value(key: str, value: object, kind: type[_E]) -> _E:
    allowed = [member.value for member in kind]
    # Exact, case-sensitive names: the stored config echoes what was accepted.
    if isinstance(value, str) and value in allowed:
        return kind(value)
    problem = f"unknown {key} {shown(value)}"
    if not isinstance(value, str):
        problem = f"{key} must be a string, not {shown(value)}"
    raise InvalidConfig(
        f"{problem}; allowed: {', '.join(allowed)}",
        {"key": key, "value": clipped(value), "allowed": allowed},
    )


def parse_config(obj: object, base: CompatConfig | None = None) -> CompatConfig:
    """A config from a request body; keys it leaves out keep their value in `base`.

    A PUT that names only `mode` passes the currently effective config as `base`, so the
    policy stays what it was. Unknown keys, unknown values and empty objects are refused.
    """
    allowed_keys = list(_KEYS)
    if not isinstance(obj, dict):
        raise InvalidConfig(
            f"the config must be a JSON object with {' and/or '.join(allowed_keys)}, "
            f"not {shown(obj)}",
            {"allowed_keys": allowed_keys},
        )
    unknown = sorted(shown(key) for key in obj if key not in _KEYS)
    if unknown:
        raise InvalidConfig(
            f"unknown config keys {', '.join(unknown[:5])}; allowed: {', '.join(allowed_keys)}",
            {"allowed_keys": allowed_keys},
        )
    if not obj:
        raise InvalidConfig(
            f"the config sets nothing; give {' and/or '.join(allowed_keys)}",
            {"allowed_keys": allowed_keys},
        )
    start = base if base is not None else CompatConfig()
    mode = _parse_value("mode", obj["mode"], Mode) if "mode" in obj else start.mode
    policy = _parse_value("policy", obj["policy"], Policy) if "policy" in obj else start.policy
    return CompatConfig(mode, policy)


def effective(global_cfg: CompatConfig, id_cfg: CompatConfig | None) -> CompatConfig:
    """The config a schema id is checked under: its own when set, else the global one."""
    return id_cfg if id_cfg is not None else global_cfg
