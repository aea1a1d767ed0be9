"""Hostile requests against a running app: every refused write is a JSON 401/403/429, changes
nothing, and leaves a complete audit entry; rate limits recover; the WebSocket authenticates."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import jwt
import orjson
import pytest
import pytest_asyncio
from aiohttp import WSMsgType
from aiohttp.test_utils import TestClient, TestServer
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from pytest_aiohttp import AiohttpClient

from service.api import ws as ws_module
from service.api.state import STORE
from service.app import create_app
from service.security.ratelimit import Budget
from service.security.tokens import JwtConfig
from service.settings import Settings
from tests.api.conftest import Client, revision, tick
from tests.auth import bearer, secured, token

pytestmark = pytest.mark.asyncio

ISSUER = "https://idp.example.test"
AUDIENCE = "schema-registry"


def _rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


KEY = _rsa_key()
OTHER_KEY = _rsa_key()
PUBLIC_PEM = KEY.public_key().public_bytes(
    serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
)


def claims(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    base: dict[str, Any] = {
        "sub": "ci",
        "role": "ci-bot",
        "iss": ISSUER,
        "aud": AUDIENCE,
        "iat": now,
        "exp": now + 600,
    }
    merged = {**base, **overrides}
    return {key: value for key, value in merged.items() if value is not None}


def rs256(**overrides: Any) -> str:
    return jwt.encode(claims(**overrides), KEY, algorithm="RS256")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unsigned(header: dict[str, Any], body: dict[str, Any], sign: Callable[[bytes], bytes]) -> str:
    """A token assembled by hand, the way an attacker would (PyJWT refuses to make these)."""
    signing_input = f"{_b64(orjson.dumps(header))}.{_b64(orjson.dumps(body))}".encode()
    return f"{signing_input.decode()}.{_b64(sign(signing_input))}"


def alg_none() -> str:
    return unsigned({"alg": "none", "typ": "JWT"}, claims(role="admin"), lambda _: b"")


def confused() -> str:
    """HS256 keyed with the server's RSA public key, which an attacker can read."""
    return unsigned(
        {"alg": "HS256", "typ": "JWT"},
        claims(role="admin"),
        lambda data: hmac.new(PUBLIC_PEM, data, hashlib.sha256).digest(),
    )


@pytest.fixture
def rs_settings(tmp_path: Path) -> Settings:
    jwt_config = JwtConfig(public_key=PUBLIC_PEM, issuer=ISSUER, audience=AUDIENCE)
    return secured(store_url=f"sqlite:///{tmp_path / 'r.db'}", jwt=jwt_config)


@pytest_asyncio.fixture
async def rs_client(aiohttp_client: AiohttpClient, rs_settings: Settings) -> Client:
    """An app checking RS256 tokens with issuer and audience; ticks_v1 1.0.0 and 1.1.0 exist."""
    client = await aiohttp_client(create_app(rs_settings))
    admin = {"Authorization": f"Bearer {rs256(role='admin', sub='ops')}"}
    for version in ("1.0.0", "1.1.0"):
        response = await client.post("/schema/ticks_v1", json=tick(version), headers=admin)
        assert response.status == 201
    return client


async def audit_log(client: Client, headers: dict[str, str]) -> list[dict[str, Any]]:
    response = await client.get("/audit", params={"limit": "1000"}, headers=headers)
    assert response.status == 200, await response.text()
    entries: list[dict[str, Any]] = (await response.json())["entries"]
    return entries


def _header(value: str | None) -> dict[str, str]:
    return {} if value is None else {"Authorization": value}


NEXT = {**tick("1.1.0"), "version": "1.2.0", "title": "next"}

