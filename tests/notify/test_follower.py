"""The hub follower and outbox on a bare hub: order, overflow replay, resync, checkpoints."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import orjson
import pytest
import pytest_asyncio

from hub import Hub, HubEvent
from hub.notifiers import HubFollower, Outbox
from hub.notifiers.notifier import Envelope

pytestmark = pytest.mark.asyncio


class Recorder:
    """A `Notifier` that records what it is given and can be held up."""

    def __init__(self) -> None:
        self.revisions: list[int] = []
        self.missed_reasons: list[str] = []
        self.gate = asyncio.Event()
        self.gate.set()

    async def notify(self, envelope: Envelope) -> None:
        await self.gate.wait()
        self.revisions.append(int(envelope["revision"]))

    async def missed(self, reason: str) -> None:
        self.missed_reasons.append(reason)


class MemoryCheckpoint:
    def __init__(self, revision: int | None) -> None:
        self.revision = revision

    async def load(self) -> int | None:
        return self.revision

    async def save(self, revision: int) -> None:
        self.revision = revision


def event(revision: int) -> HubEvent:
    frame = orjson.dumps({"type": "schema.deleted", "subject": "s", "revision": revision})
    return HubEvent(revision, "s", frame)


@pytest_asyncio.fixture
async def running() -> AsyncIterator[list[asyncio.Task[Any]]]:
    tasks: list[asyncio.Task[Any]] = []
    yield tasks
    for task in tasks:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def settle(recorder: Recorder, count: int) -> None:
    for _ in range(500):
        if len(recorder.revisions) + len(recorder.missed_reasons) >= count:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"fewer than {count} items reached the notifier within 5 s")


async def test_overflow_is_replayed_from_the_window(running: list[asyncio.Task[Any]]) -> None:
    hub, recorder = Hub(replay_size=100), Recorder()
    follower = HubFollower(hub, recorder, queue_size=4)
    running.append(asyncio.create_task(follower.run()))
    await asyncio.sleep(0)
    recorder.gate.clear()
    # 1-4 fill the queue, 5 overflows it; 5-7 fit a replay into a fresh queue.
    for revision in range(1, 8):
        hub.publish(event(revision))
    assert hub.dropped_subscribers == 1
    recorder.gate.set()
    await settle(recorder, 7)
    assert recorder.revisions == list(range(1, 8))
    assert recorder.missed_reasons == []
    assert follower.overflows == 1


async def test_a_replay_beyond_the_window_is_reported_as_missed(
    running: list[asyncio.Task[Any]],
) -> None:
    hub, recorder = Hub(replay_size=3), Recorder()
    running.append(asyncio.create_task(HubFollower(hub, recorder, queue_size=2).run()))
    await asyncio.sleep(0)
    recorder.gate.clear()
    for revision in range(1, 11):
        hub.publish(event(revision))
    recorder.gate.set()
    # 1 and 2 were queued; 3-7 fell out of the window before the follower came back.
    await settle(recorder, 3)
    hub.publish(event(11))
    await settle(recorder, 4)
    assert recorder.revisions == [1, 2, 11]
    assert len(recorder.missed_reasons) == 1
    assert "no longer kept" in recorder.missed_reasons[0]


async def test_a_checkpoint_resumes_after_the_predecessor(
    running: list[asyncio.Task[Any]],
) -> None:
    hub, recorder = Hub(), Recorder()
    for revision in range(1, 6):
        hub.publish(event(revision))
    checkpoint = MemoryCheckpoint(3)
    running.append(asyncio.create_task(HubFollower(hub, recorder, checkpoint=checkpoint).run()))
    await settle(recorder, 2)
    hub.publish(event(6))
    await settle(recorder, 3)
    assert recorder.revisions == [4, 5, 6]
    assert checkpoint.revision == 6


async def test_a_full_outbox_drops_instead_of_waiting(running: list[asyncio.Task[Any]]) -> None:
    recorder = Recorder()
    recorder.gate.clear()
    outbox = Outbox(recorder, size=2)
    running.append(asyncio.create_task(outbox.run()))
    await asyncio.sleep(0)
    accepted = [outbox.submit({"type": "t", "revision": n}) for n in range(5)]
    # One is being sent (held at the gate), two wait in the outbox, the rest are dropped.
    assert accepted.count(True) in (2, 3)
    assert outbox.dropped == accepted.count(False)
    recorder.gate.set()
    await settle(recorder, accepted.count(True))
