"""Mixed plans (``gateway.execution``): objects with plain fields beside resolver fields answer as
graphql-core does, keys in the selection's order, errors (nullable and non-null) and awaitable
resolvers included; each resolver runs once."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
import strawberry

from gateway.execution import PlainObjectsExecutionContext

CALLS: list[str] = []


@strawberry.type
class Node:
    name: str
    code: str | None = None

    @strawberry.field
    def upper(self) -> str:
        CALLS.append(f"upper:{self.name}")
        return self.name.upper()

    @strawberry.field
    def failing(self) -> str | None:
        CALLS.append(f"failing:{self.name}")
        raise ValueError(f"no {self.name}")

    @strawberry.field
    def strict(self) -> str:
        CALLS.append(f"strict:{self.name}")
        raise ValueError(f"strict {self.name}")

    @strawberry.field
    async def later(self) -> list[str]:
        CALLS.append(f"later:{self.name}")
        await asyncio.sleep(0)
        return [self.name, self.name]


@strawberry.type
class Edge:
    cursor: str
    node: Node


@strawberry.type
class Query:
    @strawberry.field
    def edges(self) -> list[Edge]:
        return [Edge(cursor=str(i), node=Node(name=n, code=None if i else "c")) for i, n in enumerate("abc")]

    @strawberry.field
    def broken(self) -> list[Edge | None]:
        return [Edge(cursor="x", node=Node(name=None)), Edge(cursor="y", node=Node(name="y"))]  # type: ignore[arg-type]


DOCUMENTS = {
    "order": "{ edges { node { upper name code upper2: upper } cursor } }",
    "errors": "{ edges { cursor node { failing name later } } }",
    "non_null": "{ edges { node { name strict } cursor } }",
    "async": "{ edges { node { later name upper later2: later } } }",
    "plain_null": "{ broken { cursor node { name upper } } }",
    "typename": "{ edges { __typename node { __typename upper } } }",
}


def _run(document: str, context: type | None) -> tuple[str, list[tuple[str, tuple[Any, ...]]], list[str]]:
    CALLS.clear()
    schema = strawberry.Schema(query=Query, **({"execution_context_class": context} if context else {}))
    result = asyncio.run(schema.execute(document))
    errors = sorted((e.message, tuple(e.path or ())) for e in result.errors or [])
    return json.dumps(result.data), errors, sorted(CALLS)


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_mixed_plans_answer_as_graphql_core(name: str) -> None:
    assert _run(DOCUMENTS[name], PlainObjectsExecutionContext) == _run(DOCUMENTS[name], None)


def test_mixed_plans_are_used(monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[object] = []
    original = PlainObjectsExecutionContext._make_mixed

    def counting(self: PlainObjectsExecutionContext, *args: Any) -> Any:
        made.append(args)
        return original(self, *args)

    monkeypatch.setattr(PlainObjectsExecutionContext, "_make_mixed", counting)
    _run(DOCUMENTS["order"], PlainObjectsExecutionContext)
    assert made