# name → (Authorization header, method, path, status, error code, role in the audit entry)
HOSTILE: dict[str, tuple[Callable[[], str | None], str, str, int, str, str]] = {
    "no token": (lambda: None, "POST", "/schema/ticks_v1", 401, "unauthenticated", "anonymous"),
    "basic auth": (
        lambda: "Basic Y2k6aHVudGVyMg==",
        "POST",
        "/schema/ticks_v1",
        401,
        "invalid_token",
        "anonymous",
    ),
    "empty bearer": (
        lambda: "Bearer ",
        "POST",
        "/schema/ticks_v1",
        401,
        "invalid_token",
        "anonymous",
    ),
    "not a jwt": (
        lambda: "Bearer not.a.jwt",
        "POST",
        "/schema/ticks_v1",
        401,
        "invalid_token",
        "anonymous",
    ),
    "alg none": (
        lambda: f"Bearer {alg_none()}",
        "POST",
        "/schema/ticks_v1",
        401,
        "invalid_token",
        "anonymous",
    ),
    "algorithm confusion": (
        lambda: f"Bearer {confused()}",
        "POST",
        "/schema/ticks_v1",
        401,
        "invalid_token",
        "anonymous",
    ),
    "wrong signature": (
        lambda: "Bearer " + jwt.encode(claims(), OTHER_KEY, algorithm="RS256"),
        "POST",
        "/schema/ticks_v1",
        401,
        "invalid_token",
        "anonymous",
    ),
    "expired": (
        lambda: f"Bearer {rs256(exp=int(time.time()) - 120)}",
        "POST",
        "/schema/ticks_v1",
        401,
        "invalid_token",
        "anonymous",
    ),
    "not yet valid": (
        lambda: f"Bearer {rs256(nbf=int(time.time()) + 600)}",
        "POST",
        "/schema/ticks_v1",
        401,
        "invalid_token",
        "anonymous",
    ),
    "wrong audience": (
        lambda: f"Bearer {rs256(aud='another-service')}",
        "POST",
        "/schema/ticks_v1",
        401,
        "invalid_token",
        "anonymous",
    ),
    "wrong issuer": (
        lambda: f"Bearer {rs256(iss='https://evil.example')}",
        "POST",
        "/schema/ticks_v1",
        401,
        "invalid_token",
        "anonymous",
    ),
    "no exp": (
        lambda: f"Bearer {rs256(exp=None)}",
        "POST",
        "/schema/ticks_v1",
        401,
        "invalid_token",
        "anonymous",
    ),
    "oversized token": (
        lambda: "Bearer " + "a" * 5000,
        "POST",
        "/schema/ticks_v1",
        401,
        "invalid_token",
        "anonymous",
    ),
    "unknown role": (
        lambda: f"Bearer {rs256(role='root')}",
        "POST",
        "/schema/ticks_v1",
        403,
        "forbidden",
        "unknown",
    ),
    "reader publishes": (
        lambda: f"Bearer {rs256(role='reader')}",
        "POST",
        "/schema/ticks_v1",
        403,
        "forbidden",
        "reader",
    ),
    "ci-bot deletes": (
        lambda: f"Bearer {rs256()}",
        "DELETE",
        "/schema/ticks_v1",
        403,
        "forbidden",
        "ci-bot",
    ),
    "ci-bot sets config": (
        lambda: f"Bearer {rs256()}",
        "PUT",
        "/config/ticks_v1",
        403,
        "forbidden",
        "ci-bot",
    ),
    "reader reads the audit log": (
        lambda: f"Bearer {rs256(role='reader')}",
        "GET",
        "/audit",
        403,
        "forbidden",
        "reader",
    ),
}


@pytest.mark.parametrize("case", list(HOSTILE))
async def test_hostile_requests_are_refused_changing_nothing(rs_client: Client, case: str) -> None:
    make, method, path, status, code, role = HOSTILE[case]
    before = await revision(rs_client)
    request_id = f"hostile-{case.replace(' ', '-')}"
    headers = {**_header(make()), "X-Request-Id": request_id}
    body = {"mode": "NONE"} if path.startswith("/config") else NEXT
    response = await rs_client.request(
        method, path, json=body if method in ("POST", "PUT") else None, headers=headers
    )
    assert response.status == status
    assert response.content_type == "application/json"
    answer = await response.json()
    assert answer["error"] == code
    assert answer["message"]
    if status == 401:
        assert response.headers["WWW-Authenticate"].startswith('Bearer realm="schema-registry"')
    assert await revision(rs_client) == before
    latest = await (await rs_client.get("/schema/ticks_v1")).json()
    assert latest["version"] == "1.1.0"
    admin = {"Authorization": f"Bearer {rs256(role='admin', sub='ops')}"}
    assert (await rs_client.get("/config/ticks_v1", headers=admin)).status == 200
    entries = [e for e in await audit_log(rs_client, admin) if e["request_id"] == request_id]
    assert len(entries) == 1, entries
    entry = entries[0]
    assert entry["outcome"] == "denied"
    assert entry["role"] == role
    assert entry["client"] == "127.0.0.1"
    assert entry["target"] == ("ticks_v1" if "ticks_v1" in path else path)
    assert entry["details"]["status"] == status
    assert entry["details"]["error"] == code
    assert entry["principal"] == ("anonymous" if status == 401 else "ci")
    assert entry["time"].endswith("Z")


