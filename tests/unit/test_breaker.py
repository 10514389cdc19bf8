"""The circuit breaker opens after N failures, lets one probe through after the reset time, and
frees that probe however its call ends (cancellation included)."""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg
import pytest

from domain.errors import BadUserInput
from sources.breaker import CircuitBreaker, Outcome
from sources.config import BreakerConfig, SourceConfig
from sources.errors import SourceError, SourceUnavailable
from sources.postgres import PostgresSource


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _open(failures: int = 1, reset_s: float = 1.0) -> tuple[CircuitBreaker, Clock]:
    clock = Clock()
    breaker = CircuitBreaker(BreakerConfig(failures=failures, reset_s=reset_s), clock)
    for _ in range(failures):
        permit = breaker.admit()
        assert permit is not None
        breaker.settle(permit, Outcome.FAILED)
    assert breaker.is_open
    return breaker, clock


def test_opens_after_consecutive_failures_and_recovers_through_one_probe() -> None:
    breaker, clock = _open(failures=2)
    assert breaker.admit() is None
    clock.now = 1.5
    probe = breaker.admit()
    assert probe is not None and probe.probe
    assert breaker.admit() is None      # only one at a time
    breaker.settle(probe, Outcome.HEALTHY)
    permit = breaker.admit()
    assert permit is not None and not permit.probe and not breaker.is_open


def test_failed_probe_reopens() -> None:
    breaker, clock = _open()
    clock.now = 2.0
    probe = breaker.admit()
    assert probe is not None
    breaker.settle(probe, Outcome.FAILED)
    assert breaker.admit() is None
    clock.now = 3.5
    assert breaker.admit() is not None


def test_a_probe_without_verdict_frees_the_slot_and_keeps_the_breaker_open() -> None:
    """A cancelled probe (or one refused for the caller's input) says nothing about the source:
    the next call is the next probe, at once."""
    breaker, clock = _open()
    clock.now = 2.0
    probe = breaker.admit()
    assert probe is not None
    breaker.settle(probe, Outcome.NO_VERDICT)
    assert breaker.is_open
    again = breaker.admit()
    assert again is not None and again.probe


def test_only_the_probe_frees_the_probe_slot() -> None:
    """A slow call admitted before the breaker opened ends while the probe is out: no second probe."""
    breaker = CircuitBreaker(BreakerConfig(failures=1, reset_s=1.0), clock := Clock())
    slow = breaker.admit()
    fast = breaker.admit()
    assert slow is not None and fast is not None
    breaker.settle(fast, Outcome.FAILED)
    clock.now = 2.0
    probe = breaker.admit()
    assert probe is not None and probe.probe
    breaker.settle(slow, Outcome.FAILED)
    assert breaker.admit() is None


def test_caller_errors_do_not_count() -> None:
    breaker = CircuitBreaker(BreakerConfig(failures=2, reset_s=1.0), Clock())
    for _ in range(10):
        permit = breaker.admit()
        assert permit is not None
        breaker.settle(permit, Outcome.NO_VERDICT)
    assert not breaker.is_open


# ---- the source settles its permit on every path ------------------------------------------------

class _Source(PostgresSource):
    """A PostgresSource whose statement is a stand-in: no server needed."""

    def __init__(self, outcome: Any) -> None:
        super().__init__(SourceConfig(name="320000", dsn="postgresql://unused/", timeout_s=5.0),
                         BreakerConfig(failures=1, reset_s=0.0))
        self.outcome = outcome

    async def _with_retry(self, op: Any) -> Any:
        if isinstance(self.outcome, BaseException):
            raise self.outcome
        if self.outcome == "hang":
            await asyncio.Event().wait()
        return [{"ok": 1}]


def _opened(source: _Source) -> None:
    permit = source.breaker.admit()
    assert permit is not None
    source.breaker.settle(permit, Outcome.FAILED)
    assert source.breaker.is_open


async def test_a_cancelled_probe_is_released() -> None:
    source = _Source("hang")
    _opened(source)
    probe = asyncio.ensure_future(source.fetch("SELECT 1"))
    await asyncio.sleep(0.01)           # the probe is out, waiting on the "server"
    with pytest.raises(SourceUnavailable):
        await source.fetch("SELECT 1")  # no second probe meanwhile
    probe.cancel()
    with pytest.raises(asyncio.CancelledError):
        await probe
    source.outcome = "ok"
    assert await source.fetch("SELECT 1") == [{"ok": 1}]  # the next call probes, and closes it
    assert not source.breaker.is_open


@pytest.mark.parametrize("error", [
    asyncpg.CharacterNotInRepertoireError("invalid byte sequence"),
    asyncpg.InvalidTextRepresentationError("invalid input syntax"),
    asyncpg.DataError("invalid input for query argument $1"),
], ids=["22021", "22P02", "encoder"])
async def test_a_data_error_is_bad_user_input_and_does_not_count(error: Exception) -> None:
    source = _Source(error)
    for _ in range(5):
        with pytest.raises(BadUserInput) as raised:
            await source.fetch("SELECT $1::text")
        assert not isinstance(raised.value, SourceError)
        assert "SELECT" not in raised.value.message and "argument $1" not in raised.value.message
    assert not source.breaker.is_open


@pytest.mark.parametrize(("error", "counts"), [
    (ConnectionRefusedError(), True),
    (TimeoutError(), True),
    (asyncpg.UndefinedTableError("relation does not exist"), True),
    (ValueError("year 10000 is out of range"), False),  # an answer the gateway could not decode
])
async def test_what_counts_as_a_source_failure(error: Exception, counts: bool) -> None:
    source = _Source(error)
    with pytest.raises(SourceError):
        await source.fetch("SELECT 1")
    assert source.breaker.is_open is counts
