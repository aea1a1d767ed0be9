"""Small builders and readers shared by the hub tests."""

from __future__ import annotations

from hub import HubEvent, Resync, Subscription


def event(revision: int, subject: str = "a") -> HubEvent:
    frame = b'{"revision": %d, "subject": "%s"}' % (revision, subject.encode())
    return HubEvent(revision, subject, frame)


def drain(subscription: Subscription) -> list[HubEvent | Resync]:
    """Everything queued right now, without waiting."""
    items: list[HubEvent | Resync] = []
    while (item := subscription.get_nowait()) is not None:
        items.append(item)
    return items


def revisions(items: list[HubEvent | Resync]) -> list[int]:
    """The revisions of `items`, which must all be events."""
    assert all(isinstance(item, HubEvent) for item in items), items
    return [item.revision for item in items if isinstance(item, HubEvent)]
