"""Slack Block Kit messages from event envelopes, and the notifier that posts them.

One function per kind of message: a schema version (breaking, compatible or new), a delete, a
config change, validation failures (accumulated per schema up to a threshold, so a cleaner
reporting a handful of bad rows every minute does not flood a channel), a health change, a
usage digest, and "notifications were skipped" after an overflow.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from hub.notifiers.notifier import Envelope

__all__ = ["HEALTH_CHANGED", "USAGE_DIGEST", "SlackNotifier", "message_for"]

Message = dict[str, Any]

VERSION_CREATED = "schema.version.created"
SCHEMA_DELETED = "schema.deleted"
CONFIG_UPDATED = "schema.config.updated"
FAILURE_REPORTED = "validation.failure.reported"
HEALTH_CHANGED = "registry.health.changed"
USAGE_DIGEST = "registry.usage.digest"

# Block Kit limits: 3000 characters per section text, 150 per header; lists are cut well short.
_SECTION_LIMIT = 2900
_MAX_CHANGES = 15
_MAX_REASONS = 5


def _utc(text: object) -> str:
    """An RFC 3339 time as "2026-05-20 12:34:56 UTC" (or as given when it does not parse)."""
    try:
        when = dt.datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        return str(text)
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return when.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _escape(text: object) -> str:
    # Slack's mrkdwn treats these three as markup.
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _header(text: str) -> dict[str, Any]:
    return {"type": "header", "text": {"type": "plain_text", "text": text[:150], "emoji": True}}


def _section(text: str) -> dict[str, Any]:
    if len(text) > _SECTION_LIMIT:
        text = text[: _SECTION_LIMIT - 1] + "…"
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _fields(pairs: Sequence[tuple[str, str]]) -> dict[str, Any]:
    return {
        "type": "section",
        "fields": [{"type": "mrkdwn", "text": f"*{name}:*\n{value}"} for name, value in pairs],
    }


def _context(parts: Sequence[str]) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": p} for p in parts if p]}


def _message(title: str, blocks: list[dict[str, Any]]) -> Message:
    # `text` is the fallback for notifications and clients without Block Kit.
    return {"text": title, "blocks": [_header(title), *blocks]}


def _source(data: Mapping[str, Any]) -> str:
    source = data.get("source")
    if not isinstance(source, str) or not source:
        return ""
    if source.startswith(("https://", "http://")):
        return f"Source: <{source}|{_escape(source)}>"
    return f"Source: {_escape(source)}"


def _bullets(items: Sequence[str], limit: int) -> str:
    lines = [f"• {item}" for item in items[:limit]]
    if len(items) > limit:
        lines.append(f"…and {len(items) - limit} more")
    return "\n".join(lines)


def _change_line(change: Mapping[str, Any]) -> str:
    return f"`{_escape(change.get('path', ''))}` {_escape(change.get('message', ''))}"


def version_message(envelope: Envelope) -> Message:
    data = envelope.get("data") or {}
    schema_id, version = data.get("id", envelope.get("subject")), data.get("version", "?")
    changes: list[Mapping[str, Any]] = [c for c in data.get("changes") or [] if isinstance(c, dict)]
    previous = data.get("previous")
    when = f"Time: {_utc(envelope.get('time'))}"
    footer = _context([when, _source(data), f"Revision {envelope.get('revision')}"])
    if data.get("breaking"):
        breaking = [_change_line(c) for c in changes if c.get("breaking")]
        others = [_change_line(c) for c in changes if not c.get("breaking")]
        blocks = [
            _fields(
                [
                    ("Schema", f"`{_escape(schema_id)}`"),
                    ("Version", f"`{_escape(previous)}` → `{_escape(version)}`"),
                    ("Required bump", str(data.get("required_bump", "major"))),
                    ("Time", _utc(envelope.get("time"))),
                ]
            ),
            _section(f"*Breaking changes ({len(breaking)}):*\n" + _bullets(breaking, _MAX_CHANGES)),
        ]
        if others:
            blocks.append(_section(f"*Other changes ({len(others)}):*\n" + _bullets(others, 5)))
        blocks.append(footer)
        return _message(f"🚨 Breaking Schema Change: {schema_id} v{version}", blocks)
    if previous is None:
        return _message(
            f"🆕 New Schema: {schema_id} v{version}",
            [_section(f"`{_escape(schema_id)}` published at `{_escape(version)}`."), footer],
        )
    summary = f"`{_escape(schema_id)}` `{_escape(previous)}` → `{_escape(version)}`"
    summary += f" ({data.get('required_bump', 'minor')}, compatible)"
    lines = [_change_line(c) for c in changes]
    if lines:
        summary += "\n" + _bullets(lines, 5)
    return _message(f"✅ Schema Updated: {schema_id} v{version}", [_section(summary), footer])


def deleted_message(envelope: Envelope) -> Message:
    data = envelope.get("data") or {}
    how = "permanently deleted" if data.get("permanent") else "deleted (soft)"
    subject = envelope.get("subject")
    when = _context([f"Time: {_utc(envelope.get('time'))}"])
    return _message(f"🗑️ Schema Deleted: {subject}", [_section(f"`{subject}` {how}."), when])


def config_message(envelope: Envelope) -> Message:
    subject = envelope.get("subject") or "global"
    when = _context([f"Time: {_utc(envelope.get('time'))}"])
    return _message(f"⚙️ Compatibility Config Updated: {subject}", [when])


def failure_message(schema_id: str, totals: Mapping[str, Any], envelope: Envelope) -> Message:
    """Validation failures accumulated for `schema_id`: `totals` has rows, rejected, reports,
    reasons (reason → count) and versions."""
    rows, rejected = int(totals["rows"]), int(totals["rejected"])
    share = f" ({100 * rejected / rows:.1f} %)" if rows else ""
    reasons = sorted(totals["reasons"].items(), key=lambda item: (-item[1], item[0]))
    top = [f"{_escape(reason)}: {count:,}" for reason, count in reasons]
    versions = ", ".join(f"`{_escape(v)}`" for v in sorted(totals["versions"])) or "latest"
    data = envelope.get("data") or {}
    blocks = [
        _fields(
            [
                ("Schema", f"`{_escape(schema_id)}`"),
                ("Version", versions),
                ("Rejected rows", f"{rejected:,} of {rows:,}{share}"),
                ("Reports", str(totals["reports"])),
            ]
        ),
        _section("*Top reasons:*\n" + (_bullets(top, _MAX_REASONS) or "none given")),
        _context(
            [
                f"Time: {_utc(envelope.get('time'))}",
                _source(data),
                f"Reported by {_escape(data['reporter'])}" if data.get("reporter") else "",
            ]
        ),
    ]
    return _message(f"⚠️ Validation Failures: {schema_id}", blocks)


def health_message(envelope: Envelope) -> Message:
    data = envelope.get("data") or {}
    status, store = data.get("status", "?"), data.get("store", "?")
    if status == "ok":
        title = "🟢 Schema Registry Recovered: store up"
    else:
        title = f"🔴 Schema Registry Degraded: store {store}"
    text = f"Status `{_escape(data.get('previous', '?'))}` → `{_escape(status)}`"
    text += f"; store {_escape(store)}; index ready: {data.get('ready')}"
    if store != "up":
        text += "\nReads are served from the in-memory index; writes fail with 503."
    replica = data.get("replica")
    return _message(
        title,
        [_section(text), _context([f"Time: {_utc(envelope.get('time'))}", str(replica or "")])],
    )


def digest_message(envelope: Envelope) -> Message:
    data = envelope.get("data") or {}
    hours = float(data.get("period_seconds", 0)) / 3600
    top = [f"`{_escape(name)}`: {count:,}" for name, count in data.get("top_schemas") or []]
    blocks = [
        _fields(
            [
                ("Requests", f"{int(data.get('requests', 0)):,}"),
                ("Server errors", f"{int(data.get('errors', 0)):,}"),
                ("Versions published", f"{int(data.get('publishes', 0)):,}"),
                ("WebSocket subscribers", f"{int(data.get('subscribers', 0)):,}"),
            ]
        ),
        _section("*Most fetched:*\n" + (_bullets(top, 5) or "no fetches")),
        _context([f"Time: {_utc(envelope.get('time'))}"]),
    ]
    return _message(f"📊 Schema Registry Digest: last {hours:g} h", blocks)


def missed_message(reason: str) -> Message:
    text = f"Events were lost while notifications were behind: {_escape(reason)}"
    return _message("⚠️ Some schema notifications were skipped", [_section(text)])


_SIMPLE: dict[str, Callable[[Envelope], Message]] = {
    VERSION_CREATED: version_message,
    SCHEMA_DELETED: deleted_message,
    CONFIG_UPDATED: config_message,
    HEALTH_CHANGED: health_message,
    USAGE_DIGEST: digest_message,
}


def message_for(envelope: Envelope) -> Message | None:
    """The message of an envelope whose type needs no state (not validation failures)."""
    build = _SIMPLE.get(str(envelope.get("type")))
    return build(envelope) if build is not None else None


class SlackNotifier:
    """A `Notifier` that posts to Slack through `post` (a `WebhookDelivery.post`).

    Validation failures are added up per schema; a message goes out once a schema's rejected
    rows reach `failure_threshold` (its own entry in `thresholds`, if any), then its count
    starts again.
    """

    def __init__(
        self,
        post: Callable[[Message], Awaitable[bool]],
        *,
        failure_threshold: int = 100,
        thresholds: Mapping[str, int] | None = None,
    ) -> None:
        self._post = post
        self._threshold = failure_threshold
        self._thresholds = dict(thresholds or {})
        self._failures: dict[str, dict[str, Any]] = {}

    async def notify(self, envelope: Envelope) -> None:
        if envelope.get("type") == FAILURE_REPORTED:
            message = self._failures_due(envelope)
        else:
            message = message_for(envelope)
        if message is not None:
            await self._post(message)

    async def missed(self, reason: str) -> None:
        await self._post(missed_message(reason))

    def _failures_due(self, envelope: Envelope) -> Message | None:
        data = envelope.get("data") or {}
        schema_id = str(data.get("id") or envelope.get("subject"))
        totals = self._failures.setdefault(
            schema_id, {"rows": 0, "rejected": 0, "reports": 0, "reasons": {}, "versions": set()}
        )
        totals["rows"] += int(data.get("rows", 0))
        totals["rejected"] += int(data.get("rejected", 0))
        totals["reports"] += 1
        for reason, count in (data.get("reasons") or {}).items():
            totals["reasons"][reason] = totals["reasons"].get(reason, 0) + int(count)
        if data.get("version"):
            totals["versions"].add(str(data["version"]))
        threshold = self._thresholds.get(schema_id, self._threshold)
        if totals["rejected"] == 0 or totals["rejected"] < threshold:
            return None
        del self._failures[schema_id]
        return failure_message(schema_id, totals, envelope)
