"""The per-caller buckets of the rate limit and of the document-work budget stay bounded, with
constant work per request, however many callers there are (a flood from many addresses)."""

from __future__ import annotations

from gateway.caches import DocumentWork
from gateway.limits.rate import CallerBuckets, RateLimiter


def test_buckets_forget_the_caller_seen_least_recently() -> None:
    buckets = CallerBuckets(limit=3)
    for key in "abc":
        buckets.put(key, 1.0, 0.0)
    buckets.put("a", 0.5, 1.0)  # seen again: now the most recent
    buckets.put("d", 1.0, 2.0)
    assert len(buckets) == 3
    assert buckets.get("b") is None and buckets.get("a") == (0.5, 1.0)


def test_a_flood_of_callers_neither_grows_memory_nor_frees_the_throttled_caller() -> None:
    limiter = RateLimiter(per_minute=60, burst=2, max_callers=1000)
    assert limiter.allow("heavy", now=0.0) == 0.0 and limiter.allow("heavy", now=0.0) == 0.0
    assert limiter.allow("heavy", now=0.0) > 0  # spent
    for i in range(999):  # fewer new callers than the bound: the heavy one is remembered
        limiter.allow(f"addr:{i}", now=0.001)
    assert limiter.allow("heavy", now=0.002) > 0
    for i in range(5000):  # far more: the bound holds
        limiter.allow(f"flood:{i}", now=0.003)
    assert len(limiter._buckets) == 1000


def test_document_work_buckets_are_bounded_too() -> None:
    work = DocumentWork(ms_per_minute=600, clock=lambda: 0.0, max_callers=100)
    for i in range(1000):
        work.charge(f"addr:{i}", 1.0)
    assert len(work._buckets) == 100
    assert work.balance_ms("addr:999") == 599.0
