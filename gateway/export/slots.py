"""How many data-package exports run at once: in all (per gateway process) and per caller.

An export holds about two pages of rows per province in memory (``PAGE_ROWS`` each) for as long as
its client takes to read the body, and a client may read as slowly as it likes: without a bound,
a few hundred slow readers would hold the process's memory, within any per-minute rate limit.  A
caller over its share is told so (``TOO_MANY_EXPORTS``, HTTP 429); when the process runs its
maximum the refusal is about capacity, not the caller (``EXPORTS_BUSY``, HTTP 503).  Both say when
to come back.  A slot is taken before any province is asked and given back when the export ends,
however it ends.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from domain.errors import ExportsBusy, TooManyExports

RETRY_AFTER_S = 5


class ExportSlots:
    """Running exports, counted in all and by caller key."""

    def __init__(self, total: int, per_caller: int) -> None:
        self._total = total
        self._per_caller = per_caller
        self._running: Counter[str] = Counter()

    @property
    def running(self) -> int:
        return sum(self._running.values())

    def take(self, caller: str) -> Callable[[], None]:
        """A slot for ``caller``, or the refusal; the returned function gives it back (once)."""
        if self._running[caller] >= self._per_caller:
            raise TooManyExports(
                f"Too many exports at once: this caller already runs {self._running[caller]}"
                f" (at most {self._per_caller}); retry when one has finished"
            )
        if self.running >= self._total:
            raise ExportsBusy(f"The gateway runs as many exports as it may ({self._total}); retry in a few seconds")
        self._running[caller] += 1
        given_back = False

        def give_back() -> None:
            nonlocal given_back
            if not given_back:
                given_back = True
                self._running[caller] -= 1
                if not self._running[caller]:
                    del self._running[caller]

        return give_back
