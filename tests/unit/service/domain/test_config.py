"""Tests of service.domain.config: modes, policies and strict parsing."""

from __future__ import annotations

import pytest

from service.domain.config import CompatConfig, Mode, Policy, effective, parse_config
from service.domain.errors import InvalidConfig


def test_defaults_are_backward_strict() -> None:
    assert CompatConfig() == CompatConfig(Mode.BACKWARD, Policy.STRICT)
    assert CompatConfig().to_dict() == {"mode": "BACKWARD", "policy": "STRICT"}


@pytest.mark.parametrize(
    ("mode", "base", "transitive"),
    [
        (Mode.BACKWARD, Mode.BACKWARD, False),
        (Mode.BACKWARD_TRANSITIVE, Mode.BACKWARD, True),
        (Mode.FORWARD, Mode.FORWARD, False),
        (Mode.FORWARD_TRANSITIVE, Mode.FORWARD, True),
        (Mode.FULL, Mode.FULL, False),
        (Mode.FULL_TRANSITIVE, Mode.FULL, True),
        (Mode.NONE, Mode.NONE, False),
    ],
)
def test_mode_base_and_transitivity(mode: Mode, base: Mode, transitive: bool) -> None:
    assert mode.base is base
    assert mode.transitive is transitive


def test_parse_full_config_round_trips() -> None:
    for mode in Mode:
        for policy in Policy:
            config = parse_config({"mode": mode.value, "policy": policy.value})
            assert config == CompatConfig(mode, policy)
            assert parse_config(config.to_dict()) == config


def test_missing_keys_keep_the_base_values() -> None:
    base = CompatConfig(Mode.FULL, Policy.LENIENT)
    assert parse_config({"mode": "FORWARD"}, base) == CompatConfig(Mode.FORWARD, Policy.LENIENT)
    assert parse_config({"policy": "STRICT"}, base) == CompatConfig(Mode.FULL, Policy.STRICT)
    assert parse_config({"policy": "LENIENT"}) == CompatConfig(Mode.BACKWARD, Policy.LENIENT)


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ({"mode": "backward"}, "allowed: BACKWARD, BACKWARD_TRANSITIVE, FORWARD"),
        ({"mode": "SIDEWAYS"}, "unknown mode 'SIDEWAYS'"),
        ({"mode": "BACKWARD "}, "unknown mode"),
        ({"mode": "BACKWARD\x00"}, "'BACKWARD\\x00'"),
        ({"mode": "\uff22ACKWARD"}, "unknown mode"),  # fullwidth look-alike of B
        ({"mode": None}, "mode must be a string, not null"),
        ({"mode": ["BACKWARD"]}, "mode must be a string, not an array"),
        ({"policy": "strict"}, "allowed: STRICT, LENIENT"),
        ({"policy": 1}, "policy must be a string, not a number; allowed: STRICT, LENIENT"),
        ({"compatibility": "BACKWARD"}, "unknown config keys 'compatibility'"),
        ({"mode": "BACKWARD", "extra": 1}, "allowed: mode, policy"),
        ({}, "sets nothing"),
        (["BACKWARD"], "must be a JSON object with mode and/or policy, not an array"),
        ("BACKWARD", "must be a JSON object"),
        (None, "must be a JSON object"),
    ],
)
def test_bad_configs_are_refused_with_what_is_allowed(body: object, says: str) -> None:
    with pytest.raises(InvalidConfig) as caught:
        parse_config(body)
    assert says in caught.value.message
    assert caught.value.code == "invalid_config"


def test_value_errors_list_the_allowed_values_in_details() -> None:
    with pytest.raises(InvalidConfig) as caught:
        parse_config({"policy": "x" * 10_000})
    assert caught.value.details == {
        "key": "policy",
        "value": "x" * 64,
        "allowed": ["STRICT", "LENIENT"],
    }
    assert len(caught.value.message) < 300


def test_many_unknown_keys_are_listed_briefly() -> None:
    with pytest.raises(InvalidConfig) as caught:
        parse_config({f"k{i}": 1 for i in range(1000)})
    assert len(caught.value.message) < 300


def test_effective_prefers_the_id_config() -> None:
    global_cfg = CompatConfig(Mode.FULL, Policy.STRICT)
    id_cfg = CompatConfig(Mode.NONE, Policy.LENIENT)
    assert effective(global_cfg, None) is global_cfg
    assert effective(global_cfg, id_cfg) is id_cfg
