"""Which events a subscriber receives: its filter, and what the caller may see (the same rules as
queries: ``Identity.may_see_record`` and ``may_see_blacklist_entry``), judged on the event's
current row and today's date in China."""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import date

from domain.publication import blacklist_is_active
from resolvers.identity import Identity
from sources.feed_queries import BLACKLIST, RECORD, FeedEvent
from sources.records import BlacklistRow, CreditRecordRow

Today = Callable[[], date]


@dataclass(frozen=True)
class EventFilter:
    """A subscriber's filter; ``None`` fields match everything."""

    provinces: frozenset[str] | None = None
    polarity: str | None = None
    subject_kind: str | None = None  # with subject_key: 'enterprise' (a USCC) or 'person' (a person key)
    subject_key: str | None = None
    changes: frozenset[str] | None = None

    def admits(self, event: FeedEvent) -> bool:
        return (
            (self.provinces is None or event.province in self.provinces)
            and (self.changes is None or event.change in self.changes)
            and (self.subject_key is None
                 or (event.subject_kind == self.subject_kind and event.subject_key == self.subject_key))
        )


def record_visible(identity: Identity, event: FeedEvent, today: date) -> bool:
    row = event.item
    return isinstance(row, CreditRecordRow) and identity.may_see_record(
        row.status, row.publish_from, row.publish_to, event.province, today
    )


def blacklist_visible(identity: Identity, event: FeedEvent, today: date) -> bool:
    row = event.item
    return isinstance(row, BlacklistRow) and identity.may_see_blacklist_entry(
        blacklist_is_active(row.listed_on, row.planned_release, row.released_on, today)
    )


def records(identity: Identity, wanted: EventFilter, today: Today) -> Callable[[FeedEvent], bool]:
    def match(event: FeedEvent) -> bool:
        if event.kind != RECORD or not wanted.admits(event) or not record_visible(identity, event, today()):
            return False
        assert isinstance(event.item, CreditRecordRow)
        return wanted.polarity is None or event.item.polarity == wanted.polarity

    return match


def blacklist(identity: Identity, wanted: EventFilter, today: Today) -> Callable[[FeedEvent], bool]:
    def match(event: FeedEvent) -> bool:
        return event.kind == BLACKLIST and wanted.admits(event) and blacklist_visible(identity, event, today())

    return match


def names(values: Collection[object] | None) -> frozenset[str] | None:
    """Enum members (or strings) as a set of their values; None stays None."""
    if values is None:
        return None
    return frozenset(str(getattr(v, "value", v)) for v in values)
