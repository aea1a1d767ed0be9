"""`diff --against registry:<url>` and `publish` against a real running registry."""

from __future__ import annotations

import asyncio
import json
import time

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from service.security.ratelimit import Budget
from tests.auth import secured, token
from tests.diffbot.cli_run import Outcome, run_cli
from tests.diffbot.conftest import Repo, base_url, breaking_minor, tick

pytestmark = pytest.mark.asyncio

Capsys = pytest.CaptureFixture[str]


async def cli(capsys: Capsys, *argv: str) -> Outcome:
    # The command runs its own event loop; this one keeps serving the registry meanwhile.
    return await asyncio.to_thread(run_cli, capsys, *argv)


async def publish(capsys: Capsys, server: TestServer, *more: str) -> Outcome:
    url = base_url(server)
    return await cli(capsys, "publish", "--registry", url, "--token", token("ci-bot"), *more)


async def versions(server: TestServer, schema_id: str = "ticks_v1") -> list[str]:
    url = f"{base_url(server)}/schema/{schema_id}/versions"
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        if response.status == 404:
            return []
        found: list[str] = (await response.json())["versions"]
        return found


async def test_publish_pushes_everything_in_order_then_nothing(
    repo: Repo, registry: TestServer, capsys: Capsys
) -> None:
    repo.add_ticks("2.0.0", "1.2.0")
    first = await publish(capsys, registry)
    assert first.code == 0, first.out + first.err
    assert [line for line in first.out.splitlines() if line.startswith("published")] == [
        f"published: ticks_v1 {v}" for v in ("1.0.0", "1.1.0", "1.2.0", "2.0.0")
    ]
    assert await versions(registry) == ["1.0.0", "1.1.0", "1.2.0", "2.0.0"]
    second = await publish(capsys, registry)
    assert second.code == 0, second.out + second.err
    assert "published:" not in second.out
    assert "done: published 0, 4 already present" in second.out


async def test_publish_stops_at_the_first_rejection(
    repo: Repo, registry: TestServer, capsys: Capsys
) -> None:
    assert (await publish(capsys, registry)).code == 0
    repo.write(breaking_minor())
    doc = tick("1.1.0")
    doc["version"] = "1.4.0"
    doc["required"].append("exchange_id")
    repo.write(doc)
    result = await publish(capsys, registry)
    assert result.code == 1
    assert "schemas/ticks_v1/1.3.0.json: the registry refused ticks_v1 1.3.0" in result.out
    assert "bump_required" in result.out
    assert "the changes require a MAJOR bump" in result.out
    assert "1.4.0" not in result.out
    assert await versions(registry) == ["1.0.0", "1.1.0"]


async def test_dry_run_publishes_nothing_and_predicts_refusals(
    repo: Repo, registry: TestServer, capsys: Capsys
) -> None:
    url = base_url(registry)
    result = await cli(capsys, "publish", "--registry", url, "--dry-run")
    assert result.code == 0, result.out + result.err
    assert "would publish: ticks_v1 1.0.0" in result.out
    assert "would publish: ticks_v1 1.1.0" in result.out
    assert await versions(registry) == []
    repo.write(breaking_minor())
    refused = await cli(capsys, "publish", "--registry", url, "--dry-run")
    assert refused.code == 1
    assert "1.3.0.json: the registry would refuse it" in refused.out
    assert await versions(registry) == []


async def test_publish_refuses_a_file_that_differs_from_the_published_version(
    repo: Repo, registry: TestServer, capsys: Capsys
) -> None:
    assert (await publish(capsys, registry)).code == 0
    doc = tick("1.0.0")
    doc["title"] = "edited after publishing"
    repo.write(doc)
    result = await publish(capsys, registry)
    assert result.code == 1
    assert "differs from the published ticks_v1 1.0.0" in result.out


async def test_publish_needs_a_token_and_a_registry(
    repo: Repo, capsys: Capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SCHEMA_REGISTRY_TOKEN", raising=False)
    no_token = await cli(capsys, "publish", "--registry", "http://127.0.0.1:9")
    assert no_token.code == 2
    assert "token is required" in no_token.err
    down = await cli(capsys, "publish", "--registry", "http://127.0.0.1:9", "--token", "t")
    assert down.code == 2
    assert "127.0.0.1:9" in down.err


# One write at once, two more per second: the publishes after the first meet 429 + Retry-After.
LIMITED = secured(store_url="memory://", write_budget=Budget(rate=2, burst=1))


@pytest.mark.parametrize("registry_settings", [LIMITED])
async def test_publish_waits_out_rate_limits(
    repo: Repo, registry: TestServer, capsys: Capsys
) -> None:
    repo.add_ticks("1.2.0")
    started = time.monotonic()
    result = await publish(capsys, registry)
    assert result.code == 0, result.out + result.err
    # Three writes at two per second after a burst of one: at least one Retry-After wait.
    assert time.monotonic() - started >= 0.5
    assert await versions(registry) == ["1.0.0", "1.1.0", "1.2.0"]


async def test_diff_against_a_registry(repo: Repo, registry: TestServer, capsys: Capsys) -> None:
    assert (await publish(capsys, registry)).code == 0
    against = f"registry:{base_url(registry)}"
    same = await cli(capsys, "diff", "--against", against, "--format", "json")
    assert same.code == 0, same.err
    assert json.loads(same.out)["versions"] == []
    repo.add_ticks("2.0.0")
    major = await cli(capsys, "diff", "--against", against, "--format", "markdown")
    assert major.code == 0, major.err
    assert "Field 'price' renamed to 'last_price'" in major.out
    repo.write(breaking_minor())
    (repo.schemas / "ticks_v1" / "1.0.0.json").unlink()
    broken = await cli(
        capsys, "diff", "--against", against, "--format", "json", "--token", token("reader")
    )
    assert broken.code == 1
    verdicts = {e["version"]: e["verdict"] for e in json.loads(broken.out)["versions"]}
    assert verdicts == {"1.0.0": "deleted", "1.3.0": "insufficient_bump", "2.0.0": "ok"}


async def test_diff_against_an_unreachable_registry_is_a_usage_error(
    repo: Repo, capsys: Capsys
) -> None:
    result = await cli(capsys, "diff", "--against", "registry:http://127.0.0.1:9")
    assert result.code == 2
    assert "127.0.0.1:9" in result.err
