"""Rate limiting: per-caller token buckets, applied to a request before strawberry sees it.

A caller that spent its per-minute budget gets HTTP 429 ``RATE_LIMITED`` with ``Retry-After``.
"""

from __future__ import annotations

import time
from collections import OrderedDict


class CallerBuckets:
    """A bucket's (balance, time of its last update) per caller, for at most ``limit`` callers: past
    it, the caller seen least recently is forgotten (it comes back with a full bucket).  Constant
    work per request however many callers there are, so a flood from many addresses can neither
    grow memory nor make every request scan the buckets of all the others."""

    def __init__(self, limit: int = 50_000) -> None:
        self._limit = limit
        self._items: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def get(self, key: str) -> tuple[float, float] | None:
        return self._items.get(key)

    def put(self, key: str, balance: float, now: float) -> None:
        self._items[key] = (balance, now)
        self._items.move_to_end(key)
        while len(self._items) > self._limit:
            self._items.popitem(last=False)

    def __len__(self) -> int:
        return len(self._items)


class RateLimiter:
    """Token buckets per caller (a subject, or the client address for the public), in memory.

    Each replica limits on its own; behind N replicas a caller gets up to N times the budget,
    which is the usual trade for not sharing state between replicas.
    """

    def __init__(self, per_minute: int, burst: int | None = None, max_callers: int = 50_000) -> None:
        self.rate = per_minute / 60.0
        self.capacity = float(burst if burst is not None else max(5, per_minute // 6))
        self._buckets = CallerBuckets(max_callers)

    def allow(self, key: str, now: float | None = None) -> float:
        """0 when the request may go ahead, else the seconds until it could."""
        now = time.monotonic() if now is None else now
        tokens, last = self._buckets.get(key) or (self.capacity, now)
        tokens = min(self.capacity, tokens + (now - last) * self.rate)
        if tokens < 1:
            self._buckets.put(key, tokens, now)
            return (1 - tokens) / self.rate
        self._buckets.put(key, tokens - 1, now)
        return 0.0
