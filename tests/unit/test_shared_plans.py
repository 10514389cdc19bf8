"""Plans shared by the requests of one operation (``gateway.execution._SharedPlans``): the same
parsed document executed again reuses its plans, and answers exactly as graphql-core does whatever
the directives' variables are; the plans go when the document goes."""

from __future__ import annotations

import gc
from typing import Any

import pytest
import strawberry
from graphql import execute_sync, parse
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext as Oracle

from gateway import execution
from gateway.execution import PlainObjectsExecutionContext
from tests.unit.counting import count_calls
from tests.unit.test_plain_execution import DOCUMENTS, Query

SCHEMA = strawberry.Schema(query=Query)._schema
SHARED_DOCUMENT = """query($s: Boolean!, $t: Boolean = false) {
  first { name @skip(if: $s) leaf { code @include(if: $s) count } ...F @include(if: $t) }
  items { name leaves { code } }
}
fragment F on Item { leaves { count @skip(if: $s) colour } tags }"""


def _answer(document: Any, context: type, variables: dict[str, Any]) -> dict[str, Any]:
    result = execute_sync(SCHEMA, document, variable_values=variables, executor_class=context)
    errors = sorted((e.message, tuple(e.path or ())) for e in result.errors or [])
    return {"data": result.data, "errors": errors}


def test_the_same_document_again_answers_as_graphql_core(monkeypatch: pytest.MonkeyPatch) -> None:
    document = parse(SHARED_DOCUMENT)
    made = count_calls(monkeypatch, PlainObjectsExecutionContext, "_make_plan")
    variants = [{"s": True}, {"s": False}, {"s": True, "t": True}, {"s": False, "t": True}]
    for variables in variants * 2:
        expected = _answer(document, Oracle, variables)
        assert _answer(document, PlainObjectsExecutionContext, variables) == expected
    first_round = len(made)
    made.clear()
    for variables in variants:
        _answer(document, PlainObjectsExecutionContext, variables)
    assert first_round > 0 and made == [], "the second time, every plan comes from the shared store"


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_every_document_twice_answers_as_graphql_core(name: str) -> None:
    document = parse(DOCUMENTS[name])
    variables = {"s": True} if "$s" in DOCUMENTS[name] else {}
    expected = _answer(document, Oracle, variables)
    for _ in range(2):
        assert _answer(document, PlainObjectsExecutionContext, variables) == expected


def test_deferred_operations_and_non_boolean_variants_are_not_shared() -> None:
    deferred = parse("{ first { name ... @defer { leaf { code } } } }")
    operation = deferred.definitions[0]
    assert execution._shared_plans(operation, {}, {}) is None
    document = parse(SHARED_DOCUMENT)
    operation = document.definitions[0]
    assert execution._shared_plans(operation, {"F": document.definitions[1]}, {"s": "yes"}) is None
    assert execution._shared_plans(operation, {"F": document.definitions[1]}, {"s": True}) is not None


def test_the_plans_go_with_the_document() -> None:
    document = parse(SHARED_DOCUMENT)
    key = id(document.definitions[0])
    _answer(document, PlainObjectsExecutionContext, {"s": True})
    assert key in execution._STORES
    del document
    gc.collect()
    assert key not in execution._STORES
