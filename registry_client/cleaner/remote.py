"""The cleaner's two registry calls over HTTP: fetch a schema version, report failures."""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import quote

import aiohttp

from registry_client.cleaner.errors import RegistryUnavailable

DEFAULT_REGISTRY = "http://localhost:8000"
_TIMEOUT = aiohttp.ClientTimeout(total=30)


def registry_url(given: str | None) -> str:
    """`given`, else $SCHEMA_REGISTRY_URL, else http://localhost:8000 (no trailing slash)."""
    return (given or os.environ.get("SCHEMA_REGISTRY_URL") or DEFAULT_REGISTRY).rstrip("/")


def parse_ref(ref: str) -> tuple[str, str]:
    """`id@version` (or a bare id, meaning the latest version) as (id, version)."""
    schema_id, _, version = ref.partition("@")
    if not schema_id:
        raise ValueError(f"not a schema reference: {ref!r} (expected id@version)")
    return schema_id, version or "latest"


def _headers(token: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"} if token else {}


async def _explain(response: aiohttp.ClientResponse) -> str:
    try:
        body = await response.json(content_type=None)
        return f"{response.status} {body.get('error')}: {body.get('message')}"
    except (ValueError, AttributeError, aiohttp.ClientError):
        return f"{response.status} {response.reason}"


async def fetch_document(
    session: aiohttp.ClientSession, base: str, schema_id: str, version: str, token: str | None
) -> dict[str, Any]:
    """GET /schema/{id}/{version}; `RegistryUnavailable` for anything but a 200 document."""
    url = f"{base}/schema/{quote(schema_id, safe='')}/{quote(version, safe='')}"
    try:
        async with session.get(url, headers=_headers(token), timeout=_TIMEOUT) as response:
            if response.status != 200:
                reason = await _explain(response)
                raise RegistryUnavailable(f"{schema_id}@{version}: the registry answered {reason}")
            document = await response.json()
    except (aiohttp.ClientError, TimeoutError) as exc:
        raise RegistryUnavailable(f"cannot reach the registry at {base}: {exc}") from exc
    if not isinstance(document, dict):
        raise RegistryUnavailable(f"{schema_id}@{version}: the registry sent no JSON object")
    return document


async def post_failures(
    session: aiohttp.ClientSession,
    base: str,
    schema_id: str,
    payload: dict[str, Any],
    token: str | None,
) -> int:
    """POST /schema/{id}/failures; the revision of the event, `RegistryUnavailable` if refused."""
    url = f"{base}/schema/{quote(schema_id, safe='')}/failures"
    try:
        async with session.post(
            url, json=payload, headers=_headers(token), timeout=_TIMEOUT
        ) as response:
            if response.status != 202:
                reason = await _explain(response)
                raise RegistryUnavailable(f"the failure report was refused: {reason}")
            body = await response.json()
    except (aiohttp.ClientError, TimeoutError) as exc:
        raise RegistryUnavailable(f"cannot reach the registry at {base}: {exc}") from exc
    return int(body["revision"])
