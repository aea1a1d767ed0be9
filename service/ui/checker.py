"""The compatibility checker's form: reading it within the body limit, and the dry-run check."""

from __future__ import annotations

import asyncio
import urllib.parse
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from service.api.bodies import PayloadTooLarge, UnreadableBody, UnsupportedMediaType
from service.domain.config import CompatConfig, Mode, Policy
from service.domain.documents import parse_document, prepare
from service.domain.errors import InvalidConfig, InvalidDocument
from service.domain.publishing import ExistingVersion, check_compat
from service.registry import Registry

FORM = "application/x-www-form-urlencoded"
# Percent-encoding at most triples a byte; a candidate within the limit fits in this much form.
_ENCODING_FACTOR = 3
_FORM_OVERHEAD = 4096
# The choice that means "what this schema id is configured with".
CONFIGURED = ""


@dataclass(frozen=True, slots=True)
class CheckForm:
    """What the user submitted (echoed back into the form); `candidate` is the raw text."""

    candidate: str = ""
    against: str = ""
    mode: str = CONFIGURED
    policy: str = CONFIGURED


def _field(fields: dict[str, list[str]], name: str) -> str:
    values = fields.get(name)
    return values[0] if values else ""


async def _read_body(request: web.Request, limit: int) -> bytes:
    too_large = PayloadTooLarge(f"the candidate is larger than {limit} bytes", {"limit": limit})
    form_limit = limit * _ENCODING_FACTOR + _FORM_OVERHEAD
    if request.content_length is not None and request.content_length > form_limit:
        raise too_large
    chunks, size = [], 0
    try:
        async for chunk in request.content.iter_chunked(64 * 1024):
            size += len(chunk)
            if size > form_limit:
                raise too_large
            chunks.append(chunk)
    except web.RequestPayloadError as exc:
        raise UnreadableBody("the form cannot be read: a broken or truncated body") from exc
    return b"".join(chunks)


async def read_form(request: web.Request, limit: int) -> CheckForm:
    """The submitted form; 415 unless url-encoded, 413 when the candidate exceeds `limit`
    bytes (the JSON API's body limit) or the form cannot hold one that does not."""
    if request.content_type != FORM:
        raise UnsupportedMediaType(
            f"the checker form must be sent as {FORM}",
            {"content_type": request.content_type[:64]},
        )
    body = await _read_body(request, limit)
    fields = urllib.parse.parse_qs(body.decode("utf-8", "replace"), max_num_fields=16)
    form = CheckForm(
        candidate=_field(fields, "candidate"),
        against=_field(fields, "against"),
        mode=_field(fields, "mode"),
        policy=_field(fields, "policy"),
    )
    if len(form.candidate.encode()) > limit:
        raise PayloadTooLarge(f"the candidate is larger than {limit} bytes", {"limit": limit})
    return form


def chosen_config(form: CheckForm, configured: CompatConfig) -> CompatConfig:
    """The schema's config, with the mode or policy the form overrides."""
    try:
        mode = Mode(form.mode) if form.mode != CONFIGURED else configured.mode
        policy = Policy(form.policy) if form.policy != CONFIGURED else configured.policy
    except ValueError as exc:
        raise InvalidConfig(f"unknown mode or policy: {exc}") from exc
    return CompatConfig(mode, policy)


async def check_candidate(registry: Registry, schema_id: str, form: CheckForm) -> dict[str, Any]:
    """`Registry.check` (what `POST /schema/{id}/compat` runs) with the form's mode and policy:
    the same parsing, preparation and `check_compat`; nothing is stored."""
    if not form.candidate.strip():
        raise InvalidDocument("paste a candidate schema document (JSON) to check")
    doc = parse_document(form.candidate.encode())
    base = registry.version(schema_id, form.against or None)
    config = chosen_config(form, registry.config(schema_id))
    version = None if "version" in doc else base.version
    prepared = await asyncio.to_thread(prepare, schema_id, version, doc)
    existing = ExistingVersion(base.version, base.body, base.fingerprint)
    return await asyncio.to_thread(check_compat, prepared.canonical, existing, config)
