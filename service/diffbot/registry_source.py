"""`--against registry:<url>`: what a running registry holds, as a snapshot to compare with."""

from __future__ import annotations

import asyncio
from pathlib import Path

from service.diffbot.remote import Answer, Registry, RemoteError, path_of
from service.diffbot.schemafile import FileProblem, file_path, load_schema_file
from service.diffbot.tree import Snapshot
from service.domain.config import CompatConfig, parse_config
from service.domain.errors import DomainError

# Parallel reads: enough to hide latency, few enough not to trip a registry's read budget.
_CONCURRENCY = 8


async def _ids(registry: Registry) -> list[str]:
    ids: list[str] = []
    cursor: str | None = None
    while True:
        params = {"limit": "1000", **({"cursor": cursor} if cursor else {})}
        answer = await registry.request("GET", "/schemas", params=params)
        if answer.status != 200:
            raise RemoteError(f"GET /schemas: {answer.error_text()}")
        page = answer.json()
        ids += [entry["id"] for entry in page["schemas"]]
        cursor = page.get("next_cursor")
        if not cursor:
            return ids


async def _get(registry: Registry, *segments: str) -> Answer:
    answer = await registry.request("GET", path_of(*segments))
    if answer.status != 200:
        raise RemoteError(f"GET {path_of(*segments)}: {answer.error_text()}")
    return answer


async def fetch_registry(
    registry: Registry, root: Path
) -> tuple[Snapshot, dict[str, CompatConfig]]:
    """Every version of every schema id in `registry`, named as if under `root`, and each
    id's effective compatibility config."""
    snapshot = Snapshot(f"registry {registry.base_url}")
    configs: dict[str, CompatConfig] = {}
    gate = asyncio.Semaphore(_CONCURRENCY)

    async def one_version(schema_id: str, version: str) -> None:
        async with gate:
            answer = await _get(registry, "schema", schema_id, version)
        path = file_path(root.as_posix(), schema_id, version)
        try:
            loaded = load_schema_file(path, schema_id, version, answer.body)
            snapshot.files[(loaded.schema_id, loaded.version)] = loaded
        except FileProblem as exc:
            snapshot.problems.append(exc)

    async def one_id(schema_id: str) -> None:
        async with gate:
            listing = (await _get(registry, "schema", schema_id, "versions")).json()
            config = (await _get(registry, "config", schema_id)).json()
        try:
            configs[schema_id] = parse_config(config)
        except DomainError as exc:
            raise RemoteError(f"config of {schema_id}: {exc.message}") from exc
        await asyncio.gather(*(one_version(schema_id, v) for v in listing["versions"]))

    await asyncio.gather(*(one_id(schema_id) for schema_id in await _ids(registry)))
    return snapshot, configs
