"""A small circuit breaker: stop waiting on a source that keeps failing, probe it again later."""

from __future__ import annotations

import time
from collections.abc import Callable

from sources.config import BreakerConfig


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

    def allow(self) -> bool:
        """May a call go through now?  In half-open state only one probe at a time is let through."""
        if self._opened_at is None:
            return True
        if self._clock() - self._opened_at < self._config.reset_s or self._probing:
            return False
        self._probing = True
        return True

    def record_success(self) -> None:
        self._failures = 0
        self._opened_at = None
        self._probing = False

    def record_failure(self) -> None:
        self._failures += 1
        self._probing = False
        if self._failures >= self._config.failures:
            self._opened_at = self._clock()
