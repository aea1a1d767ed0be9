"""Metric names in PromQL expressions, found well enough for our dashboards and rules."""

from __future__ import annotations

import re

# Functions, aggregations and keywords: identifiers that are not metric names.
_KEYWORDS = frozenset(
    {
        "abs", "absent", "absent_over_time", "and", "avg", "avg_over_time", "bool", "bottomk",
        "by", "ceil", "changes", "clamp_max", "clamp_min", "count", "count_over_time", "delta",
        "deriv", "floor", "group", "group_left", "group_right", "histogram_quantile", "idelta",
        "ignoring", "increase", "irate", "label_replace", "label_values", "max",
        "max_over_time", "min", "min_over_time", "offset", "on", "or", "quantile", "rate",
        "round", "sort", "sort_desc", "stddev", "sum", "sum_over_time", "time", "topk",
        "unless", "vector", "without", "inf", "nan",
    }
)  # fmt: skip
# Metrics Prometheus itself adds to every target.
BUILTIN = frozenset({"up", "scrape_duration_seconds", "scrape_samples_scraped"})

_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'')
_MATCHERS = re.compile(r"\{[^{}]*\}")
_RANGES = re.compile(r"\[[^\]]*\]")
_GROUPING = re.compile(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)")
_VARIABLES = re.compile(r"\$\{[^}]*\}|\$\w+")
_DURATIONS = re.compile(r"\b\d+(?:ms|[smhdwy])\b")
_NUMBERS = re.compile(r"\b\d+(?:\.\d+)?(?:e[+-]?\d+)?\b", re.IGNORECASE)
_IDENTIFIER = re.compile(r"[A-Za-z_:][A-Za-z0-9_:]*")


def metric_names(expr: str) -> set[str]:
    """Every metric name `expr` selects (not functions, labels, keywords or variables)."""
    text = _VARIABLES.sub(" ", expr)
    text = _STRINGS.sub(" ", text)
    text = _MATCHERS.sub(" ", text)
    text = _RANGES.sub(" ", text)
    text = _GROUPING.sub(" ", text)
    text = _DURATIONS.sub(" ", text)
    text = _NUMBERS.sub(" ", text)
    return {name for name in _IDENTIFIER.findall(text) if name not in _KEYWORDS}
