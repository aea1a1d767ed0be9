"""Semantic versions: strict `MAJOR.MINOR.PATCH` parsing, ordering and the bump between two."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from service.domain.errors import InvalidVersion, clipped, shown

Bump = Literal["none", "patch", "minor", "major"]

# Smallest first, so a bump's index is its rank.
BUMPS: tuple[Bump, ...] = ("none", "patch", "minor", "major")

# Each part fits a signed 64-bit integer, so clients in any language (and orjson) can hold it.
MAX_PART = 2**63 - 1

# A literal [0-9] class (not \d) and re.ASCII: `str.isdigit` and `\d` accept fullwidth (U+FF11)
# and Arabic-Indic (U+0661) digits.
# 19 digits bound the work before int(); the value bound is checked after.
_PART = r"(0|[1-9][0-9]{0,18})"
_VERSION = re.compile(rf"{_PART}\.{_PART}\.{_PART}", re.ASCII)

_EXPECTED = (
    "expected MAJOR.MINOR.PATCH: three non-negative integers without leading zeros, "
    f"each at most {MAX_PART}, such as '1.0.0' (no 'v' prefix, spaces, "
    "pre-release or build suffix)"
)


def as_bump(text: str) -> Bump:
    """`text` as a `Bump`, for names that come from `compat_rs`."""
    for bump in BUMPS:
        if bump == text:
            return bump
    raise ValueError(f"unknown bump {text!r}")


def bump_rank(bump: Bump) -> int:
    """The position of `bump` in none < patch < minor < major."""
    return BUMPS.index(bump)


@dataclass(frozen=True, order=True, slots=True)
class Version:
    """A release number; ordering is the ordering of the `(major, minor, patch)` tuple."""

    major: int
    minor: int
    patch: int

    def __post_init__(self) -> None:
        for part in (self.major, self.minor, self.patch):
            # bool is an int subclass; True.0.0 is not a version.
            if type(part) is not int or not 0 <= part <= MAX_PART:
                # No repr of the part: repr of an int past 4,300 digits raises ValueError.
                raise InvalidVersion(f"version parts must be integers from 0 to {MAX_PART}")

    @classmethod
    def parse(cls, text: object) -> Version:
        """Parses `MAJOR.MINOR.PATCH`; anything else raises `InvalidVersion`."""
        if not isinstance(text, str):
            raise InvalidVersion(f"version must be a string, not {shown(text)}; {_EXPECTED}")
        match = _VERSION.fullmatch(text)
        if match is None:
            raise InvalidVersion(
                f"version {shown(text)} is invalid; {_EXPECTED}", {"version": clipped(text)}
            )
        major, minor, patch = (int(part) for part in match.groups())
        if max(major, minor, patch) > MAX_PART:
            raise InvalidVersion(
                f"version {shown(text)} is out of range; {_EXPECTED}", {"version": clipped(text)}
            )
        return cls(major, minor, patch)

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}.{self.patch}"


def bump_between(old: Version, new: Version) -> Bump:
    """The bump `new` carries over `old`: the most significant part that grew."""
    if new < old:
        raise ValueError(f"{new} is lower than {old}: no bump leads from {old} to {new}")
    if new.major != old.major:
        return "major"
    if new.minor != old.minor:
        return "minor"
    if new.patch != old.patch:
        return "patch"
    return "none"
