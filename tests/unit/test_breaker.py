"""The circuit breaker opens after N failures, lets one probe through after the reset time."""

from __future__ import annotations

from sources.breaker import CircuitBreaker
from sources.config import BreakerConfig


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_opens_after_consecutive_failures_and_recovers_through_one_probe() -> None:
    clock = Clock()
    breaker = CircuitBreaker(BreakerConfig(failures=2, reset_s=1.0), clock)
    breaker.record_failure()
    assert breaker.allow()
    breaker.record_failure()
    assert not breaker.allow()
    clock.now = 1.5
    assert breaker.allow()          # the probe
    assert not breaker.allow()      # only one at a time
    breaker.record_success()
    assert breaker.allow() and not breaker.is_open


def test_failed_probe_reopens() -> None:
    clock = Clock()
    breaker = CircuitBreaker(BreakerConfig(failures=1, reset_s=1.0), clock)
    breaker.record_failure()
    clock.now = 2.0
    assert breaker.allow()
    breaker.record_failure()
    assert not breaker.allow()
