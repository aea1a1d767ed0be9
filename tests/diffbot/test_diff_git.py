"""`diff --against <git ref>` over the ticks_v1 evolution in a real repository."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.diffbot.cli_run import run_cli
from tests.diffbot.conftest import Repo, breaking_minor, tick

Capsys = pytest.CaptureFixture[str]


def test_adding_a_compatible_minor_version_passes(tmp_path: Path, capsys: Capsys) -> None:
    repo = Repo(tmp_path / "repo")
    repo.add_ticks("1.0.0")
    repo.commit()
    repo.add_ticks("1.1.0")
    labels = tmp_path / "labels.txt"
    result = run_cli(
        capsys, "diff", "--against", "HEAD", str(repo.schemas), "--labels-out", str(labels)
    )
    assert result.code == 0, result.out + result.err
    assert "[ok]" in result.out
    assert "its changes require MINOR" in result.out
    assert labels.read_text() == "schema:compatible\n"


def test_major_rename_passes_and_is_reported(repo: Repo, capsys: Capsys) -> None:
    repo.add_ticks("2.0.0")
    result = run_cli(capsys, "diff", "--against", "HEAD", "--format", "markdown")
    assert result.code == 0, result.out + result.err
    assert result.out.startswith("<!-- schema-registry-diff -->\n## Schema Changes Detected")
    assert "⚠️ BREAKING CHANGES DETECTED" in result.out
    assert "Field 'price' renamed to 'last_price'" in result.out
    assert "must bump" not in result.out


def test_breaking_change_declared_minor_fails(repo: Repo, capsys: Capsys) -> None:
    repo.write(breaking_minor())
    result = run_cli(
        capsys, "diff", "--against", "HEAD", "--format", "markdown", "--labels-out", "labels"
    )
    assert result.code == 1
    assert "⚠️ BREAKING CHANGES DETECTED" in result.out
    assert "This PR must bump the MAJOR version number." in result.out
    assert "property 'exchange_id' is now required" in result.out
    assert (repo.root / "labels").read_text() == "schema:breaking\n"


def test_compatible_markdown_says_so(repo: Repo, capsys: Capsys) -> None:
    doc = tick("1.1.0")
    doc["version"] = "1.1.1"
    doc["title"] = "Level-1 ticks"
    repo.write(doc)
    result = run_cli(capsys, "diff", "--against", "HEAD", "--format", "markdown")
    assert result.code == 0, result.out
    assert "All changes are backward compatible." in result.out
    assert "BREAKING" not in result.out


def test_editing_a_published_version_fails(repo: Repo, capsys: Capsys) -> None:
    doc = tick("1.0.0")
    doc["properties"]["size"]["minimum"] = 1
    repo.write(doc)
    result = run_cli(capsys, "diff", "--against", "HEAD")
    assert result.code == 1
    assert "edited in place" in result.out
    assert "published versions are immutable" in result.out


def test_reformatting_a_published_version_is_no_change(repo: Repo, capsys: Capsys) -> None:
    path = repo.schemas / "ticks_v1" / "1.0.0.json"
    path.write_text(json.dumps(tick("1.0.0"), separators=(",", ":")))
    result = run_cli(capsys, "diff", "--against", "HEAD", "--format", "json")
    assert result.code == 0
    assert json.loads(result.out)["versions"] == []


def test_deleting_a_version_fails(repo: Repo, capsys: Capsys) -> None:
    (repo.schemas / "ticks_v1" / "1.1.0.json").unlink()
    result = run_cli(capsys, "diff", "--against", "HEAD", "--labels-out", "labels")
    assert result.code == 1
    assert "schemas/ticks_v1/1.1.0.json (deleted)" in result.out
    assert (repo.root / "labels").read_text() == "schema:breaking\n"


def test_version_below_the_line_head_is_a_conflict(repo: Repo, capsys: Capsys) -> None:
    doc = tick("1.0.0")
    doc["version"] = "1.0.5"
    repo.write(doc)
    result = run_cli(capsys, "diff", "--against", "HEAD", "--format", "json")
    assert result.code == 1
    [entry] = json.loads(result.out)["versions"]
    assert entry["verdict"] == "version_conflict"


def test_versions_are_checked_against_each_other_in_order(repo: Repo, capsys: Capsys) -> None:
    # 1.2.0 widens size; 2.0.0 renames price. Each is planned against the one before it.
    repo.add_ticks("1.2.0", "2.0.0")
    result = run_cli(capsys, "diff", "--against", "HEAD", "--format", "json")
    assert result.code == 0, result.out
    entries = json.loads(result.out)["versions"]
    assert [(e["version"], e["previous"], e["required_bump"]) for e in entries] == [
        ("1.2.0", "1.1.0", "minor"),
        ("2.0.0", "1.2.0", "major"),
    ]


def test_file_name_disagreeing_with_version_is_a_file_error(repo: Repo, capsys: Capsys) -> None:
    repo.write(tick("1.1.0"), name="1.5.0")
    result = run_cli(capsys, "diff", "--against", "HEAD")
    assert result.code == 2
    assert "schemas/ticks_v1/1.5.0.json" in result.err
    assert "disagrees with the file name" in result.err


def test_invalid_json_is_a_file_error(repo: Repo, capsys: Capsys) -> None:
    (repo.schemas / "ticks_v1" / "1.2.0.json").write_text('{"id": "ticks_v1",')
    result = run_cli(capsys, "diff", "--against", "HEAD")
    assert result.code == 2
    assert "invalid JSON" in result.err


def test_unknown_ref_is_a_usage_error(repo: Repo, capsys: Capsys) -> None:
    result = run_cli(capsys, "diff", "--against", "origin/no-such-branch")
    assert result.code == 2
    assert "unknown Git ref 'origin/no-such-branch'" in result.err


def test_outside_a_repository_is_a_usage_error(
    tmp_path: Path, capsys: Capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    plain = tmp_path / "plain"
    (plain / "schemas" / "ticks_v1").mkdir(parents=True)
    # Stop Git from finding a repository above the temp dir.
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    monkeypatch.chdir(plain)
    result = run_cli(capsys, "diff", "--against", "HEAD")
    assert result.code == 2
    assert "not a git repository" in result.err.lower()


def test_compares_with_a_branch_from_a_subdirectory(repo: Repo, capsys: Capsys) -> None:
    repo.git("checkout", "-q", "-b", "feature")
    repo.add_ticks("2.0.0")
    repo.commit("2.0.0")
    (repo.schemas / "ticks_v1" / "2.0.0.json").unlink()
    result = run_cli(capsys, "diff", "--against", "main", str(repo.schemas))
    assert result.code == 0, result.err
    assert "No schema changes." in result.out
    result = run_cli(capsys, "diff", "--against", "feature", str(repo.schemas))
    assert result.code == 1
    assert "(deleted)" in result.out


def test_deleting_the_whole_tree_reports_every_version(repo: Repo, capsys: Capsys) -> None:
    for path in (repo.schemas / "ticks_v1").iterdir():
        path.unlink()
    (repo.schemas / "ticks_v1").rmdir()
    repo.schemas.rmdir()
    result = run_cli(capsys, "diff", "--against", "HEAD", "--format", "json")
    assert result.code == 1
    kinds = [entry["kind"] for entry in json.loads(result.out)["versions"]]
    assert kinds == ["removed", "removed"]
