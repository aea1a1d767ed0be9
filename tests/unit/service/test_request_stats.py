"""The per-request counters and their Prometheus exposition (a custom collector)."""

from __future__ import annotations

from service.metrics import Metrics
from tests.metric_samples import Samples, samples


def _samples(metrics: Metrics) -> Samples:
    return samples(metrics.render().decode())


def test_histogram_buckets_are_cumulative_and_inclusive() -> None:
    metrics = Metrics()
    stats = metrics.requests
    for seconds in (0.0001, 0.0005, 0.003, 7.0):
        stats.observe("GET", "/schema/{id}", 200, seconds)
    samples = _samples(metrics)
    labels = (("method", "GET"), ("route", "/schema/{id}"), ("status", "200"))

    def bucket(le: str) -> float:
        return samples[("schema_registry_request_duration_seconds_bucket", (("le", le), *labels))]

    # `le` is inclusive: 0.0005 falls in the 0.0005 bucket; 7 s only in +Inf.
    assert bucket("0.0005") == 2
    assert bucket("0.001") == 2
    assert bucket("0.005") == 3
    assert bucket("5.0") == 3
    assert bucket("+Inf") == 4
    assert samples[("schema_registry_request_duration_seconds_count", labels)] == 4
    total = samples[("schema_registry_request_duration_seconds_sum", labels)]
    assert abs(total - 7.0036) < 1e-9


def test_fetches_and_index_lookups() -> None:
    metrics = Metrics()
    stats = metrics.requests
    stats.fetched("ticks_v1", "1.0.0")
    stats.fetched("ticks_v1", "1.0.0")
    stats.fetched("quotes", "2.0.0")
    stats.missed()
    samples = _samples(metrics)
    fetches = "schema_registry_schema_fetches_total"
    assert samples[(fetches, (("schema_id", "ticks_v1"), ("version", "1.0.0")))] == 2
    assert samples[(fetches, (("schema_id", "quotes"), ("version", "2.0.0")))] == 1
    assert samples[("schema_registry_index_lookups_total", (("outcome", "hit"),))] == 3
    assert samples[("schema_registry_index_lookups_total", (("outcome", "miss"),))] == 1


def test_label_sets_are_kept_apart() -> None:
    metrics = Metrics()
    metrics.requests.observe("GET", "/schemas", 200, 0.01)
    metrics.requests.observe("HEAD", "/schemas", 200, 0.01)
    metrics.requests.observe("GET", "/schemas", 400, 0.01)
    samples = _samples(metrics)
    counts = {
        labels: value
        for (name, labels), value in samples.items()
        if name == "schema_registry_request_duration_seconds_count"
    }
    assert len(counts) == 3
    assert set(counts.values()) == {1.0}
