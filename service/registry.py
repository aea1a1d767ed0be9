"""The application service: publish, check, validate, config and delete over store and index."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import fastjsonschema
import orjson

from service.domain.config import CompatConfig, effective, parse_config
from service.domain.documents import (
    PreparedDocument,
    parse_document,
    prepare,
    validator_schema,
)
from service.domain.errors import DomainError, VersionConflict
from service.domain.ids import validate_schema_id
from service.domain.publishing import ExistingVersion, check_compat, plan_publish
from service.domain.versions import Version
from service.index import CachedSchema, CachedVersion, ReadIndex
from service.security.audit import OK, SYSTEM, UNCHANGED, Actor, audit_entry
from service.storage.contract import (
    Conflict,
    NewVersion,
    NotFound,
    SchemaRecord,
    Store,
    StoreUnavailable,
    VersionExists,
)

log = logging.getLogger(__name__)

# The error list of a validate answer is capped; the counts always cover every record.
MAX_REPORTED_ERRORS = 100
# /health must answer even when the store hangs.
HEALTH_PROBE_TIMEOUT = 1.0

Validator = Callable[[Any], Any]

# Audit actions of the writes the registry commits (the route table names the same ones).
PUBLISH = "schema.publish"
DELETE = "schema.delete"
CONFIG_PUT = "config.put"
# The audit target of the global config (schema ids never contain a slash).
GLOBAL_TARGET = "/config"


class SchemaNotFound(DomainError):
    """No live schema has this id."""

    code = "schema_not_found"


class VersionNotFound(DomainError):
    """The schema exists but not this version."""

    code = "version_not_found"


class NotSoftDeleted(DomainError):
    """A permanent delete of a schema that was not soft-deleted first."""

    code = "not_soft_deleted"


class ValidatorUnavailable(DomainError):
    """A stored schema that fastjsonschema cannot compile."""

    code = "validator_unavailable"


@dataclass(frozen=True, slots=True)
class PublishOutcome:
    """`created` is False for an identical re-publish (the API answers 200, not 201)."""

    created: bool
    body: dict[str, Any]


def _existing(record: SchemaRecord | None) -> list[ExistingVersion]:
    if record is None:
        return []
    return [
        ExistingVersion(Version.parse(v.version), v.document, v.fingerprint)
        for v in record.versions
    ]


def _config_of(stored: dict[str, Any] | None) -> CompatConfig | None:
    return parse_config(stored) if stored else None


def _seed_files(directory: Path) -> list[Path]:
    files = directory.glob("*/*.json")
    return sorted(files, key=lambda p: (p.parent.name, Version.parse(p.stem)))


def _check_one(validator: Validator, index: int, record: Any) -> dict[str, Any] | None:
    try:
        validator(record)
    except fastjsonschema.JsonSchemaValueException as exc:
        # A JSON pointer (RFC 6901) below the record; fastjsonschema's first part is "data".
        parts = (part.replace("~", "~0").replace("/", "~1") for part in exc.path[1:])
        path = "".join(f"/{part}" for part in parts)
        return {"index": index, "path": path, "message": exc.message}
    return None


def _validate_all(validator: Validator, records: list[Any]) -> dict[str, Any]:
    errors: list[dict[str, Any]] = []
    invalid = 0
    for position, record in enumerate(records):
        error = _check_one(validator, position, record)
        if error is not None:
            invalid += 1
            if len(errors) < MAX_REPORTED_ERRORS:
                errors.append(error)
    return {"valid": len(records) - invalid, "invalid": invalid, "errors": errors}


class Registry:
    """Writes go to the store (compare-and-swap) and wait for the index; reads use the index."""

    def __init__(self, store: Store, index: ReadIndex) -> None:
        self._store = store
        self._index = index
        # Keyed by fingerprint: content-addressed, so a re-used version string never hits stale.
        self._validators: dict[str, Validator] = {}

    # -- reads -----------------------------------------------------------------------------

    def schema(self, schema_id: str) -> CachedSchema:
        cached = self._index.get(schema_id)
        if cached is None:
            # Only ids that were validated when published are in the index: validate on a miss
            # so a malformed id still answers 400, without a regex on every cached read.
            validate_schema_id(schema_id)
            raise SchemaNotFound(f"schema {schema_id!r} not found", {"id": schema_id})
        return cached

    def version(self, schema_id: str, version: str | None) -> CachedVersion:
        """`version` None or "latest" means the highest version."""
        cached = self._index.get(schema_id)
        if cached is not None:
            # The cached-read path: the latest, or a version spelt canonically, without parsing.
            found = cached.latest if version is None else cached.by_version.get(version)
            if found is not None:
                return found
        cached = self.schema(schema_id)
        if version is None or version == "latest":
            return cached.latest
        found = cached.by_version.get(str(Version.parse(version)))
        if found is None:
            raise VersionNotFound(
                f"schema {schema_id!r} has no version {version}",
                {"id": schema_id, "version": version},
            )
        return found

    def config(self, schema_id: str | None) -> CompatConfig:
        """The effective config (the schema's own, else global, else the default)."""
        global_cfg = _config_of(self._index.config(None)) or CompatConfig()
        if schema_id is None:
            return global_cfg
        return effective(global_cfg, _config_of(self._index.config(validate_schema_id(schema_id))))

    # -- publishing ------------------------------------------------------------------------

    async def publish(self, schema_id: str, body: bytes, actor: Actor) -> PublishOutcome:
        """Checks and commits one version, audited as `actor`'s; of concurrent publishes to one
        id exactly one wins each round, and a loser is re-planned once against what won."""
        prepared = await asyncio.to_thread(prepare, schema_id, None, parse_document(body))
        for attempt in range(2):
            outcome = await self._attempt(prepared, actor)
            if outcome is not None:
                return outcome
            log.info("publish %s %s lost a race (attempt %d)", schema_id, prepared.version, attempt)
        raise VersionConflict(
            f"{schema_id} changed concurrently while publishing {prepared.version}; retry",
            {"version": str(prepared.version), "reason": "concurrent_update"},
        )

    async def _attempt(self, prepared: PreparedDocument, actor: Actor) -> PublishOutcome | None:
        """One read-plan-commit round; None when another commit moved the record meanwhile."""
        # The record and the configs come from the store, not the index, so a publish through
        # one replica never plans against what another replica changed a moment ago; read
        # together, they are consistent and cost one round trip to a remote store.
        governed = await self._store.get_governed(prepared.schema_id)
        record = governed.record
        global_cfg = _config_of(governed.global_config) or CompatConfig()
        config = effective(global_cfg, _config_of(governed.config))
        plan = await asyncio.to_thread(plan_publish, prepared, _existing(record), config)
        result = {
            "id": prepared.schema_id,
            "version": str(prepared.version),
            "fingerprint": prepared.fingerprint,
            "previous": str(plan.previous) if plan.previous else None,
            "required_bump": plan.required_bump,
            "changes": plan.changes,
        }
        if plan.idempotent and record is not None and record.deleted:
            # The store cannot re-add a version it still holds; a 200 would hide a 404.
            raise VersionConflict(
                f"{prepared.version} belongs to soft-deleted schema {prepared.schema_id!r}; "
                "publish a higher version to revive it, or delete it permanently first",
                {"version": str(prepared.version), "reason": "soft_deleted"},
            )
        details = {"version": result["version"], "fingerprint": prepared.fingerprint}
        if plan.idempotent:
            # Nothing to commit, but the attempt is on record.
            unchanged = audit_entry(actor, PUBLISH, prepared.schema_id, UNCHANGED, details)
            await self._store.append_audit(unchanged)
            return PublishOutcome(False, result)
        new = NewVersion(
            prepared.schema_id, str(prepared.version), prepared.canonical, prepared.fingerprint
        )
        event = {key: result[key] for key in ("previous", "required_bump", "changes")}
        try:
            stored = await self._store.create_version(
                new,
                expected_mod_revision=record.mod_revision if record else 0,
                event_data={**event, "breaking": plan.breaking},
                audit=audit_entry(
                    actor,
                    PUBLISH,
                    prepared.schema_id,
                    OK,
                    {**details, "required_bump": plan.required_bump, "breaking": plan.breaking},
                ),
            )
        except (VersionExists, Conflict):
            # VersionExists too: the re-plan says idempotent (200) or conflicting content (409).
            return None
        await self._index.wait_for(stored.revision)
        return PublishOutcome(True, result)

    async def seed(self, directory: Path) -> int:
        """Publishes `directory/<id>/<version>.json` in version order if the store is empty."""
        if await self._store.list_ids(limit=1, include_deleted=True):
            log.info("store is not empty; not seeding from %s", directory)
            return 0
        ordered = await asyncio.to_thread(_seed_files, directory)
        for path in ordered:
            body = await asyncio.to_thread(path.read_bytes)
            outcome = await self.publish(path.parent.name, body, SYSTEM)
            log.info("seeded %s %s", outcome.body["id"], outcome.body["version"])
        return len(ordered)

    # -- checks ----------------------------------------------------------------------------

    async def check(self, schema_id: str, body: bytes, against: str | None) -> dict[str, Any]:
        """Dry run: the candidate in `body` diffed against `against` (default: latest)."""
        doc = parse_document(body)
        base = self.version(schema_id, against)
        # A candidate without a version is checked as if it replaced the one it is diffed with.
        version = None if "version" in doc else base.version
        prepared = await asyncio.to_thread(prepare, schema_id, version, doc)
        existing = ExistingVersion(base.version, base.body, base.fingerprint)
        return await asyncio.to_thread(
            check_compat, prepared.canonical, existing, self.config(schema_id)
        )

    async def diff_versions(self, schema_id: str, old: str, new: str) -> dict[str, Any]:
        """Two stored versions diffed under the schema's effective config."""
        before, after = self.version(schema_id, old), self.version(schema_id, new)
        existing = ExistingVersion(before.version, before.body, before.fingerprint)
        return await asyncio.to_thread(check_compat, after.body, existing, self.config(schema_id))

    async def validate(
        self, schema_id: str, version: str | None, records: list[Any]
    ) -> dict[str, Any]:
        """Counts of valid and invalid records, and the first errors with their positions."""
        validator = await self._validator(self.version(schema_id, version))
        try:
            # fastjsonschema is pure Python: a big batch runs off the loop.
            return await asyncio.to_thread(_validate_all, validator, records)
        except RecursionError as exc:
            # Records are at most 64 levels deep, so only a `$ref` cycle that never reaches a
            # schema (x → y → x) recurses this far; compat_rs.check_document lets those through.
            raise ValidatorUnavailable(
                "the schema's $ref graph loops without reaching a schema; it cannot validate"
            ) from exc

    async def _validator(self, cached: CachedVersion) -> Validator:
        validator = self._validators.get(cached.fingerprint)
        if validator is None:
            schema = validator_schema(orjson.loads(cached.body))
            try:
                validator = await asyncio.to_thread(fastjsonschema.compile, schema)
            # re.error: ECMA-262 patterns (so valid documents) that Python's re rejects, like
            # \p{L} or (?<name>…); fastjsonschema compiles them with re and lets that escape.
            except (fastjsonschema.JsonSchemaDefinitionException, re.error) as exc:
                raise ValidatorUnavailable(f"cannot compile a validator: {exc}") from exc
            self._validators[cached.fingerprint] = validator
        return validator

    async def health(self) -> dict[str, Any]:
        """Store reachability (probed now, bounded) and how far the index trails the store."""
        try:
            async with asyncio.timeout(HEALTH_PROBE_TIMEOUT):
                store_revision: int | None = await self._store.revision()
        except (StoreUnavailable, TimeoutError):
            store_revision = None
        store_up = store_revision is not None and self._index.store_up
        lag = max(0, store_revision - self._index.revision) if store_revision is not None else None
        return {
            "status": "ok" if store_up and self._index.ready else "degraded",
            "store": "up" if store_up else "down",
            "index": {
                "ready": self._index.ready,
                "revision": self._index.revision,
                "lag": lag,
                "watch_resumes": self._index.resumes,
                "watch_reloads": self._index.reloads,
            },
        }

    # -- config and deletes ----------------------------------------------------------------

    async def put_config(self, schema_id: str | None, body: Any, actor: Actor) -> CompatConfig:
        """Replaces a config; keys the body leaves out keep their effective value."""
        target = validate_schema_id(schema_id) if schema_id is not None else None
        config = parse_config(body, base=self.config(target))
        entry = audit_entry(
            actor, CONFIG_PUT, target or GLOBAL_TARGET, OK, {"config": config.to_dict()}
        )
        revision = await self._store.put_config(
            target, config.to_dict(), event_data={}, audit=entry
        )
        await self._index.wait_for(revision)
        return config

    async def delete(self, schema_id: str, permanent: bool, actor: Actor) -> dict[str, Any]:
        """Soft delete, or (after one) a permanent delete that frees the id."""
        validate_schema_id(schema_id)
        entry = audit_entry(actor, DELETE, schema_id, OK, {"permanent": permanent})
        try:
            revision = await self._store.delete(
                schema_id, permanent=permanent, event_data={}, audit=entry
            )
        except NotFound as exc:
            raise SchemaNotFound(str(exc), {"id": schema_id}) from exc
        except Conflict as exc:
            raise NotSoftDeleted(
                f"schema {schema_id!r} must be soft-deleted before a permanent delete",
                {"id": schema_id},
            ) from exc
        await self._index.wait_for(revision)
        return {"id": schema_id, "deleted": True, "permanent": permanent}
