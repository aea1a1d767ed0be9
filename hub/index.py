"""Who wants which subject: the lookup that keeps `publish` proportional to its audience."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from hub.subscription import Subscription

__all__ = ["WILDCARD", "SubjectIndex", "check_ids"]

WILDCARD = "*"


class SubjectIndex:
    """subject -> subscriptions naming it, plus the set of "*" subscriptions.

    The only writer of `Subscription.ids`, so a filter and the index never disagree.
    """

    __slots__ = ("_by_subject", "_wildcard")

    def __init__(self) -> None:
        self._by_subject: dict[str, set[Subscription]] = {}
        self._wildcard: set[Subscription] = set()

    def interested(self, subject: str) -> Iterator[Subscription]:
        """Each subscription whose filter matches `subject`, once."""
        yield from self._wildcard
        for subscription in self._by_subject.get(subject, ()):
            # A subscription holding both "*" and `subject` was served by the loop above.
            if not subscription._wildcard:
                yield subscription

    def add(self, subscription: Subscription, ids: frozenset[str]) -> None:
        for subject in ids - subscription._ids:
            if subject == WILDCARD:
                self._wildcard.add(subscription)
            else:
                self._by_subject.setdefault(subject, set()).add(subscription)
        self._set_ids(subscription, subscription._ids | ids)

    def discard(self, subscription: Subscription, ids: frozenset[str]) -> None:
        for subject in ids & subscription._ids:
            if subject == WILDCARD:
                self._wildcard.discard(subscription)
                continue
            subscribers = self._by_subject[subject]
            subscribers.discard(subscription)
            # Thousands of short-lived ids must not leave thousands of empty sets behind.
            if not subscribers:
                del self._by_subject[subject]
        self._set_ids(subscription, subscription._ids - ids)

    def remove(self, subscription: Subscription) -> None:
        self.discard(subscription, subscription._ids)

    def clear(self) -> None:
        self._by_subject.clear()
        self._wildcard.clear()

    @staticmethod
    def _set_ids(subscription: Subscription, ids: frozenset[str]) -> None:
        subscription._ids = ids
        subscription._wildcard = WILDCARD in ids


def check_ids(ids: Iterable[str]) -> frozenset[str]:
    """`ids` as a set, or ValueError unless it is a non-empty collection of non-empty strings."""
    # A lone string is iterable too, and would subscribe to its characters.
    if isinstance(ids, str | bytes):
        raise ValueError("ids must be a collection of strings, not a single string")
    try:
        items = list(ids)
    except TypeError:
        raise ValueError(f"ids must be an iterable of strings, got {type(ids).__name__}") from None
    if not items:
        raise ValueError("ids must not be empty")
    for item in items:
        if not isinstance(item, str) or not item:
            raise ValueError(f"each id must be a non-empty string, got {item!r}")
    return frozenset(items)
