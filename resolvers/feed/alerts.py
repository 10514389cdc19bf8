"""Early warning (预警): which feed events about a watched subject become alerts.

A watched subject gets an alert when, in any province and as far as the official may see,
* a bad credit record is published about it (``BAD_RECORD``),
* it is listed on a blacklist (``BLACKLISTED``),
* one of its qualification certificates stops being 有效 (``QUALIFICATION_INVALID``),
* or a cross-check of it shows a finding it did not show before (``CROSS_CHECK_FINDING``): on any
  event about the subject (``subject`` events come from every table the change log captures) the
  cross-check is run again, with fresh loaders, and compared with the findings seen so far (found
  when the subscription started, or the subject was added).  Findings the first three alerts
  already carry (an active blacklist, an active bad record, an invalid qualification) are not
  repeated.

The watchlist is read from the central store at the start and again at most every few seconds
while events arrive, so an entry added or removed while subscribed is followed.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable
from dataclasses import dataclass, field

from resolvers.context import Context
from resolvers.crosscheck import gather
from resolvers.crosscheck.findings import Code, Finding
from resolvers.crosscheck.verdict import judge_enterprise, judge_person
from resolvers.crosscheck.visibility import for_caller
from resolvers.feed.access import FeedAccess
from resolvers.feed.matchers import blacklist_visible, record_visible
from resolvers.identity import Identity
from sources import watchlist_queries as wq
from sources.errors import SourceError
from sources.feed_queries import BLACKLIST, QUALIFICATION, RECORD, FeedEvent
from sources.records import CreditRecordRow

BAD_RECORD = "BAD_RECORD"
BLACKLISTED = "BLACKLISTED"
QUALIFICATION_INVALID = "QUALIFICATION_INVALID"
CROSS_CHECK_FINDING = "CROSS_CHECK_FINDING"
# Findings an alert of its own already reports.
_DIRECT = frozenset({Code.ACTIVE_BLACKLIST, Code.ACTIVE_BAD_RECORD, Code.QUALIFICATION_INVALID})
_REFRESH_S = 2.0
_PATH = ("watchlistAlerts",)
_CONCURRENT_CHECKS = 4

Subject = tuple[str, str]
FindingId = tuple[str, tuple[tuple[str, tuple[str, ...]], ...]]


def official_of(identity: Identity) -> str:
    """The watchlist owner: the official's subject within their province."""
    return f"{identity.province}:{identity.subject}"


@dataclass(frozen=True)
class Alert:
    """One alert: what happened, about which watched subject, and the new findings (if any)."""

    kind: str
    event: FeedEvent
    watch: wq.WatchRow
    findings: tuple[Finding, ...] = ()


def _identity_of(finding: Finding) -> FindingId:
    return finding.code.value, tuple(sorted((e.province, tuple(sorted(e.record_ids))) for e in finding.evidence))


@dataclass
class Watch:
    """One subscription's view of the official's watchlist, with the findings seen per subject."""

    access: FeedAccess
    identity: Identity
    entries: dict[Subject, wq.WatchRow] = field(default_factory=dict)
    seen: dict[Subject, set[FindingId]] = field(default_factory=dict)
    _read_at: float = 0.0

    def watches(self, event: FeedEvent) -> bool:
        return event.subject_kind is not None and (event.subject_kind, event.subject_key) in self.entries

    async def refresh(self, *, force: bool = False) -> None:
        """Re-read the watchlist (at most every few seconds); a new subject's findings so far are
        its baseline."""
        if not force and time.monotonic() - self._read_at < _REFRESH_S:
            return
        context = self.access.fresh_context(self.identity)
        try:
            rows = await wq.watched(context.sources.central, official_of(self.identity))
        except SourceError:
            if force:
                raise  # no list to start from: the subscription says the central store is missing
            return  # keep following the list as last read; try again at the next event
        self._read_at = time.monotonic()
        self.entries = {(r.subject_kind, r.subject_key): r for r in rows}
        new = [s for s in self.entries if s not in self.seen]
        limit = asyncio.Semaphore(_CONCURRENT_CHECKS)

        async def baseline(subject: Subject) -> None:
            async with limit:
                self.seen[subject] = {_identity_of(f) for f in await self._findings(subject)}

        await asyncio.gather(*(baseline(s) for s in new))
        for gone in set(self.seen) - set(self.entries):
            del self.seen[gone]

    async def alerts(self, event: FeedEvent) -> list[Alert]:
        """The alerts one event raises (none, one direct alert, and/or new cross-check findings)."""
        subject = (event.subject_kind or "", event.subject_key or "")
        watch = self.entries.get(subject)
        if watch is None:
            return []
        found = [Alert(kind, event, watch) for kind in self._direct(event)]
        fresh = [f for f in await self._findings(subject) if not f.informational]
        seen = self.seen.setdefault(subject, set())
        new = tuple(f for f in fresh if f.code not in _DIRECT and _identity_of(f) not in seen)
        seen.update(_identity_of(f) for f in fresh)
        if new:
            found.append(Alert(CROSS_CHECK_FINDING, event, watch, new))
        return found

    def _direct(self, event: FeedEvent) -> Iterable[str]:
        today = self.access.clock.today()
        if event.kind == RECORD and event.change == "PUBLISHED" and record_visible(self.identity, event, today):
            assert isinstance(event.item, CreditRecordRow)
            if event.item.polarity == "bad":
                yield BAD_RECORD
        elif event.kind == BLACKLIST and event.change == "LISTED" and blacklist_visible(self.identity, event, today):
            yield BLACKLISTED
        elif event.kind == QUALIFICATION and event.item is not None:
            yield QUALIFICATION_INVALID

    async def _findings(self, subject: Subject) -> list[Finding]:
        """The subject's cross-check now, as the official would get it from crossCheck* (fresh loaders)."""
        context: Context = self.access.fresh_context(self.identity)
        kind, key = subject
        day = context.today
        if kind == "enterprise":
            got = await gather.enterprise(context, _PATH, key)
            return judge_enterprise(for_caller(self.identity, got.facts, day), got.rules, context.province_codes, day)
        got_person = await gather.person(context, _PATH, key)
        facts = for_caller(self.identity, got_person.facts, day)
        return judge_person(facts, got_person.rules, context.province_codes, day)
