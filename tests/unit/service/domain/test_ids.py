"""Tests of service.domain.ids: the ASCII-only schema id pattern and its messages."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from service.domain.errors import InvalidSchemaId
from service.domain.ids import MAX_LENGTH, describe_character, validate_schema_id


@pytest.mark.parametrize(
    "text", ["ticks_v1", "a", "0", "A.b-c_d", "quotes.v2-beta", "9_lives", "x" * MAX_LENGTH]
)
def test_valid_ids_are_returned_unchanged(text: str) -> None:
    assert validate_schema_id(text) == text


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("", "empty"),
        ("a/b", "'/' (U+002F SOLIDUS) at position 1"),
        ("../etc/passwd", "starts with '.'"),
        ("..ticks", "starts with '.'"),
        (".hidden", "starts with '.'"),
        ("_ticks", "starts with '_'"),
        ("-ticks", "starts with '-'"),
        ("tick s", "' ' (U+0020 SPACE) at position 4"),
        (" ticks", "starts with ' '"),
        ("ticks\n", "'\\n' (U+000A) at position 5"),
        ("ticks\r\n", "U+000D"),
        ("ti\x00cks", "'\\x00' (U+0000) at position 2"),
        ("ticks\u200b", "U+200B ZERO WIDTH SPACE"),
        ("t\u0456cks", "U+0456 CYRILLIC SMALL LETTER BYELORUSSIAN-UKRAINIAN I"),
        ("\u0430bc", "starts with '\u0430' (U+0430 CYRILLIC SMALL LETTER A)"),
        ("ticks\uff3fv1", "U+FF3F FULLWIDTH LOW LINE"),
        ("\uff11ticks", "U+FF11 FULLWIDTH DIGIT ONE"),
        ("tícks", "U+00ED"),
        ("ticks:v1", "':'"),
        ("ticks%2F", "'%'"),
        ("x" * (MAX_LENGTH + 1), "129 characters long"),
        ("x" * 200, "200 characters long"),
        ("x" * 10_000, "10000 characters long"),
    ],
)
def test_invalid_ids_name_the_offending_character(text: str, names: str) -> None:
    with pytest.raises(InvalidSchemaId) as caught:
        validate_schema_id(text)
    assert names in caught.value.message
    assert caught.value.code == "invalid_schema_id"
    assert "ASCII letters, digits" in caught.value.message
    # Never echoed raw: control characters are escaped and long ids cut.
    assert len(caught.value.message) < 400
    assert not any(c in caught.value.message for c in "\n\r\x00")


@pytest.mark.parametrize("value", [None, 42, b"ticks_v1", ["ticks_v1"]])
def test_non_strings_are_rejected(value: object) -> None:
    with pytest.raises(InvalidSchemaId, match="must be a string"):
        validate_schema_id(value)


def test_details_hold_a_clipped_copy() -> None:
    with pytest.raises(InvalidSchemaId) as caught:
        validate_schema_id("/" * 10_000)
    assert caught.value.details == {"id": "/" * 64}


@given(st.text(max_size=140))
def test_acceptance_matches_the_ascii_rule(text: str) -> None:
    alphabet = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
    valid = (
        0 < len(text) <= MAX_LENGTH
        and text[0] in alphabet
        and all(c in alphabet or c in "._-" for c in text)
    )
    try:
        validate_schema_id(text)
    except InvalidSchemaId:
        assert not valid
    else:
        assert valid


def test_describe_character_shows_code_point_and_name() -> None:
    assert describe_character("a") == "'a' (U+0061 LATIN SMALL LETTER A)"
    assert describe_character("\t") == "'\\t' (U+0009)"
