"""`schema-registry clean`: exit codes and the summary, run in-process against a live registry."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from registry_client.cleaner.cli import main
from tests.client_cleaner.conftest import GOOD, Server, base_url, write_csv

pytestmark = pytest.mark.asyncio

BAD = "2026-01-02T03:04:05Z,AAPL,abc,100,B,7"


async def _run(*argv: str) -> int:
    # The registry serves on this test's loop; the CLI runs its own loop in a thread.
    return await asyncio.to_thread(main, ["clean", *argv])


async def test_clean_writes_outputs_and_prints_a_summary(
    registry: Server, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = write_csv(tmp_path / "data.csv", GOOD, BAD, BAD)
    out, bad = tmp_path / "clean.parquet", tmp_path / "bad.parquet"
    code = await _run(
        str(data),
        "--schema",
        "ticks_v1@1.1.0",
        "--out",
        str(out),
        "--quarantine",
        str(bad),
        "--registry",
        base_url(registry),
    )
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "data.csv against ticks_v1@1.1.0" in captured.out
    lines = captured.out.splitlines()
    assert any(line.split()[:2] == ["rows", "3"] for line in lines)
    assert any(line.split()[:2] == ["rejected", "2"] for line in lines)
    assert any(line.split()[:2] == ["type:price", "2"] for line in lines)
    assert pq.read_table(out).num_rows == 1
    assert pq.read_table(bad).num_rows == 2


async def test_no_report_and_environment_registry(
    registry: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SCHEMA_REGISTRY_URL", base_url(registry))
    data = write_csv(tmp_path / "data.csv", BAD)
    assert await _run(str(data), "--schema", "ticks_v1", "--no-report") == 0


@pytest.mark.parametrize(
    ("argv", "code", "message"),
    [
        (["{data}", "--schema", "ticks_v1@7.0.0"], 1, "version_not_found"),
        (["{data}", "--schema", "nope"], 1, "schema_not_found"),
        (["{data}", "--schema", "ticks_v1", "--registry", "http://127.0.0.1:9"], 1, "cannot reach"),
        (["{missing}", "--schema", "ticks_v1"], 2, "does not exist"),
        (["{empty}", "--schema", "ticks_v1"], 2, "is empty"),
        (["{data}", "--schema", "ticks_v1", "--delimiter", ";;"], 2, "one character"),
        (["{data}", "--schema", "@1.0.0"], 2, "not a schema reference"),
    ],
)
async def test_exit_codes(
    registry: Server,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    code: int,
    message: str,
) -> None:
    (tmp_path / "empty.csv").write_bytes(b"")
    paths = {
        "data": str(write_csv(tmp_path / "data.csv", GOOD)),
        "missing": str(tmp_path / "missing.csv"),
        "empty": str(tmp_path / "empty.csv"),
    }
    args = [a.format(**paths) for a in argv]
    if "--registry" not in args:
        args += ["--registry", base_url(registry)]
    assert await _run(*args) == code
    assert message in capsys.readouterr().err


async def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as raised:
        await _run("data.csv")
    assert raised.value.code == 2
    assert "--schema" in capsys.readouterr().err
