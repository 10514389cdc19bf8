"""A small circuit breaker: stop waiting on a source that keeps failing, probe it again later.

Every call the breaker admits ends in :meth:`CircuitBreaker.settle`, whatever happened to it
(``PostgresSource`` settles in a ``finally``): a half-open probe that was never settled would keep
the breaker open for good, and graphql-core cancels sibling root fields whenever one of them fails
at once, so a cancelled probe is an ordinary event, not a corner case.
"""

from __future__ import annotations

import enum
import time
from collections.abc import Callable
from dataclasses import dataclass

from sources.config import BreakerConfig


class Outcome(enum.Enum):
    """What one call says about the source's health."""

    HEALTHY = "healthy"        # the source answered
    FAILED = "failed"          # a real source failure: connection, timeout, server error
    NO_VERDICT = "no_verdict"  # nothing about the source: cancelled, or the caller's own bad input


@dataclass(frozen=True)
class Permit:
    """Leave to make one call; ``probe`` when it is the half-open state's single probe."""

    probe: bool


class CircuitBreaker:
    """Closed → (N consecutive failures) → open → (after reset_s) half-open: one probe decides."""

    def __init__(self, config: BreakerConfig, clock: Callable[[], float] = time.monotonic) -> None:
        self._config = config
        self._clock = clock
        self._failures = 0
        self._opened_at: float | None = None
        self._probing = False

    @property
    def is_open(self) -> bool:
        return self._opened_at is not None

    def admit(self) -> Permit | None:
        """A permit for one call, or ``None`` while open (or while the half-open probe is out)."""
        if self._opened_at is None:
            return Permit(probe=False)
        if self._clock() - self._opened_at < self._config.reset_s or self._probing:
            return None
        self._probing = True
        return Permit(probe=True)

    def settle(self, permit: Permit, outcome: Outcome) -> None:
        """The end of an admitted call, on every path.  Only the probe's own end frees the probe
        slot: a slow call admitted before the breaker opened must not let a second probe in."""
        if permit.probe:
            self._probing = False
        if outcome is Outcome.HEALTHY:
            self._failures = 0
            self._opened_at = None
        elif outcome is Outcome.FAILED:
            self._failures += 1
            if self._failures >= self._config.failures:
                self._opened_at = self._clock()
