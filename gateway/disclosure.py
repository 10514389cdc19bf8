"""The per-official budget of full ID numbers (DOMAIN §6; ``[limits] full_id_numbers_per_hour``).

Every full ID number that reaches an official is audited, but an audit entry is read after the
fact: one page of enterprises with their registered persons once handed a regulator 157 full
numbers at once.  The budget bounds what one official can take away before anyone reads the
trail: at most ``per_hour`` distinct persons' full numbers in any hour (a sliding window; the same
person seen again within the hour costs nothing more).

An answer that would exceed it is withheld whole (``DISCLOSURE_LIMIT``) rather than masked past
the budget: a number masked for that reason would look exactly like one the official may never
see, so a partial answer would silently mislead; a clear refusal tells the official to ask for
less (a smaller page) or to come back later.

The ledger is in memory, per replica: behind N replicas an official may take up to N times the
budget, the same trade the rate limits make.  It holds person keys (HMACs), never ID numbers.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

WINDOW_S = 3600.0


@dataclass(frozen=True)
class Refusal:
    """Why an answer may not leave: how many new numbers it holds and how many the budget has left."""

    wanted: int
    remaining: int
    per_hour: int
    retry_after_s: int | None  # None: the answer alone is larger than the whole budget

    @property
    def message(self) -> str:
        when = (
            "ask for fewer persons (a smaller page)" if self.retry_after_s is None
            else f"ask for fewer persons (a smaller page) or retry in {self.retry_after_s} s"
        )
        return (
            f"This answer would show {self.wanted} more full ID numbers; {self.remaining} of your"
            f" {self.per_hour} per hour remain. The answer is withheld: {when}"
        )


class DisclosureLedger:
    """Per official (a caller key), the person keys whose full number reached them, with when."""

    def __init__(self, per_hour: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_hour = per_hour
        self._clock = clock
        self._seen: dict[str, OrderedDict[str, float]] = {}

    def reserve(self, official: str, keys: Iterable[str]) -> list[str] | Refusal:
        """Count ``keys`` against the official's budget: the keys newly counted (give them back with
        :meth:`release` if the answer does not leave after all), or a :class:`Refusal` (nothing
        counted).  Check and count happen without an ``await``, so concurrent answers of one
        official cannot both squeeze under the budget."""
        now = self._clock()
        seen = self._pruned(official, now)
        wanted = list(dict.fromkeys(k for k in keys if k not in seen))
        if len(seen) + len(wanted) > self.per_hour:
            return Refusal(len(wanted), self.per_hour - len(seen), self.per_hour, self._retry_after(seen, wanted, now))
        for key in list(dict.fromkeys(keys)):
            seen[key] = now
            seen.move_to_end(key)
        if seen:
            self._seen[official] = seen
        return wanted

    def release(self, official: str, keys: Iterable[str]) -> None:
        """Un-count keys :meth:`reserve` counted for an answer that was not sent."""
        seen = self._seen.get(official)
        for key in keys:
            if seen is not None:
                seen.pop(key, None)

    def disclosed(self, official: str) -> int:
        """How many distinct persons' full numbers reached the official in the last hour."""
        return len(self._pruned(official, self._clock()))

    def _pruned(self, official: str, now: float) -> OrderedDict[str, float]:
        seen = self._seen.get(official, OrderedDict())
        while seen and next(iter(seen.values())) <= now - WINDOW_S:
            seen.popitem(last=False)
        if not seen:
            self._seen.pop(official, None)  # an official with nothing in the window costs no memory
        return seen

    def _retry_after(self, seen: OrderedDict[str, float], wanted: list[str], now: float) -> int | None:
        """Seconds until enough of the oldest entries leave the window for this answer to fit."""
        if len(wanted) > self.per_hour:
            return None
        excess = len(seen) + len(wanted) - self.per_hour
        oldest = list(seen.values())[excess - 1]
        return max(1, int(oldest + WINDOW_S - now) + 1)
