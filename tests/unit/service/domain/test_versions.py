"""Tests of service.domain.versions: strict parsing, ordering, bumps."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given
from hypothesis import strategies as st

from service.domain.errors import InvalidVersion
from service.domain.versions import (
    BUMPS,
    MAX_PART,
    Version,
    as_bump,
    bump_between,
    bump_rank,
)

parts = st.integers(min_value=0, max_value=MAX_PART)
triples = st.tuples(parts, parts, parts)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0.0.0", (0, 0, 0)),
        ("1.2.3", (1, 2, 3)),
        ("10.20.300", (10, 20, 300)),
        (f"{MAX_PART}.{MAX_PART}.{MAX_PART}", (MAX_PART, MAX_PART, MAX_PART)),
    ],
)
def test_parse_accepts_major_minor_patch(text: str, expected: tuple[int, int, int]) -> None:
    version = Version.parse(text)
    assert (version.major, version.minor, version.patch) == expected
    assert str(version) == text


@pytest.mark.parametrize(
    "text",
    [
        "",
        "1",
        "1.0",
        "1.0.0.0",
        "01.0.0",
        "1.00.0",
        "1.0.01",
        "1.0.0-rc1",
        "1.0.0+build",
        "v1.0.0",
        " 1.0.0",
        "1.0.0 ",
        "1.0.0\n",
        "1.0.0\x00",
        "\x001.0.0",
        "1..0",
        "-1.0.0",
        "+1.0.0",
        "1.0.-0",
        "1_0.0.0",
        # Digits that str.isdigit and \d accept: fullwidth, Arabic-Indic, mathematical bold.
        "\uff11.0.0",
        "\u0661.0.0",
        "1.\u0660.0",
        "1.0.\U0001d7ce",
        "1,0,0",
        f"{MAX_PART + 1}.0.0",
        f"0.0.{MAX_PART + 1}",
        "9" * 20 + ".0.0",
        "1" * 10_000,
        "1." * 5_000 + "0",
        "latest",
    ],
)
def test_parse_rejects_everything_else(text: str) -> None:
    with pytest.raises(InvalidVersion) as caught:
        Version.parse(text)
    assert "MAJOR.MINOR.PATCH" in caught.value.message
    assert caught.value.code == "invalid_version"
    # Hostile input is quoted, escaped and cut short, never echoed whole.
    assert len(caught.value.message) < 400
    assert "\n" not in caught.value.message
    assert "\x00" not in caught.value.message


@pytest.mark.parametrize("value", [None, 1, 1.0, b"1.0.0", ["1", "0", "0"]])
def test_parse_rejects_non_strings(value: object) -> None:
    with pytest.raises(InvalidVersion, match="must be a string"):
        Version.parse(value)


@pytest.mark.parametrize(
    "parts_", [(-1, 0, 0), (0, 0, MAX_PART + 1), (True, 0, 0), (10**5000, 0, 0)]
)
def test_constructor_enforces_the_same_range(parts_: tuple[int, int, int]) -> None:
    with pytest.raises(InvalidVersion):
        Version(*parts_)


def test_version_is_frozen_and_hashable() -> None:
    version = Version(1, 2, 3)
    with pytest.raises(dataclasses.FrozenInstanceError):
        version.major = 2  # type: ignore[misc]
    assert {version, Version.parse("1.2.3")} == {version}


def test_ordering_is_numeric_not_lexicographic() -> None:
    texts = ["1.10.0", "1.2.0", "10.0.0", "2.0.0", "1.2.10", "1.2.9", "0.9.9"]
    ordered = [str(v) for v in sorted(Version.parse(t) for t in texts)]
    assert ordered == ["0.9.9", "1.2.0", "1.2.9", "1.2.10", "1.10.0", "2.0.0", "10.0.0"]


@given(triples)
def test_str_and_parse_round_trip(triple: tuple[int, int, int]) -> None:
    version = Version(*triple)
    assert Version.parse(str(version)) == version
    assert str(Version.parse(str(version))) == "{}.{}.{}".format(*triple)


@given(triples, triples)
def test_ordering_is_tuple_ordering(a: tuple[int, int, int], b: tuple[int, int, int]) -> None:
    va, vb = Version(*a), Version(*b)
    assert (va < vb) == (a < b)
    assert (va == vb) == (a == b)
    assert (va <= vb) == (a <= b)


@given(st.from_regex(r"[0-9]{1,4}\.[0-9]{1,4}\.[0-9]{1,4}", fullmatch=True))
def test_leading_zeros_decide_validity(text: str) -> None:
    valid = all(part == "0" or not part.startswith("0") for part in text.split("."))
    try:
        version = Version.parse(text)
    except InvalidVersion:
        assert not valid
    else:
        assert valid
        assert str(version) == text


@given(st.text())
def test_arbitrary_text_is_rejected_or_round_trips(text: str) -> None:
    try:
        version = Version.parse(text)
    except InvalidVersion:
        return
    assert str(version) == text


@given(st.characters(categories=["Nd"]).filter(lambda c: not c.isascii()))
def test_non_ascii_digits_are_rejected(digit: str) -> None:
    with pytest.raises(InvalidVersion):
        Version.parse(f"{digit}.0.0")


@pytest.mark.parametrize(
    ("old", "new", "bump"),
    [
        ("1.0.0", "1.0.0", "none"),
        ("1.0.0", "1.0.1", "patch"),
        ("1.0.9", "1.1.0", "minor"),
        ("1.1.0", "1.1.5", "patch"),
        ("1.9.9", "2.0.0", "major"),
        ("1.1.0", "3.4.5", "major"),
        ("0.1.0", "0.2.0", "minor"),
    ],
)
def test_bump_between_is_the_most_significant_grown_part(old: str, new: str, bump: str) -> None:
    assert bump_between(Version.parse(old), Version.parse(new)) == bump


def test_bump_between_refuses_a_lower_version() -> None:
    with pytest.raises(ValueError, match="lower"):
        bump_between(Version(2, 0, 0), Version(1, 9, 9))


def test_bump_names_and_ranks() -> None:
    assert [bump_rank(b) for b in BUMPS] == [0, 1, 2, 3]
    assert bump_rank("major") > bump_rank("minor") > bump_rank("patch") > bump_rank("none")
    assert [as_bump(b) for b in ("none", "patch", "minor", "major")] == list(BUMPS)
    with pytest.raises(ValueError, match="unknown bump"):
        as_bump("MAJOR")
