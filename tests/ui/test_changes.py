"""service/ui/changes.py and history.py: verdicts, renames, the line diff, cached steps."""

from __future__ import annotations

import pytest

from service.ui.changes import RENAMED, change_row, side_by_side, verdict
from service.ui.history import Step, StepCache
from service.ui.state import STEPS
from tests.ui.conftest import Client

RESULT = {
    "compatible": False,
    "against": "1.1.0",
    "mode": "BACKWARD",
    "policy": "STRICT",
    "required_bump": "major",
    "changes": [
        {"type": "REQUIRED_ATTRIBUTE_REMOVED", "path": "#/required/price", "breaking": False,
         "message": "property 'price' is no longer required"},
        {"type": "PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL", "path": "#/properties/price",
         "breaking": True, "message": "property 'price' removed"},
        {"type": RENAMED, "path": "#/arrow/fields/2", "breaking": True,
         "message": "Field 'price' renamed to 'last_price'"},
    ],
}  # fmt: skip


def test_renames_first_then_breaking_changes() -> None:
    shown = verdict(RESULT)
    assert [row.kind for row in shown.changes] == [
        RENAMED,
        "PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL",
        "REQUIRED_ATTRIBUTE_REMOVED",
    ]
    assert shown.changes[0].rename == ("price", "last_price")
    assert shown.breaking == 2
    assert (shown.required_bump, shown.compatible, shown.against) == ("major", False, "1.1.0")


def test_a_rename_message_the_pattern_does_not_know_is_still_listed() -> None:
    row = change_row({"type": RENAMED, "path": "#/x", "breaking": True, "message": "moved"})
    assert row.rename is None
    assert row.message == "moved"


def test_side_by_side_aligns_changed_lines() -> None:
    rows = side_by_side("a\nb\nc\n", "a\nB\nc\nd\n")
    assert rows is not None
    assert [(r.tag, r.old_number, r.new_number) for r in rows] == [
        ("equal", 1, 1),
        ("replace", 2, 2),
        ("equal", 3, 3),
        ("insert", None, 4),
    ]
    assert (rows[1].old_text, rows[1].new_text) == ("b", "B")
    deleted = side_by_side("a\nb\n", "a\n")
    assert deleted is not None
    assert deleted[-1].tag == "delete"


def test_side_by_side_gives_up_on_huge_documents() -> None:
    assert side_by_side("x\n" * 3000, "y\n" * 3000) is None


def test_step_cache_evicts_the_least_recently_used() -> None:
    cache = StepCache(capacity=2)
    step = Step("minor", False, 1)
    cache.put(("a", "b", "BACKWARD", "STRICT"), step)
    cache.put(("b", "c", "BACKWARD", "STRICT"), step)
    assert cache.get(("a", "b", "BACKWARD", "STRICT")) is step
    cache.put(("c", "d", "BACKWARD", "STRICT"), step)
    assert cache.get(("b", "c", "BACKWARD", "STRICT")) is None
    assert len(cache) == 2
    assert (cache.hits, cache.misses) == (1, 1)


@pytest.mark.asyncio
async def test_history_diffs_each_pair_once(client: Client) -> None:
    assert client.app is not None
    cache = client.app[STEPS]
    for _ in range(2):
        response = await client.get("/ui/schema/ticks_v1")
        assert response.status == 200
    # Two pairs (1.0.0→1.1.0, 1.1.0→2.0.0): diffed on the first view, cached for the second.
    assert (cache.misses, cache.hits, len(cache)) == (2, 2, 2)