async def test_a_bad_token_on_a_read_is_refused_even_though_reads_are_anonymous(
    rs_client: Client,
) -> None:
    assert (await rs_client.get("/schema/ticks_v1")).status == 200
    response = await rs_client.get("/schema/ticks_v1", headers=_header(f"Bearer {alg_none()}"))
    assert response.status == 401
    assert (await response.json())["error"] == "invalid_token"
    # Operational endpoints never look at tokens: probes and scrapers carry none.
    assert (await rs_client.get("/health", headers=_header("Bearer junk"))).status == 200


async def test_allowed_writes_are_audited_in_their_commit(rs_client: Client) -> None:
    ci = {"Authorization": f"Bearer {rs256()}", "X-Request-Id": "publish-1"}
    admin = {"Authorization": f"Bearer {rs256(role='admin', sub='ops')}"}
    created = await rs_client.post("/schema/ticks_v1", json=NEXT, headers=ci)
    assert created.status == 201
    again = await rs_client.post("/schema/ticks_v1", json=NEXT, headers=ci)
    assert again.status == 200
    breaking = {**tick("2.0.0"), "version": "1.3.0"}
    refused = await rs_client.post("/schema/ticks_v1", json=breaking, headers=ci)
    assert refused.status == 422
    assert (await rs_client.put("/config", json={"mode": "FULL"}, headers=admin)).status == 200
    assert (await rs_client.delete("/schema/ticks_v1", headers=admin)).status == 200
    entries = await audit_log(rs_client, admin)
    mine = [
        (e["principal"], e["role"], e["action"], e["target"], e["outcome"])
        for e in entries
        if e["principal"] in ("ci", "ops") and e["action"] != "audit.read"
    ]
    assert mine[-5:] == [
        ("ci", "ci-bot", "schema.publish", "ticks_v1", "ok"),
        ("ci", "ci-bot", "schema.publish", "ticks_v1", "unchanged"),
        ("ci", "ci-bot", "schema.publish", "ticks_v1", "rejected"),
        ("ops", "admin", "config.put", "/config", "ok"),
        ("ops", "admin", "schema.delete", "ticks_v1", "ok"),
    ]
    published = next(e for e in entries if e["request_id"] == "publish-1")
    assert published["details"]["version"] == "1.2.0"
    assert published["details"]["required_bump"] == "patch"
    rejected = [e for e in entries if e["outcome"] == "rejected"][-1]
    assert rejected["details"] == {"status": 422, "error": "bump_required", "method": "POST"}
    # The entry is stamped with the commit's time: the version's own creation time.
    assert rs_client.app is not None
    record = await rs_client.app[STORE].get("ticks_v1")
    assert record is not None
    assert published["time"] == record.versions[2].created_at


async def test_hostile_request_ids_are_replaced(rs_client: Client) -> None:
    admin = {"Authorization": f"Bearer {rs256(role='admin', sub='ops')}"}
    for hostile in ("<script>alert(1)</script>", "x" * 200, "a b"):
        response = await rs_client.post(
            "/schema/ticks_v1", json=NEXT, headers={"X-Request-Id": hostile}
        )
        assert response.status == 401
    entries = await audit_log(rs_client, admin)
    ids = [e["request_id"] for e in entries if e["outcome"] == "denied"]
    assert len(ids) == 3
    assert all(len(i) == 32 and i.isalnum() for i in ids)


async def test_audit_query_parameters(rs_client: Client) -> None:
    admin = {"Authorization": f"Bearer {rs256(role='admin', sub='ops')}"}
    for _ in range(3):
        await rs_client.post("/schema/ticks_v1", json=NEXT)
    everything = await audit_log(rs_client, admin)
    page = await rs_client.get("/audit", params={"limit": "2"}, headers=admin)
    body = await page.json()
    assert [e["request_id"] for e in body["entries"]] == [e["request_id"] for e in everything[:2]]
    assert body["next_since"] == everything[1]["time"]
    later = await rs_client.get("/audit", params={"since": everything[-1]["time"]}, headers=admin)
    assert (await later.json())["entries"][0]["request_id"] == everything[-1]["request_id"]
    for params in ({"since": "yesterday"}, {"limit": "0"}, {"limit": "100000"}, {"limit": "x"}):
        bad = await rs_client.get("/audit", params=params, headers=admin)
        assert bad.status == 400, params
        assert (await bad.json())["error"] == "invalid_parameter"


