"""Prometheus metrics of one app, on its own registry; labels are route templates, never paths."""

from __future__ import annotations

import bisect
import itertools
import math
from collections.abc import Iterator
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, generate_latest
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector

# Unmatched requests (404s for arbitrary paths) share one label value: raw paths are unbounded.
UNMATCHED = "unmatched"

DURATION_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0)
# Upper bounds of the buckets, +Inf last: `counts[bisect_left(BOUNDS, seconds)] += 1` records a
# duration (bisect_left finds the first bound >= seconds: Prometheus buckets are `le`).
BOUNDS = (*DURATION_BUCKETS, math.inf)
_BOUND_LABELS = tuple("+Inf" if math.isinf(bound) else repr(bound) for bound in BOUNDS)


class Durations:
    """One label set's histogram: per-bucket (not cumulative) counts and the sum."""

    __slots__ = ("counts", "total")

    def __init__(self) -> None:
        self.counts = [0] * len(BOUNDS)
        self.total = 0.0


class RequestStats(Collector):
    """The per-request figures: durations, schema fetches, index hits and misses.

    They are plain ints and floats updated in place, not prometheus_client metrics: a labelled
    child takes a lock on every update, and three of those (~2 µs each) were a fifth of a cached
    read. Only the event loop thread updates or collects them, so no lock is needed; `collect`
    builds the metric families when /metrics is scraped.
    """

    def __init__(self) -> None:
        self._durations: dict[tuple[str, str, int], Durations] = {}
        # Served versions by (schema id, version); every one is also an index hit. Public for
        # the cached-read fast path (service/api/cached_read.py), which counts in place.
        self.fetches: dict[tuple[str, str], int] = {}
        self.misses = 0

    @property
    def hits(self) -> int:
        return sum(self.fetches.values())

    def durations(self, method: str, route: str, status: int) -> Durations:
        """The histogram of one label set, created empty on first use."""
        key = (method, route, status)
        durations = self._durations.get(key)
        if durations is None:
            durations = self._durations[key] = Durations()
        return durations

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        """Records one request's duration under its route template."""
        durations = self.durations(method, route, status)
        durations.counts[bisect.bisect_left(BOUNDS, seconds)] += 1
        durations.total += seconds

    def fetched(self, schema_id: str, version: str) -> None:
        """Counts one served schema version, which is also an index hit. Only found versions
        are counted, so the labels stay bounded by what is stored."""
        key = (schema_id, version)
        self.fetches[key] = self.fetches.get(key, 0) + 1

    def missed(self) -> None:
        """Counts one index lookup that found no such schema or version."""
        self.misses += 1

    def totals(self) -> tuple[int, int, dict[str, int]]:
        """Requests so far, how many answered 5xx, and fetches per schema id (for digests)."""
        requests = errors = 0
        for (_, _, status), observed in self._durations.items():
            count = sum(observed.counts)
            requests += count
            errors += count if status >= 500 else 0
        fetches: dict[str, int] = {}
        for (schema_id, _), count in self.fetches.items():
            fetches[schema_id] = fetches.get(schema_id, 0) + count
        return requests, errors, fetches

    def describe(self) -> Iterator[Metric]:
        # Lets the registry check names at registration without a collect().
        return self.collect()

    def collect(self) -> Iterator[Metric]:
        durations = HistogramMetricFamily(
            "schema_registry_request_duration_seconds",
            "HTTP request duration by method, route template and status.",
            labels=["method", "route", "status"],
        )
        for (method, route, status), observed in sorted(self._durations.items()):
            cumulative = itertools.accumulate(observed.counts)
            buckets = list(zip(_BOUND_LABELS, cumulative, strict=True))
            durations.add_metric([method, route, str(status)], buckets, observed.total)
        yield durations

        fetches = CounterMetricFamily(
            "schema_registry_schema_fetches",
            "Schema versions served, by schema id and version.",
            labels=["schema_id", "version"],
        )
        for (schema_id, version), count in sorted(self.fetches.items()):
            fetches.add_metric([schema_id, version], count)
        yield fetches

        lookups = CounterMetricFamily(
            "schema_registry_index_lookups",
            "Read-index lookups by outcome (hit or miss).",
            labels=["outcome"],
        )
        lookups.add_metric(["hit"], self.hits)
        lookups.add_metric(["miss"], self.misses)
        yield lookups


