"""Which facts a caller's cross-check may rest on: the access seam between gathering and judging.

The rules judge whatever facts they are given; this filter decides what that is, asking the same
``Identity`` methods that guard the read path (``resolvers.identity``).  The public's cross-check
rests only on records published today and blacklist entries active today, whatever ``asOf`` says
(a past date must not reveal what is no longer public); officials see the internal retention, so
their ``asOf`` reaches back through history.  Qualifications, filings, registrations, tenures and
claims are basic information (DOMAIN §4: public permanently) and pass unchanged.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from typing import TypeVar

from domain.publication import blacklist_is_active
from resolvers.crosscheck.facts import EnterpriseFacts, Listed, PersonFacts, Record
from resolvers.identity import Identity

F = TypeVar("F", EnterpriseFacts, PersonFacts)


def visible_records(identity: Identity, records: Sequence[Record], today: date) -> list[Record]:
    return [
        r for r in records if identity.may_see_record("published", r.publish_from, r.publish_to, r.province, today)
    ]


def visible_blacklist(identity: Identity, entries: Sequence[Listed], today: date) -> list[Listed]:
    return [
        e for e in entries
        if identity.may_see_blacklist_entry(blacklist_is_active(e.listed_on, e.planned_release, e.released_on, today))
    ]


def for_caller(identity: Identity, facts: F, today: date) -> F:
    """A copy of ``facts`` holding only the records and blacklist entries the caller may see."""
    return replace(
        facts,
        records=visible_records(identity, facts.records, today),
        blacklist=visible_blacklist(identity, facts.blacklist, today),
    )