async def test_audit_survives_a_restart(tmp_path: Path) -> None:
    settings = secured(store_url=f"sqlite:///{tmp_path / 'r.db'}")
    async with TestClient(TestServer(create_app(settings))) as first:
        await publish_all_as(first, bearer("ci-bot", "ci"), "1.0.0", "1.1.0")
        assert (await first.post("/schema/ticks_v1", json=NEXT)).status == 401
        put = await first.put("/config/ticks_v1", json={"mode": "FULL"}, headers=bearer())
        assert put.status == 200
        before = await audit_log(first, bearer())
    async with TestClient(TestServer(create_app(settings))) as second:
        after = await audit_log(second, bearer())
    # Reads (the first /audit included) are not audited: the log is exactly what it was.
    assert after == before
    assert [(e["action"], e["outcome"]) for e in after] == [
        ("schema.publish", "ok"),
        ("schema.publish", "ok"),
        ("schema.publish", "denied"),
        ("config.put", "ok"),
    ]
    for entry in after:
        for field in ("principal", "role", "action", "target", "outcome", "request_id", "client"):
            assert entry[field], (field, entry)
        assert entry["time"].endswith("Z")


async def publish_all_as(client: Client, headers: dict[str, str], *versions: str) -> None:
    for version in versions:
        response = await client.post("/schema/ticks_v1", json=tick(version), headers=headers)
        assert response.status == 201, await response.text()


async def test_no_key_configured_refuses_every_write(aiohttp_client: AiohttpClient) -> None:
    client = await aiohttp_client(create_app(Settings(store_url="memory://")))
    response = await client.post("/schema/ticks_v1", json=tick("1.0.0"), headers=bearer())
    assert response.status == 401
    assert "no JWT key" in (await response.json())["message"]
    assert (await client.post("/schema/ticks_v1", json=tick("1.0.0"))).status == 401
    assert (await client.get("/schemas")).status == 200
    assert "no key" in (await (await client.get("/health")).json())["auth"]


# -- rate limits ---------------------------------------------------------------------------------


@pytest_asyncio.fixture
async def limited(aiohttp_client: AiohttpClient) -> AsyncIterator[Client]:
    settings = secured(
        store_url="memory://", read_budget=Budget(5.0, 5), write_budget=Budget(4.0, 2)
    )
    yield await aiohttp_client(create_app(settings))


async def test_a_read_burst_over_budget_gets_429_then_recovers(limited: Client) -> None:
    statuses = [(await limited.get("/schemas")).status for _ in range(8)]
    assert statuses == [200] * 5 + [429] * 3
    refused = await limited.get("/schemas")
    assert refused.status == 429
    assert (await refused.json())["error"] == "rate_limited"
    retry_after = int(refused.headers["Retry-After"])
    assert 1 <= retry_after <= 2
    # Probes are never limited.
    assert (await limited.get("/health/ready")).status == 200
    await asyncio.sleep(retry_after)
    assert (await limited.get("/schemas")).status == 200


async def test_writes_have_their_own_budget_per_principal(limited: Client) -> None:
    ci = bearer("ci-bot", "ci")
    documents = [{**tick("1.0.0"), "version": f"1.0.{n}"} for n in range(6)]
    statuses = [
        (await limited.post("/schema/ticks_v1", json=doc, headers=ci)).status for doc in documents
    ]
    assert statuses[:2] == [201, 201]
    assert set(statuses[2:]) == {429}
    # Another principal, and reads by this one, are not affected.
    other_doc = {**tick("1.0.0"), "id": "other_v1"}
    other = await limited.post("/schema/other_v1", json=other_doc, headers=bearer("admin"))
    assert other.status == 201
    assert (await limited.get("/schema/ticks_v1", headers=ci)).status == 200
    entries = await audit_log(limited, bearer("admin", "auditor"))
    limited_entries = [e for e in entries if e["outcome"] == "rate_limited"]
    # One entry for the whole refused run, not one per request.
    assert len(limited_entries) == 1
    assert limited_entries[0]["principal"] == "ci"
    assert limited_entries[0]["details"]["status"] == 429
    await asyncio.sleep(0.6)
    retry = await limited.post("/schema/ticks_v1", json=documents[2], headers=ci)
    assert retry.status == 201
    metrics = await (await limited.get("/metrics")).text()
    assert 'schema_registry_access_denied_total{code="rate_limited"}' in metrics


