"""The webhook URL and notifier options from flags and the environment."""

from __future__ import annotations

import pytest

from service.settings import Settings, build_settings

URL = "https://hooks.slack.com/services/T0/B0/x"


def test_slack_webhook_url_sources() -> None:
    assert build_settings({}, {}).slack_webhook_url is None
    assert build_settings({}, {"SLACK_WEBHOOK_URL": URL}).slack_webhook_url == URL
    prefixed = {"SCHEMA_REGISTRY_SLACK_WEBHOOK_URL": URL, "SLACK_WEBHOOK_URL": "other"}
    assert build_settings({}, prefixed).slack_webhook_url == URL
    flags = {"slack_webhook_url": "https://flag.example/x"}
    assert build_settings(flags, prefixed).slack_webhook_url == "https://flag.example/x"


def test_notifier_options_from_the_environment() -> None:
    env = {
        "SCHEMA_REGISTRY_SLACK_FAILURE_THRESHOLD": "25",
        "SCHEMA_REGISTRY_SLACK_DIGEST_INTERVAL": "3600",
    }
    settings = build_settings({}, env)
    assert settings.slack_failure_threshold == 25
    assert settings.slack_digest_interval == 3600.0
    assert Settings().slack_digest_interval == 0  # no digest unless asked
    with pytest.raises(ValueError, match="threshold"):
        Settings(slack_failure_threshold=0)
