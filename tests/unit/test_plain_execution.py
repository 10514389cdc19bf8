"""The fast lane for plain objects (``gateway.execution``) answers exactly as graphql-core does,
errors included: each document runs on a small schema with strawberry's own execution context (the
oracle) and with the gateway's, and the answers (data, error messages and paths) must be equal."""

from __future__ import annotations

from dataclasses import field
from enum import Enum
from typing import Any

import pytest
import strawberry

from gateway.execution import PlainObjectsExecutionContext
from resolvers import selection
from tests.unit.counting import count_calls


@strawberry.enum
class Colour(Enum):
    RED = "red"
    BLUE = "blue"


@strawberry.type
class Leaf:
    code: str
    count: int
    colour: Colour
    note: str | None = None


@strawberry.type
class Item:
    name: str
    leaf: Leaf
    leaves: list[Leaf]
    maybe: Leaf | None = None
    tags: list[str] = field(default_factory=list)

    @strawberry.field
    def computed(self) -> str:
        return self.name.upper()


def _items() -> list[Item]:
    good = Leaf(code="a", count=1, colour=Colour.RED)
    # Each broken item on purpose, one fault each: a null for a non-null field, a null item in a
    # non-null list, a count that is no Int, a tag that is no String, a null non-null name.
    broken: list[Any] = [
        Item(name="two", leaf=Leaf(code=None, count=1, colour=Colour.RED), leaves=[]),
        Item(name="three", leaf=good, leaves=[good, None]),
        Item(name="four", leaf=good, leaves=[], maybe=Leaf(code="c", count="many", colour=Colour.BLUE)),
        Item(name="five", leaf=good, leaves=[], tags=["y", None]),
        Item(name=None, leaf=good, leaves=[]),
    ]
    return [Item(name="one", leaf=good, leaves=[good, Leaf(code="b", count=2, colour=Colour.BLUE, note="n")],
                 tags=["x"]), *broken]


@strawberry.type
class Query:
    @strawberry.field
    def items(self) -> list[Item | None]:
        return _items()

    @strawberry.field
    def first(self) -> Item:
        return _items()[0]


DOCUMENTS = {
    "plain": "{ first { name leaf { code count colour note } leaves { code colour } tags } }",
    "mixed": "{ first { name computed leaf { code } } }",
    "errors": "{ items { name leaf { code count } leaves { code } maybe { count colour } tags } }",
    "aliases_typename_fragments": """{ items { __typename n: name ...F leaf { ... on Leaf { c: code } } } }
        fragment F on Item { leaves { __typename count } }""",
    "directives": "query($s: Boolean!) { first { name @skip(if: $s) leaf { code @include(if: $s) count } } }",
}


def _run(document: str, context: type | None, variables: dict[str, Any]) -> dict[str, Any]:
    schema = strawberry.Schema(query=Query, **({"execution_context_class": context} if context else {}))
    result = schema.execute_sync(document, variable_values=variables)
    errors = sorted((e.message, tuple(e.path or ())) for e in result.errors or [])
    return {"data": result.data, "errors": errors}


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_fast_lane_answers_as_graphql_core(name: str) -> None:
    variables = {"s": True} if "$s" in DOCUMENTS[name] else {}
    assert _run(DOCUMENTS[name], PlainObjectsExecutionContext, variables) == _run(DOCUMENTS[name], None, variables)


def test_the_oracle_differs_from_nothing_by_accident() -> None:
    """The broken items do produce errors (the comparison above is about them, not about none)."""
    answer = _run(DOCUMENTS["errors"], PlainObjectsExecutionContext, {})
    assert len(answer["errors"]) == 5
    assert answer["data"]["items"][0]["leaf"] == {"code": "a", "count": 1}


def test_general_only_turns_the_fast_lane_off(monkeypatch: pytest.MonkeyPatch) -> None:
    made = count_calls(monkeypatch, PlainObjectsExecutionContext, "_make_plan")
    _run(DOCUMENTS["plain"], PlainObjectsExecutionContext, {})
    assert made
    made.clear()
    monkeypatch.setattr(selection, "GENERAL_ONLY", True)
    _run(DOCUMENTS["plain"], PlainObjectsExecutionContext, {})
    assert not made
