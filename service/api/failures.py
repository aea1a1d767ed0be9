"""The failure-report handler: a cleaner's rejected-row counts become a change event."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from service.api.access import principal_of
from service.api.bodies import read_json
from service.api.responses import json_response
from service.api.state import REGISTRY, SETTINGS, STORE
from service.domain.errors import DomainError, json_kind
from service.domain.versions import Version

EVENT_TYPE = "validation.failure.reported"
MAX_REASONS = 100
MAX_REASON_LENGTH = 200
MAX_SOURCE_LENGTH = 500
# Counts fit a signed 64-bit integer, like every number the registry stores.
MAX_COUNT = 2**63 - 1
_FIELDS = frozenset({"version", "rows", "rejected", "reasons", "source"})


class InvalidReport(DomainError):
    """A failure report that is not the documented object."""


def _count(value: Any, name: str) -> int:
    # bool is an int subclass; 1.0 is a JSON number but not a count.
    if type(value) is not int or not 0 <= value <= MAX_COUNT:
        raise InvalidReport(
            f"{name} must be an integer from 0 to {MAX_COUNT}, not {json_kind(value)}",
            {"field": name[:MAX_REASON_LENGTH]},
        )
    return value


def _reasons(value: Any) -> dict[str, int]:
    if not isinstance(value, dict):
        raise InvalidReport("reasons must be an object of reason → count", {"field": "reasons"})
    if len(value) > MAX_REASONS:
        raise InvalidReport(f"at most {MAX_REASONS} reasons", {"field": "reasons"})
    for reason in value:
        if not 1 <= len(reason) <= MAX_REASON_LENGTH:
            raise InvalidReport(
                f"a reason must have 1 to {MAX_REASON_LENGTH} characters", {"field": "reasons"}
            )
    return {reason: _count(count, f"reasons[{reason}]") for reason, count in value.items()}


def parse_report(payload: Any) -> dict[str, Any]:
    """The event data of a report body, or `InvalidReport` (400) naming what is wrong."""
    if not isinstance(payload, dict):
        raise InvalidReport(f"the report must be a JSON object, not {json_kind(payload)}")
    unknown = sorted(set(payload) - _FIELDS)
    if unknown:
        raise InvalidReport(f"unknown field {unknown[0][:64]!r}", {"field": unknown[0][:64]})
    missing = sorted({"rows", "rejected", "reasons"} - set(payload))
    if missing:
        raise InvalidReport(f"missing field {missing[0]!r}", {"field": missing[0]})
    rows, rejected = _count(payload["rows"], "rows"), _count(payload["rejected"], "rejected")
    if rejected > rows:
        raise InvalidReport("rejected cannot exceed rows", {"field": "rejected"})
    version = payload.get("version")
    if version is not None:
        if not isinstance(version, str):
            raise InvalidReport("version must be a string or null", {"field": "version"})
        version = str(Version.parse(version))
    source = payload.get("source")
    if source is not None and (not isinstance(source, str) or len(source) > MAX_SOURCE_LENGTH):
        raise InvalidReport(
            f"source must be a string of at most {MAX_SOURCE_LENGTH} characters or null",
            {"field": "source"},
        )
    reasons = _reasons(payload["reasons"])
    return {
        "version": version,
        "rows": rows,
        "rejected": rejected,
        "reasons": reasons,
        "source": source,
    }


async def report_failures(request: web.Request) -> web.Response:
    app = request.app
    data = parse_report(await read_json(request, app[SETTINGS].max_body))
    schema_id = request.match_info["id"]
    # 404 for an unknown id, 400 for a malformed one, before anything is stored. The version is
    # only checked for form: a report about a version published elsewhere is still news.
    app[REGISTRY].schema(schema_id)
    data = {"id": schema_id, **data, "reporter": principal_of(request).subject}
    revision = await app[STORE].append_event(EVENT_TYPE, schema_id, data)
    return json_response({"revision": revision}, status=202)
