"""`lint`: every file valid and named `<id>/<version>.json` after its own id and version."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.diffbot.cli_run import run_cli
from tests.diffbot.conftest import SCHEMAS, Repo, tick

Capsys = pytest.CaptureFixture[str]


def test_the_repository_schemas_are_valid(capsys: Capsys) -> None:
    result = run_cli(capsys, "lint", str(SCHEMAS))
    assert result.code == 0, result.out
    assert "4 schema files of 1 schema ids are valid" in result.out


def test_every_problem_is_reported(repo: Repo, capsys: Capsys) -> None:
    repo.write(tick("1.1.0"), name="1.5.0")
    repo.write(tick("1.0.0"), schema_id="quotes_v1")
    (repo.schemas / "ticks_v1" / "1.6.0.json").write_text("[1, 2")
    invalid = tick("1.0.0")
    invalid["version"] = "1.7.0"
    invalid["properties"]["size"]["type"] = "integr"
    repo.write(invalid)
    (repo.schemas / "stray.json").write_text("{}")
    (repo.schemas / "README.md").write_text("not a schema")
    result = run_cli(capsys, "lint")
    assert result.code == 1
    lines = result.out.splitlines()
    assert lines[-1] == "5 of 7 schema files have problems"
    problems = "\n".join(lines)
    assert "schemas/ticks_v1/1.5.0.json: the document's version '1.1.0' disagrees" in problems
    assert "schemas/quotes_v1/1.0.0.json: the document's id 'ticks_v1' disagrees" in problems
    assert "schemas/ticks_v1/1.6.0.json: invalid JSON" in problems
    assert "schemas/ticks_v1/1.7.0.json: " in problems
    assert "schemas/stray.json: schema files live at <id>/<version>.json" in problems


def test_bad_names_are_reported(repo: Repo, capsys: Capsys) -> None:
    repo.write(tick("1.0.0"), name="v1.0")
    repo.write(tick("1.0.0"), schema_id="-bad")
    result = run_cli(capsys, "lint")
    assert result.code == 1
    assert "schemas/ticks_v1/v1.0.json: version 'v1.0' is invalid" in result.out
    assert "schemas/-bad/1.0.0.json: schema id '-bad'" in result.out


def test_missing_directory_is_a_usage_error(tmp_path: Path, capsys: Capsys) -> None:
    result = run_cli(capsys, "lint", str(tmp_path / "nowhere"))
    assert result.code == 2
    assert "is not a directory" in result.err
