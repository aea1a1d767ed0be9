"""The store's timestamps: fixed width, so that comparing the text compares the times."""

from __future__ import annotations

import pytest

from service.storage import timestamps


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-01-02T03:04:05Z", "2026-01-02T03:04:05.000000Z"),
        ("2026-01-02T05:04:05+02:00", "2026-01-02T03:04:05.000000Z"),
        ("2026-01-02T03:04:05", "2026-01-02T03:04:05.000000Z"),
        # glibc's strftime writes year 921 as "921": that would sort after "2026".
        ("0921-09-07T07:52:17.288513-08:10", "0921-09-07T16:02:17.288513Z"),
        ("0001-01-01T00:00:00Z", "0001-01-01T00:00:00.000000Z"),
    ],
)
def test_normalize(text: str, expected: str) -> None:
    assert timestamps.normalize(text) == expected


@pytest.mark.parametrize(
    "text", ["yesterday", "", "2026-13-01T00:00:00Z", "0001-01-01T00:00:00+05:00", "9" * 100]
)
def test_normalize_refuses(text: str) -> None:
    with pytest.raises(ValueError, match="timestamp"):
        timestamps.normalize(text)


def test_text_order_is_time_order() -> None:
    times = ["0921-01-01T00:00:00Z", "1999-12-31T23:59:59Z", "2026-01-01T00:00:00+01:00"]
    normalized = [timestamps.normalize(t) for t in times]
    assert sorted(normalized) == normalized
    assert timestamps.now() > normalized[-1]
    assert len(timestamps.now()) == len(normalized[0])
