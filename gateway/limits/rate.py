"""Rate limiting: per-caller token buckets, applied to a request before strawberry sees it.

A caller that spent its per-minute budget gets HTTP 429 ``RATE_LIMITED`` with ``Retry-After``.
"""

from __future__ import annotations

import time


class RateLimiter:
    """Token buckets per caller (a subject, or the client address for the public), in memory.

    Each replica limits on its own; behind N replicas a caller gets up to N times the budget,
    which is the usual trade for not sharing state between replicas.
    """

    _MAX_BUCKETS = 50_000

    def __init__(self, per_minute: int, burst: int | None = None) -> None:
        self.rate = per_minute / 60.0
        self.capacity = float(burst if burst is not None else max(5, per_minute // 6))
        self._buckets: dict[str, tuple[float, float]] = {}

    def allow(self, key: str, now: float | None = None) -> float:
        """0 when the request may go ahead, else the seconds until it could."""
        now = time.monotonic() if now is None else now
        tokens, last = self._buckets.get(key, (self.capacity, now))
        tokens = min(self.capacity, tokens + (now - last) * self.rate)
        if tokens < 1:
            self._buckets[key] = (tokens, now)
            return (1 - tokens) / self.rate
        self._buckets[key] = (tokens - 1, now)
        if len(self._buckets) > self._MAX_BUCKETS:
            self._forget_idle(now)
        return 0.0

    def _forget_idle(self, now: float) -> None:
        full = [k for k, (tokens, last) in self._buckets.items() if tokens + (now - last) * self.rate >= self.capacity]
        for key in full:
            del self._buckets[key]
