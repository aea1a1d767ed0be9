"""The json and github formats: machine-readable shapes, escaping, annotations on the file."""

from __future__ import annotations

import json

import pytest

from service.diffbot.compare import Report, VersionReport
from service.diffbot.render import MARKER, render_github, render_markdown
from service.domain.versions import Version
from tests.diffbot.cli_run import run_cli
from tests.diffbot.conftest import Repo, breaking_minor

Capsys = pytest.CaptureFixture[str]


def test_json_format_lists_versions_changes_and_verdicts(repo: Repo, capsys: Capsys) -> None:
    repo.write(breaking_minor())
    repo.add_ticks("2.0.0")
    result = run_cli(capsys, "diff", "--against", "HEAD", "--format", "json")
    assert result.code == 1
    body = json.loads(result.out)
    assert body["failed"] is True
    assert body["breaking"] is True
    assert body["label"] == "schema:breaking"
    first, second = body["versions"]
    assert first["version"] == "1.3.0"
    assert first["path"] == "schemas/ticks_v1/1.3.0.json"
    assert (first["verdict"], first["required_bump"], first["declared_bump"]) == (
        "insufficient_bump",
        "major",
        "minor",
    )
    assert {change["type"] for change in first["changes"]} == {
        "REQUIRED_ATTRIBUTE_ADDED",
        "ARROW_NULLABLE_TO_NON_NULLABLE",
    }
    assert (second["version"], second["previous"], second["verdict"]) == ("2.0.0", "1.3.0", "ok")
    renamed = [c for c in second["changes"] if c["type"] == "ARROW_FIELD_RENAMED"]
    assert renamed == [
        {
            "type": "ARROW_FIELD_RENAMED",
            "path": "#/arrow/fields/2",
            "breaking": True,
            "message": "Field 'price' renamed to 'last_price'",
            "against": "1.3.0",
        }
    ]


def test_github_format_annotates_the_changed_files(repo: Repo, capsys: Capsys) -> None:
    repo.write(breaking_minor())
    repo.add_ticks("2.0.0")
    result = run_cli(capsys, "diff", "--against", "HEAD", "--format", "github")
    assert result.code == 1
    error, warning = result.out.splitlines()
    assert error.startswith(
        "::error file=schemas/ticks_v1/1.3.0.json,title=ticks_v1 1.3.0%3A version bump too small::"
    )
    assert "This PR must bump the MAJOR version number." in error
    assert warning.startswith("::warning file=schemas/ticks_v1/2.0.0.json,title=")
    assert "%0ABREAKING: Field 'price' renamed to 'last_price'" in warning


def _report(message: str, path: str = "schemas/x/1.0.0.json") -> Report:
    entry = VersionReport("x", Version(1, 0, 0), "removed", path, "deleted", message)
    return Report("base", "head", [entry])


def test_github_format_escapes_workflow_command_syntax() -> None:
    line = render_github(_report("100% gone\n::error::fake", "schemas/a,b/1.0.0.json"))
    assert line == (
        "::error file=schemas/a%2Cb/1.0.0.json,title=x 1.0.0%3A published version deleted::"
        "100%25 gone%0A::error::fake\n"
    )


def test_markdown_escapes_html_and_links() -> None:
    text = render_markdown(_report("<!-- schema-registry-diff --> [click](http://x) `x`"))
    assert text.count(MARKER) == 1
    assert "&lt;!-- schema-registry-diff --&gt; \\[click\\](http://x) \\`x\\`" in text
