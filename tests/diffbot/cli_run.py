"""Runs the diff bot's command line in-process and captures what it prints."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from service.diffbot.cli import main


@dataclass(frozen=True)
class Outcome:
    code: int
    out: str
    err: str


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> Outcome:
    capsys.readouterr()
    code = main(list(argv))
    captured = capsys.readouterr()
    return Outcome(code, captured.out, captured.err)
