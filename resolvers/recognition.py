"""Mutual recognition (互认, DOMAIN §1) as pure rules: no database, no GraphQL.

A record coded under the national standard is recognised in every province.  A local code counts
outside its issuing province only through the central crosswalk (it maps to a national code) or a
recognition decision recorded in the central store and in effect on the date asked about.  The
same rule decides whether a good-behaviour award issued in one province counts in another.

The rules arrive as one snapshot per request (``resolvers.crosscheck.loading``).  When the central
store cannot answer, the snapshot is *unavailable*: codes of the national pattern are still
national, local codes are then unknown, so they are recognised only where they were issued and
whoever relies on that says its answer is incomplete.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import Enum
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the record types only: the rules stay free of any database code
    from sources.records import CodePayload, CrosswalkPayload, DecisionPayload

# `<party><version>-<category>-<item>` (建市[2007]9号).  Category G is the seed's (assumed) category
# of national good-behaviour codes (D1-G-02 省级优质工程奖): without it, an award would lose its
# national standing whenever the central store is down.
NATIONAL_PATTERN = re.compile(r"^[A-E]\d-(?:\d|G)-\d{2}$")
NATIONAL_PROVINCE = "000000"  # central.behaviour_code.province_code of national codes


class Basis(Enum):
    """Why a record counts in a province."""

    ISSUING_PROVINCE = "ISSUING_PROVINCE"
    NATIONAL_STANDARD = "NATIONAL_STANDARD"
    CROSSWALK = "CROSSWALK"
    DECISION = "DECISION"


@dataclass(frozen=True)
class Decision:
    """``recognising`` accepts ``origin``'s local code from ``effective_from`` to ``effective_to``."""

    recognising: str
    origin: str
    local_code: str
    decided_by: str
    basis: str
    effective_from: date
    effective_to: date | None = None  # None: open-ended
    id: int = 0

    def in_effect(self, on: date) -> bool:
        """Both ends inclusive: ``effective_to`` is the last day the decision applies."""
        return self.effective_from <= on and (self.effective_to is None or on <= self.effective_to)


@dataclass(frozen=True)
class Grant:
    """One province in which a record counts, and on what basis."""

    province: str
    basis: Basis
    decision: Decision | None = None


@dataclass(frozen=True)
class RecognitionRules:
    """The dictionary's national codes, the crosswalk and the decisions, as one dated snapshot."""

    national: frozenset[str] = frozenset()
    crosswalk: Mapping[tuple[str, str], str] = field(default_factory=dict)  # (origin, local) → national
    decisions: tuple[Decision, ...] = ()
    available: bool = True

    @classmethod
    def unavailable(cls) -> RecognitionRules:
        """The honest fallback when the central store did not answer."""
        return cls(available=False)

    def is_national(self, code: str) -> bool:
        """Listed as national in the dictionary, or shaped like a national code."""
        return code in self.national or NATIONAL_PATTERN.match(code) is not None

    def national_code(self, code: str, origin: str) -> str | None:
        """The code itself if national, its crosswalk target if mapped, else None (also if unknown)."""
        if self.is_national(code):
            return code
        return self.crosswalk.get((origin, code))

    def is_known(self, code: str) -> bool:
        """Whether recognition of ``code`` can be decided with this snapshot."""
        return self.available or self.is_national(code)

    def grants(self, code: str, origin: str, provinces: Sequence[str], on: date) -> list[Grant]:
        """Every province (issuing province first, then ``provinces`` in order) where the record counts."""
        found = [Grant(origin, Basis.ISSUING_PROVINCE)]
        for province in provinces:
            if province != origin and (grant := self._grant_in(code, origin, province, on)) is not None:
                found.append(grant)
        return found

    def recognised_elsewhere(self, code: str, origin: str, provinces: Sequence[str], on: date) -> list[Grant]:
        """The grants outside the issuing province (empty: the record counts only where issued)."""
        return [g for g in self.grants(code, origin, provinces, on) if g.basis is not Basis.ISSUING_PROVINCE]

    def _grant_in(self, code: str, origin: str, province: str, on: date) -> Grant | None:
        if self.is_national(code):
            return Grant(province, Basis.NATIONAL_STANDARD)
        if (origin, code) in self.crosswalk:
            return Grant(province, Basis.CROSSWALK)
        decision = self.decision_for(code, origin, province, on)
        return Grant(province, Basis.DECISION, decision) if decision else None

    def decision_for(self, code: str, origin: str, province: str, on: date) -> Decision | None:
        """The decision in effect on ``on`` (the most recent one if several overlap)."""
        matching = [
            d for d in self.decisions
            if d.recognising == province and d.origin == origin and d.local_code == code and d.in_effect(on)
        ]
        return max(matching, key=lambda d: (d.effective_from, d.id), default=None)


def rules_from_rows(
    codes: Iterable[CodePayload], crosswalk: Iterable[CrosswalkPayload], decisions: Iterable[DecisionPayload]
) -> RecognitionRules:
    """Build the snapshot from the central tables' rows (dictionary, crosswalk, decisions)."""
    return RecognitionRules(
        national=frozenset(r.code for r in codes if _province(r.province_code) == NATIONAL_PROVINCE),
        crosswalk={(_province(r.province_code), r.local_code): r.national_code for r in crosswalk},
        decisions=tuple(
            Decision(
                recognising=_province(r.recognising_province), origin=_province(r.origin_province),
                local_code=r.local_code, decided_by=r.decided_by, basis=r.basis,
                effective_from=r.effective_from, effective_to=r.effective_to, id=r.id,
            )
            for r in decisions
        ),
    )


def category_of(national_code: str) -> str:
    """The category of a national code (`D1-3-04` → `3`)."""
    parts = national_code.split("-")
    return parts[1] if len(parts) == 3 else ""


def _province(code: str) -> str:
    # char(6) columns come back padded when a shorter value was stored.
    return code.strip()
