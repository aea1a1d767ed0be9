"""A comparison report as text, JSON, a Markdown PR comment or GitHub workflow annotations."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson

from service.diffbot.compare import Report, VersionReport

FORMATS = ("text", "json", "markdown", "github")

# The workflow finds its own earlier comment by this marker and edits it instead of adding one.
MARKER = "<!-- schema-registry-diff -->"

_VERDICT = {
    "ok": "ok",
    "insufficient_bump": "version bump too small",
    "version_conflict": "version conflict",
    "immutable_edit": "published version edited",
    "deleted": "published version deleted",
    "invalid": "invalid",
}
_KIND = {"added": "new version", "removed": "deleted", "modified": "edited in place"}

# Schema authors choose property names; keep them from opening HTML, links or emphasis.
_MARKDOWN_ESCAPES = str.maketrans(
    {"&": "&amp;", "<": "&lt;", ">": "&gt;", "`": "\\`", "*": "\\*", "[": "\\[", "]": "\\]"}
    | {"|": "\\|", "\\": "\\\\"}
)


def _md(text: str) -> str:
    return text.translate(_MARKDOWN_ESCAPES)


def _must_bump(entry: VersionReport) -> str:
    return f"This PR must bump the {str(entry.required_bump).upper()} version number."


def render_json(report: Report) -> str:
    body: dict[str, Any] = {
        "base": report.base,
        "head": report.head,
        "failed": report.failed,
        "breaking": report.breaking,
        "label": report.label,
        "versions": [entry.to_dict() for entry in report.versions],
    }
    return orjson.dumps(body, option=orjson.OPT_INDENT_2).decode() + "\n"


def render_text(report: Report) -> str:
    lines = [f"Comparing {report.base} with {report.head}"]
    if not report.versions:
        lines.append("No schema changes.")
    for entry in report.versions:
        status = "FAIL" if entry.failed else "ok"
        lines.append(f"[{status}] {entry.path} ({_KIND[entry.kind]}): {entry.message}")
        for change in entry.changes:
            flag = "breaking  " if change["breaking"] else "compatible"
            lines.append(f"    {flag} {change['path']}: {change['message']}")
        if entry.verdict == "insufficient_bump":
            lines.append(f"    {_must_bump(entry)}")
    verdict = "FAILED" if report.failed else "passed"
    lines.append(f"{len(report.versions)} versions differ; label {report.label}; check {verdict}")
    return "\n".join(lines) + "\n"


def _markdown_entry(entry: VersionReport) -> list[str]:
    title = f"### {'❌' if entry.failed else '✅'} `{entry.schema_id}` {entry.version}"
    lines = [f"{title} ({_KIND[entry.kind]})", "", _md(entry.message)]
    if entry.required_bump is not None and entry.previous is not None:
        lines += [
            "",
            f"Required bump: **{entry.required_bump.upper()}** · declared: "
            f"**{str(entry.declared_bump).upper()}** (over {entry.previous})",
        ]
    if entry.changes:
        lines.append("")
        for change in entry.changes:
            mark = "⚠️ breaking" if change["breaking"] else "compatible"
            lines.append(f"- {_md(change['message'])} — {mark} (`{_md(change['path'])}`)")
    if entry.verdict == "insufficient_bump":
        lines += ["", f"**{_must_bump(entry)}**"]
    return [*lines, ""]


def render_markdown(report: Report) -> str:
    lines = [MARKER, "## Schema Changes Detected", ""]
    if not report.versions:
        lines = [MARKER, "## No Schema Changes", "", f"Compared with {_md(report.base)}."]
        return "\n".join(lines) + "\n"
    if report.breaking:
        lines += ["⚠️ BREAKING CHANGES DETECTED", ""]
    else:
        lines += ["✅ All changes are backward compatible.", ""]
    if report.failed:
        lines += ["❌ **This PR cannot be merged as it is:** see the versions marked ❌.", ""]
    elif report.breaking:
        lines += ["The breaking changes come with the MAJOR version bump they require.", ""]
    for entry in report.versions:
        lines += _markdown_entry(entry)
    lines.append(f"<sub>Compared with {_md(report.base)}; label `{report.label}`.</sub>")
    return "\n".join(lines) + "\n"


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def render_github(report: Report) -> str:
    lines = []
    for entry in report.versions:
        if entry.failed:
            level, title = "error", f"{entry.schema_id} {entry.version}: {_VERDICT[entry.verdict]}"
        elif entry.breaking:
            level, title = "warning", f"{entry.schema_id} {entry.version}: breaking changes"
        else:
            level, title = "notice", f"{entry.schema_id} {entry.version}: compatible"
        details = [entry.message]
        details += [
            f"{'BREAKING' if change['breaking'] else 'compatible'}: {change['message']}"
            for change in entry.changes
        ]
        if entry.verdict == "insufficient_bump":
            details.append(_must_bump(entry))
        lines.append(
            f"::{level} file={_property(entry.path)},title={_property(title)}::"
            f"{_data(chr(10).join(details))}"
        )
    return "".join(line + "\n" for line in lines)


RENDERERS: dict[str, Callable[[Report], str]] = {
    "text": render_text,
    "json": render_json,
    "markdown": render_markdown,
    "github": render_github,
}