# -- the WebSocket when reads need a token -----------------------------------------------------


@pytest_asyncio.fixture
async def closed_reads(aiohttp_client: AiohttpClient) -> AsyncIterator[Client]:
    settings = secured(store_url="memory://", require_auth_for_reads=True)
    yield await aiohttp_client(create_app(settings))


async def _frame(ws: Any) -> dict[str, Any]:
    message = await ws.receive(timeout=5.0)
    assert message.type == WSMsgType.TEXT, message
    result: dict[str, Any] = message.json()
    return result


async def test_reads_need_a_token_when_configured(closed_reads: Client) -> None:
    response = await closed_reads.get("/schemas")
    assert response.status == 401
    assert (await response.json())["error"] == "unauthenticated"
    assert (await closed_reads.get("/schemas", headers=bearer("reader"))).status == 200
    assert (await closed_reads.get("/health/live")).status == 200


async def test_ws_token_in_the_header(closed_reads: Client) -> None:
    async with closed_reads.ws_connect("/ws", headers=bearer("reader")) as ws:
        await ws.send_json({"op": "subscribe", "ids": ["*"]})
        assert (await _frame(ws))["type"] == "subscribed"
    with pytest.raises(Exception, match="401"):
        await closed_reads.ws_connect("/ws", headers={"Authorization": "Bearer junk"})


async def test_ws_token_in_the_first_frame(closed_reads: Client) -> None:
    async with closed_reads.ws_connect("/ws") as ws:
        await ws.send_json({"op": "auth", "token": token("reader", "browser-user")})
        assert await _frame(ws) == {
            "type": "authenticated",
            "principal": "browser-user",
            "role": "reader",
        }
        await ws.send_json({"op": "subscribe", "ids": ["ticks_v1"]})
        assert (await _frame(ws))["type"] == "subscribed"
        publish = await closed_reads.post(
            "/schema/ticks_v1", json=tick("1.0.0"), headers=bearer("ci-bot")
        )
        assert publish.status == 201
        assert (await _frame(ws))["type"] == "schema.version.created"


@pytest.mark.parametrize(
    "first",
    [
        {"op": "subscribe", "ids": ["*"]},
        {"op": "auth", "token": "junk"},
        {"op": "auth"},
        "not json",
    ],
)
async def test_ws_without_a_valid_first_auth_frame_is_closed(
    closed_reads: Client, first: Any
) -> None:
    async with closed_reads.ws_connect("/ws") as ws:
        if isinstance(first, str):
            await ws.send_str(first)
        else:
            await ws.send_json(first)
        error = await _frame(ws)
        assert error["type"] == "error"
        closing = await ws.receive(timeout=5.0)
        assert closing.type in (WSMsgType.CLOSE, WSMsgType.CLOSED)
        assert ws.close_code == 1008
    entries = await audit_log(closed_reads, bearer())
    assert entries[-1]["action"] == "ws.subscribe"
    assert entries[-1]["outcome"] == "denied"


async def test_ws_silent_client_is_closed_after_the_deadline(
    closed_reads: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ws_module, "AUTH_DEADLINE", 0.3)
    async with closed_reads.ws_connect("/ws") as ws:
        error = await _frame(ws)
        assert error["code"] == "unauthenticated"
        closing = await ws.receive(timeout=5.0)
        assert closing.type in (WSMsgType.CLOSE, WSMsgType.CLOSED)
        assert ws.close_code == 1008


async def test_ws_is_rate_limited_like_reads(aiohttp_client: AiohttpClient) -> None:
    settings = secured(store_url="memory://", read_budget=Budget(1.0, 1))
    client = await aiohttp_client(create_app(settings))
    async with client.ws_connect("/ws"):
        pass
    with pytest.raises(Exception, match="429"):
        await client.ws_connect("/ws")
