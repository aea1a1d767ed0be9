"""`DatasetCleaner`: fetch a schema from the registry, clean a file with it, report failures."""

from __future__ import annotations

import asyncio
import logging
import os
from pathlib import Path
from types import TracebackType
from typing import Any

import aiohttp

from registry_client.cleaner.columns import plan_for
from registry_client.cleaner.errors import RegistryUnavailable
from registry_client.cleaner.pipeline import Outputs, Progress, clean_file
from registry_client.cleaner.remote import fetch_document, parse_ref, post_failures
from registry_client.cleaner.remote import registry_url as resolve_registry_url
from registry_client.cleaner.report import CleanResult

log = logging.getLogger(__name__)

PathLike = str | os.PathLike[str]


class DatasetCleaner:
    """Cleans CSV or Parquet files against a registry schema, vectorised in Arrow.

    `registry_url` defaults to $SCHEMA_REGISTRY_URL, then http://localhost:8000; `token` is a
    bearer token for registries that require one for reads. `batch_rows` bounds the rows held
    per batch (CSV batches are sized in bytes from it). Pass an `aiohttp.ClientSession` to share
    one; otherwise the cleaner opens its own and `close()` (or `async with`) releases it.
    """

    def __init__(
        self,
        registry_url: str | None = None,
        *,
        token: str | None = None,
        batch_rows: int = 65_536,
        session: aiohttp.ClientSession | None = None,
        delimiter: str = ",",
    ) -> None:
        if batch_rows < 1:
            raise ValueError("batch_rows must be at least 1")
        self.registry_url = resolve_registry_url(registry_url)
        self._token = token
        self._batch_rows = batch_rows
        self._delimiter = delimiter
        self._session = session
        self._owns_session = session is None

    async def __aenter__(self) -> DatasetCleaner:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        if self._owns_session and self._session is not None:
            await self._session.close()
            self._session = None

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession()
        return self._session

    async def fetch_schema(self, schema_ref: str) -> dict[str, Any]:
        """The registry document of `id@version` (a bare id: the latest version)."""
        schema_id, version = parse_ref(schema_ref)
        return await fetch_document(
            self._http(), self.registry_url, schema_id, version, self._token
        )

    async def load_raw_data(
        self,
        file_path: PathLike,
        schema_id: str,
        out: PathLike | None = None,
        quarantine: PathLike | None = None,
        report: bool = True,
        *,
        keep_tables: bool | None = None,
        progress: Progress | None = None,
    ) -> CleanResult:
        """Cleans `file_path` against `schema_id` (`id@version`, or a bare id for the latest).

        Clean rows (cast to the schema's Arrow types) go to `out`, rejected rows (as text, with
        one `_reason` each: the first failing rule, in the order of rules.py) to `quarantine`,
        both as Parquet written while reading. `keep_tables` None keeps in memory only the
        tables that are not written to a file: with both paths given only the counts are kept,
        whatever the file's size. True keeps both, False neither.
        When `report` and some rows were rejected, the counts are posted to the registry
        (`POST /schema/{id}/failures`); a refused report is logged, not raised.

        `CleanerError`: the file cannot be cleaned (missing, empty, header not the schema's),
        nothing is written. `RegistryUnavailable`: no schema could be fetched.
        `progress(done, total)` is called after each batch from a worker thread.
        """
        name, _ = parse_ref(schema_id)
        document = await self.fetch_schema(schema_id)
        version = str(document.get("version") or "")
        try:
            plan = plan_for(document)
        except ValueError as exc:
            raise RegistryUnavailable(f"{schema_id}: unusable arrow block: {exc}") from exc
        outputs = Outputs(
            out=Path(out) if out is not None else None,
            quarantine=Path(quarantine) if quarantine is not None else None,
            keep_clean=keep_tables if keep_tables is not None else out is None,
            keep_quarantine=keep_tables if keep_tables is not None else quarantine is None,
        )
        counts, clean, rejected = await asyncio.to_thread(
            clean_file,
            Path(file_path),
            plan,
            outputs,
            delimiter=self._delimiter,
            batch_rows=self._batch_rows,
            progress=progress,
        )
        result = CleanResult(name, version, counts, clean, rejected)
        if report and counts.rejected:
            result.reported = await self._report(name, result, Path(file_path).name)
        return result

    async def _report(self, schema_id: str, result: CleanResult, source: str) -> bool:
        payload = result.counts.payload(result.version or None, source)
        try:
            await post_failures(self._http(), self.registry_url, schema_id, payload, self._token)
        except RegistryUnavailable as exc:
            log.warning("failure report for %s not delivered: %s", schema_id, exc)
            return False
        return True
