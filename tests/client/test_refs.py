"""References, settings and error mapping: everything refused or named before any request."""

from __future__ import annotations

import pytest

from registry_client import (
    RegistryClient,
    RegistryError,
    RegistryUnavailable,
    SchemaNotFound,
    Unauthorized,
    VersionNotFound,
    parse_ref,
)
from registry_client.errors import error_for
from registry_client.refs import Ref, parse_schema_id


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ticks_v1", Ref("ticks_v1")),
        ("ticks_v1@latest", Ref("ticks_v1")),
        ("ticks_v1@1.1.0", Ref("ticks_v1", "1.1.0")),
        ("a.b-c_9@10.0.12", Ref("a.b-c_9", "10.0.12")),
    ],
)
def test_references(text: str, expected: Ref) -> None:
    ref = parse_ref(text)
    assert ref == expected
    assert ref.pinned is (expected.version is not None)
    assert ref.path == "/schema/" + text.replace("@latest", "").replace("@", "/")


@pytest.mark.parametrize(
    "text",
    [
        *("", "a@", "@1.0.0", "a@1.0", "a b", "../x", "a@01.0.0", "é", "a@1.0.0@2", "a/b"),
        *("a@LATEST", "_x", "a" * 129, "a@1.0.0-rc1", "a@1.0.0\n", "a\x00", "a@-1.0.0"),
    ],
)
def test_malformed_references_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match=r"id must|version must"):
        parse_ref(text)


def test_a_reference_that_is_no_string() -> None:
    with pytest.raises(ValueError, match="string"):
        parse_ref(b"ticks_v1")  # type: ignore[arg-type]


def test_listings_take_a_bare_id() -> None:
    assert parse_schema_id("ticks_v1") == "ticks_v1"
    for text in ("ticks_v1@1.0.0", "ticks_v1@latest", "../x"):
        with pytest.raises(ValueError, match=r"without '@version'|id must"):
            parse_schema_id(text)


@pytest.mark.parametrize(
    ("status", "code", "kind"),
    [
        (401, "missing_token", Unauthorized),
        (403, "forbidden", Unauthorized),
        (404, "schema_not_found", SchemaNotFound),
        (404, "version_not_found", VersionNotFound),
        (400, "invalid_version", RegistryError),
        (429, "rate_limited", RegistryError),
        (500, "internal_error", RegistryUnavailable),
        (503, "store_unavailable", RegistryUnavailable),
    ],
)
def test_statuses_map_to_exceptions(status: int, code: str, kind: type[RegistryError]) -> None:
    error = error_for(status, code, "message")
    assert type(error) is kind
    assert (error.status, error.code, error.message) == (status, code, "message")
    assert str(error) == f"{status} {code}: message"


def test_bad_settings() -> None:
    with pytest.raises(ValueError, match="http"):
        RegistryClient("ftp://x")
    with pytest.raises(ValueError, match="retries"):
        RegistryClient("http://x", retries=99)
    with pytest.raises(ValueError, match="timeout"):
        RegistryClient("http://x", timeout=0)
    with pytest.raises(ValueError, match="TTL"):
        RegistryClient("http://x", ttl=-1)


def test_the_url_and_token_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SCHEMA_REGISTRY_URL", raising=False)
    monkeypatch.delenv("SCHEMA_REGISTRY_TOKEN", raising=False)
    assert RegistryClient().base_url == "http://localhost:8000"
    monkeypatch.setenv("SCHEMA_REGISTRY_URL", "https://registry.example:8443/")
    monkeypatch.setenv("SCHEMA_REGISTRY_TOKEN", "t0ken")
    client = RegistryClient()
    assert client.base_url == "https://registry.example:8443"
    assert client._http.headers == {"Authorization": "Bearer t0ken"}
    assert (
        RegistryClient("http://other", token="mine")._http.headers["Authorization"].endswith("mine")
    )