class WatchRecoveries(Collector):
    """How often the read index's watch recovered, as last reported by `Registry.health()`."""

    def __init__(self) -> None:
        self.resumes = 0
        self.reloads = 0

    def describe(self) -> Iterator[Metric]:
        return self.collect()

    def collect(self) -> Iterator[Metric]:
        recoveries = CounterMetricFamily(
            "schema_registry_watch_recoveries",
            "Watch recoveries of the read index: resumed after a store outage, or reloaded "
            "from a snapshot after the store's history was compacted.",
            labels=["reason"],
        )
        recoveries.add_metric(["resumed"], self.resumes)
        recoveries.add_metric(["reloaded"], self.reloads)
        yield recoveries


class SendLatency(Collector):
    """Seconds from an event reaching the hub to its frame being handed to each subscriber's
    socket; one observation per send, so it is a plain histogram cell, not a locked metric."""

    def __init__(self) -> None:
        self._cell = Durations()

    def observe(self, seconds: float) -> None:
        self._cell.counts[bisect.bisect_left(BOUNDS, seconds)] += 1
        self._cell.total += seconds

    def describe(self) -> Iterator[Metric]:
        return self.collect()

    def collect(self) -> Iterator[Metric]:
        latency = HistogramMetricFamily(
            "schema_registry_ws_send_latency_seconds",
            "From an event's publish to the hub until its frame is sent to a subscriber.",
        )
        cumulative = itertools.accumulate(self._cell.counts)
        buckets = list(zip(_BOUND_LABELS, cumulative, strict=True))
        latency.add_metric([], buckets, self._cell.total)
        yield latency


class HubFigures(Collector):
    """The WebSocket hub's counters, read at scrape time from whatever `source` returns."""

    def __init__(self) -> None:
        self.source: Any = None

    def describe(self) -> Iterator[Metric]:
        return self.collect()

    def collect(self) -> Iterator[Metric]:
        hub = self.source
        subscribers = GaugeMetricFamily(
            "schema_registry_ws_subscribers", "Open /ws subscriptions on this replica."
        )
        published = CounterMetricFamily(
            "schema_registry_ws_events_published", "Events the hub fanned out."
        )
        delivered = CounterMetricFamily(
            "schema_registry_ws_events_queued", "Events queued for subscribers (one per match)."
        )
        dropped = CounterMetricFamily(
            "schema_registry_ws_subscribers_dropped",
            "Subscribers cut off (close 1013) because their queue filled.",
        )
        subscribers.add_metric([], hub.subscribers if hub else 0)
        published.add_metric([], hub.events_published if hub else 0)
        delivered.add_metric([], hub.events_delivered if hub else 0)
        dropped.add_metric([], hub.dropped_subscribers if hub else 0)
        yield from (subscribers, published, delivered, dropped)


class Metrics:
    """The registry's metrics; each app has its own `CollectorRegistry` (tests build many)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = RequestStats()
        self.registry.register(self.requests)
        self.recoveries = WatchRecoveries()
        self.registry.register(self.recoveries)
        self.hub = HubFigures()
        self.registry.register(self.hub)
        self.ws_latency = SendLatency()
        self.registry.register(self.ws_latency)
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
        self.denied = Counter(
            "schema_registry_access_denied",
            "Requests refused by authentication, authorization or rate limiting, by error code.",
            ["code"],
            registry=self.registry,
        )
        self.audit_failures = Counter(
            "schema_registry_audit_write_failures",
            "Audit entries of refused requests that could not be written (store unavailable).",
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
        self.notifications = Counter(
            "schema_registry_notifications",
            "Slack notifications: sent, retried (one per retry), or failed (given up).",
            ["outcome"],
            registry=self.registry,
        )
        for outcome in ("sent", "retried", "failed"):
            self.notifications.labels(outcome)
        self.notifier_leader = Gauge(
            "schema_registry_notifier_leader",
            "1 while this replica is the one sending notifications.",
            registry=self.registry,
        )
        self.watch_lag = Gauge(
            "schema_registry_watch_lag_revisions",
            "Revisions the read index trails the store by (unset while the store is down).",
            registry=self.registry,
        )

    def observe_health(self, health: dict[str, Any]) -> None:
        """Sets the store and index gauges from a `Registry.health()` report."""
        self.store_up.set(1 if health["store"] == "up" else 0)
        index = health["index"]
        self.index_revision.set(index["revision"])
        self.recoveries.resumes = index["watch_resumes"]
        self.recoveries.reloads = index["watch_reloads"]
        if index["lag"] is not None:
            self.watch_lag.set(index["lag"])

    def render(self) -> bytes:
        """The Prometheus text exposition of every metric."""
        return generate_latest(self.registry)
