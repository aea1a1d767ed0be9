"""Prometheus metrics of one app, on its own registry; labels are route templates, never paths."""

from __future__ import annotations

import time
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

# Unmatched requests (404s for arbitrary paths) share one label value: raw paths are unbounded.
UNMATCHED = "unmatched"


class Metrics:
    """The registry's metrics; each app has its own `CollectorRegistry` (tests build many)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.request_duration = Histogram(
            "schema_registry_request_duration_seconds",
            "HTTP request duration by method, route template and status.",
            ["method", "route", "status"],
            registry=self.registry,
            buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0),
        )
        self.schema_fetches = Counter(
            "schema_registry_schema_fetches",
            "Schema versions served, by schema id and version.",
            ["schema_id", "version"],
            registry=self.registry,
        )
        self.schemas_created = Counter(
            "schema_registry_schemas_created",
            "Schema versions published (identical re-publishes not counted).",
            registry=self.registry,
        )
        self.compat_checks = Counter(
            "schema_registry_compat_checks",
            "Compatibility checks and diffs by result.",
            ["result"],
            registry=self.registry,
        )
        self.cache_lookups = Counter(
            "schema_registry_index_lookups",
            "Read-index lookups by outcome (hit or miss).",
            ["outcome"],
            registry=self.registry,
        )

        self.store_up = Gauge(
            "schema_registry_store_up",
            "1 when the store answered the last probe, else 0.",
            registry=self.registry,
        )
        self.index_revision = Gauge(
            "schema_registry_index_revision",
            "Store revision the read index reflects.",
            registry=self.registry,
        )
        self.watch_lag = Gauge(
            "schema_registry_watch_lag_revisions",
            "Revisions the read index trails the store by (unset while the store is down).",
            registry=self.registry,
        )

        # Labelled children by label values: `labels()` takes a lock and builds a key on every
        # call, which shows on the cached-read path; the label sets are bounded (see route_label).
        self._durations: dict[tuple[str, str, int], Any] = {}
        self._fetches: dict[tuple[str, str], Any] = {}
        self.index_hits = self.cache_lookups.labels("hit")
        self.index_misses = self.cache_lookups.labels("miss")

    def observe_request(self, method: str, route: str, status: int, seconds: float) -> None:
        """Records one request's duration under its route template."""
        key = (method, route, status)
        child = self._durations.get(key)
        if child is None:
            child = self._durations[key] = self.request_duration.labels(method, route, str(status))
        child.observe(seconds)

    def fetched(self, schema_id: str, version: str) -> None:
        """Counts one served schema version (only found ones, so labels stay bounded)."""
        key = (schema_id, version)
        child = self._fetches.get(key)
        if child is None:
            child = self._fetches[key] = self.schema_fetches.labels(schema_id, version)
        child.inc()

    def observe_health(self, health: dict[str, Any]) -> None:
        """Sets the store and index gauges from a `Registry.health()` report."""
        self.store_up.set(1 if health["store"] == "up" else 0)
        index = health["index"]
        self.index_revision.set(index["revision"])
        if index["lag"] is not None:
            self.watch_lag.set(index["lag"])

    def render(self) -> bytes:
        """The Prometheus text exposition of every metric."""
        return generate_latest(self.registry)


def route_label(request: web.Request) -> str:
    """The matched route's template (`/schema/{id}`), or `unmatched`."""
    resource = request.match_info.route.resource
    return resource.canonical if resource is not None else UNMATCHED


def metrics_middleware(metrics: Metrics) -> Middleware:
    """Times every request; sits outside the error middleware so it sees the final status."""

    @web.middleware
    async def observe(request: web.Request, handler: Handler) -> web.StreamResponse:
        started = time.perf_counter()
        status = 500
        try:
            response = await handler(request)
            status = response.status
            return response
        except web.HTTPException as exc:
            status = exc.status
            raise
        finally:
            metrics.observe_request(
                request.method, route_label(request), status, time.perf_counter() - started
            )

    return observe
