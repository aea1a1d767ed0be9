"""The diff bot's GitHub workflow: valid by GitHub's schema, and wired the way the issue says."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
WORKFLOW = ROOT / ".github" / "workflows" / "schema-validation.yml"


def _check_jsonschema() -> str:
    beside = Path(sys.executable).parent / "check-jsonschema"
    found = str(beside) if beside.exists() else shutil.which("check-jsonschema")
    if found is None:
        pytest.fail("check-jsonschema is missing: pip install check-jsonschema (a dev dependency)")
    return found


def test_workflow_validates_against_the_github_workflow_schema() -> None:
    done = subprocess.run(
        [_check_jsonschema(), "--builtin-schema", "vendor.github-workflows", str(WORKFLOW)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_workflow_diffs_comments_labels_and_publishes() -> None:
    text = WORKFLOW.read_text()
    for expected in (
        "fetch-depth: 0",
        'schema-registry diff --against "origin/$BASE_REF" schemas/',
        "--format markdown --labels-out schema-label.txt",
        "<!-- schema-registry-diff -->",
        "actions/github-script@v7",
        "github.rest.issues.updateComment",
        "github.rest.issues.addLabels",
        "schema-registry lint schemas/",
        "schema-registry publish schemas/",
        "${{ secrets.SCHEMA_REGISTRY_TOKEN }}",
        "${{ vars.SCHEMA_REGISTRY_URL }}",
    ):
        assert expected in text, expected
    # Untrusted PR code never runs with secrets.
    assert "pull_request_target" not in text
