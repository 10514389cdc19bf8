"""A subscription runs for hours: executing its events must not keep anything per event.

graphql-core 3.3 executes each event with a shallow copy of the subscription's executor, sharing
its memo of collected subfields keyed by field groups that are new for every event; without
``gateway.websocket.per_event_memo`` that memo grows with every event (the test shows both)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from graphql import GraphQLObjectType, build_schema, parse, subscribe
from graphql.execution.executor import Executor

from gateway.schema import schema as gateway_schema
from gateway.websocket import per_event_memo

SDL = """type Query { noop: Int }
type Tick { n: Int! inner: Inner! }
type Inner { m: Int! }
type Subscription { tick: Tick! }"""
EVENTS = 50


async def _ticks() -> AsyncIterator[dict[str, Any]]:
    for n in range(EVENTS):
        yield {"tick": {"n": n, "inner": {"m": n}}}


def _memo_size(executor: Executor) -> int:
    return sum(len(v) for k, v in vars(executor).items() if k.startswith("_") and isinstance(v, dict))


async def _run(executor_class: type[Executor]) -> tuple[int, list[int]]:
    schema = build_schema(SDL)
    subscription = schema.subscription_type
    assert isinstance(subscription, GraphQLObjectType)
    subscription.fields["tick"].subscribe = lambda *_: _ticks()
    made: list[Executor] = []

    class Recording(executor_class):  # type: ignore[misc, valid-type]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            made.append(self)

    stream = subscribe(schema, parse("subscription { tick { n inner { m } } }"), executor_class=Recording)
    if not hasattr(stream, "__aiter__"):
        stream = await stream  # type: ignore[misc]
    values = [result.data["tick"]["n"] async for result in stream]  # type: ignore[union-attr]
    return _memo_size(made[0]), values


async def test_the_plain_executor_grows_per_event_and_the_gateway_one_does_not() -> None:
    plain_memo, plain_values = await _run(Executor)
    memo, values = await _run(per_event_memo(Executor))
    assert plain_values == values == list(range(EVENTS))
    assert plain_memo >= EVENTS  # what the fix is for: one memo entry (or more) per event
    assert memo <= 2


def test_the_gateway_schema_uses_it() -> None:
    assert gateway_schema.execution_context_class.__name__.startswith("PerEventMemo")
