"""Mixed plans (``gateway.execution``): objects with plain fields beside resolver fields answer as
graphql-core does, keys in the selection's order, errors (nullable and non-null) and awaitable
resolvers included; each resolver runs once.  Simple resolver fields (sync, no arguments, only
``DirectiveExtension`` s) are called directly and still answer as strawberry's chain does, the
extensions' transforms applied in strawberry's order."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
import strawberry
from strawberry.schema_directive import Location

from gateway import execution
from gateway.execution import PlainObjectsExecutionContext
from resolvers.permissions import DirectiveExtension
from tests.unit.counting import count_calls

CALLS: list[str] = []


@strawberry.schema_directive(locations=[Location.FIELD_DEFINITION])
class Marked:
    pass


class Suffix(DirectiveExtension):
    """Appends its text to a string or to each string of a list (after an awaitable, too)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.directive = Marked()

    def transform(self, value: Any, source: Any, info: Any) -> Any:
        if isinstance(value, list):
            return [v + self.text for v in value]
        return None if value is None else value + self.text


async def _pair(name: str) -> list[str]:
    await asyncio.sleep(0)
    return [name, name + name]


@strawberry.type
class Item:
    label: str
    rank: int | None = None


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

    @strawberry.field(extensions=[Suffix("-a"), Suffix("-b")])
    def suffixed(self, info: strawberry.Info) -> str:
        CALLS.append(f"suffixed:{self.name}:{type(info).__name__}")
        return self.name

    @strawberry.field(extensions=[Suffix("!")])
    def pending(self) -> list[str]:
        CALLS.append(f"pending:{self.name}")
        return _pair(self.name)  # type: ignore[return-value]  # a sync resolver handing back a lookup

    @strawberry.field(extensions=[Suffix("?")])
    def refused(self) -> str | None:
        CALLS.append(f"refused:{self.name}")
        raise PermissionError(f"not {self.name}")

    @strawberry.field
    def repeated(self, times: int = 2) -> str:
        return self.name * times

    @strawberry.field
    def items(self) -> list[Item]:
        CALLS.append(f"items:{self.name}")
        return [Item(label=self.name, rank=1), Item(label=self.name * 2)]

    @strawberry.field
    def bad_items(self) -> list[Item]:
        CALLS.append(f"bad_items:{self.name}")
        return [Item(label=self.name), Item(label=None)]  # type: ignore[arg-type]  # null where the type forbids it

    @strawberry.field
    def items_tuple(self) -> list[Item]:
        return (Item(label=self.name),)  # type: ignore[return-value]  # an iterable that is not a list

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
class Holder:
    maybe: Node | None
    sure: Node


@strawberry.type
class Query:
    @strawberry.field
    def edges(self) -> list[Edge]:
        return [Edge(cursor=str(i), node=Node(name=n, code=None if i else "c")) for i, n in enumerate("abc")]

    @strawberry.field
    def holders(self) -> list[Holder]:
        return [Holder(maybe=None, sure=Node(name="s")), Holder(maybe=Node(name="m"), sure=None)]  # type: ignore[arg-type]

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
    "extensions": "{ edges { node { name suffixed pending refused repeated r3: repeated(times: 3) } } }",
    "plain_lists": "{ edges { node { name items { label rank } itemsTuple { label } upper } } }",
    "plain_list_refused": "{ edges { cursor node { badItems { label } name } } }",
    "objects_null": "{ holders { maybe { name upper } sure { name upper } } }",
    "object_errors": "{ holders { maybe { name strict } sure { upper failing } } }",
    "object_async": "{ edges { cursor node { later pending name } } }",
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
    made = count_calls(monkeypatch, PlainObjectsExecutionContext, "_make_mixed")
    _run(DOCUMENTS["order"], PlainObjectsExecutionContext)
    assert made


def test_simple_resolver_fields_are_called_directly() -> None:
    _run(DOCUMENTS["extensions"], PlainObjectsExecutionContext)
    direct = {definition.python_name: made is not None for definition, made in execution._DIRECT.items()
              if definition.python_name in {"suffixed", "pending", "refused", "repeated", "upper", "later"}}
    # async: strawberry's own resolver; with arguments: not even considered
    assert direct == {"upper": True, "suffixed": True, "pending": True, "refused": True, "later": False}


def test_the_plan_runs_an_edge_s_node_and_a_node_s_lists_itself(monkeypatch: pytest.MonkeyPatch) -> None:
    nodes = count_calls(monkeypatch, execution._ObjectField, "__call__")
    lists = count_calls(monkeypatch, execution._DirectField, "__call__")
    general = count_calls(monkeypatch, PlainObjectsExecutionContext, "execute_general")
    _run(DOCUMENTS["plain_lists"], PlainObjectsExecutionContext)
    assert len(nodes) == 3  # each edge's node
    assert len(lists) == 3 * 3  # items, itemsTuple and upper of each node
    assert general == []  # nothing left to graphql-core's execute_field
