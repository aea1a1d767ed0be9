"""UI handlers: parse the request, one registry call, render a page."""

from __future__ import annotations

import asyncio

import orjson
from aiohttp import web

from service.api.bodies import InvalidParameter
from service.api.state import INDEX, METRICS, REGISTRY, SETTINGS
from service.domain.config import Mode, Policy
from service.domain.errors import DomainError
from service.ui.changes import pretty, side_by_side, verdict
from service.ui.checker import CheckForm, check_candidate, read_form
from service.ui.fields import field_rows
from service.ui.history import history
from service.ui.pages import describe_error, html_errors, render
from service.ui.state import STEPS

PAGE_SIZE = 50
# Ids are at most 128 characters; a longer prefix or cursor is a mistake, not a search.
MAX_QUERY = 128


def _query_text(request: web.Request, name: str) -> str:
    value = request.query.get(name, "").strip()
    if len(value) > MAX_QUERY or not value.isprintable():
        raise InvalidParameter(
            f"{name} must be at most {MAX_QUERY} printable characters", {"parameter": name}
        )
    return value


def _same_origin(request: web.Request) -> bool:
    """A browser sends Origin with a form POST; another site's page must not post here. The
    checker changes nothing, so this guards against wasted work, not forged writes."""
    origin = request.headers.get("Origin")
    return origin is None or origin.split("://", 1)[-1] == request.host


@html_errors
async def list_schemas_page(request: web.Request) -> web.StreamResponse:
    prefix, cursor = _query_text(request, "prefix"), _query_text(request, "cursor")
    found = request.app[INDEX].list(prefix, PAGE_SIZE, cursor or None)
    next_cursor = found[-1].schema_id if len(found) == PAGE_SIZE else None
    context = {"schemas": [s.summary() for s in found], "prefix": prefix, "next": next_cursor}
    return render(request, "list.html", context)


@html_errors
async def schema_page(request: web.Request) -> web.StreamResponse:
    registry, schema_id = request.app[REGISTRY], request.match_info["id"]
    selected = registry.version(schema_id, request.query.get("version") or None)
    cached = registry.schema(schema_id)
    entries = await history(registry, request.app[STEPS], cached)
    document = orjson.loads(selected.body)
    context = {
        "schema_id": schema_id,
        "selected": str(selected.version),
        "latest": str(cached.latest.version),
        "created_at": selected.created_at,
        "fingerprint": selected.fingerprint,
        "history": entries,
        "title": document.get("title"),
        "description": document.get("description"),
        "fields": field_rows(document),
        "raw": pretty(selected.body),
        "revision": request.app[INDEX].revision,
    }
    return render(request, "schema.html", context)


@html_errors
async def diff_page(request: web.Request) -> web.StreamResponse:
    registry, schema_id = request.app[REGISTRY], request.match_info["id"]
    versions = [str(v.version) for v in registry.schema(schema_id).versions]
    old = request.query.get("from") or versions[max(0, len(versions) - 2)]
    new = request.query.get("to") or versions[-1]
    result = await registry.diff_versions(schema_id, old, new)
    request.app[METRICS].compat_checks.labels(
        "compatible" if result["compatible"] else "incompatible"
    ).inc()
    before, after = registry.version(schema_id, old), registry.version(schema_id, new)
    left, right = pretty(before.body), pretty(after.body)
    context = {
        "schema_id": schema_id,
        "versions": versions,
        "old": str(before.version),
        "new": str(after.version),
        "verdict": verdict(result),
        "lines": await asyncio.to_thread(side_by_side, left, right),
        "left": left,
        "right": right,
        "revision": request.app[INDEX].revision,
    }
    return render(request, "diff.html", context)


def _check_context(request: web.Request, form: CheckForm) -> dict[str, object]:
    registry, schema_id = request.app[REGISTRY], request.match_info["id"]
    cached = registry.schema(schema_id)
    return {
        "schema_id": schema_id,
        "versions": [str(v.version) for v in reversed(cached.versions)],
        "configured": registry.config(schema_id),
        "modes": [mode.value for mode in Mode],
        "policies": [policy.value for policy in Policy],
        "form": form,
        "verdict": None,
        "error": None,
        "revision": request.app[INDEX].revision,
    }


@html_errors
async def check_form_page(request: web.Request) -> web.StreamResponse:
    return render(request, "check.html", _check_context(request, CheckForm()))


@html_errors
async def check_candidate_page(request: web.Request) -> web.StreamResponse:
    if not _same_origin(request):
        raise web.HTTPForbidden(reason="the checker accepts forms from this site's pages only")
    context = _check_context(request, CheckForm())
    app = request.app
    try:
        form = await read_form(request, app[SETTINGS].max_body)
        context["form"] = form
        result = await check_candidate(app[REGISTRY], request.match_info["id"], form)
    except DomainError as exc:
        error = describe_error(request, exc)
        context["error"] = error
        return render(request, "check.html", context, status=error["status"])
    outcome = "compatible" if result["compatible"] else "incompatible"
    app[METRICS].compat_checks.labels(outcome).inc()
    context["verdict"] = verdict(result)
    return render(request, "check.html", context)
