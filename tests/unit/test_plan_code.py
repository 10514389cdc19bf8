"""The generated plan of a plain object does what the step loop it replaced did."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from graphql import GraphQLBoolean, GraphQLID, GraphQLInt, GraphQLString
from graphql.pyutils import Undefined

from gateway.plan_code import PlanStep, compile_plan, keeps_str


class Fallback(Exception):
    pass


def _leaf(leaf_type: Any):
    def complete(value: Any) -> Any:
        coerced = leaf_type.coerce_output_value(value)
        if coerced is None:
            raise Fallback
        return coerced

    return complete


def _reference(typename: str, steps: list[PlanStep], source: Any) -> dict[str, Any]:
    """The loop the generated code replaced."""
    out: dict[str, Any] = {}
    for response_name, attribute, complete, non_null, _ in steps:
        if attribute is None:
            out[response_name] = typename
            continue
        value = getattr(source, attribute)
        if value is None or value is Undefined:
            if non_null:
                raise Fallback
            out[response_name] = None
        else:
            out[response_name] = complete(value)  # type: ignore[misc]
    return out


STEPS: list[PlanStep] = [
    ("kind", None, None, True, False),
    ("id", "id", _leaf(GraphQLID), True, True),
    ("label", "name", _leaf(GraphQLString), False, True),
    ("count", "count", _leaf(GraphQLInt), False, False),
    ("flag", "flag", _leaf(GraphQLBoolean), True, False),
    ("odd", "not an identifier", _leaf(GraphQLString), False, True),
]


class Label(str):
    def __str__(self) -> str:
        return "as str"


@pytest.mark.parametrize(
    "values",
    [
        {"id": "E-1", "name": "沪建", "count": 3, "flag": True, "not an identifier": "x"},
        {"id": 7, "name": None, "count": None, "flag": False, "not an identifier": None},  # int to ID: "7"
        {"id": "E-2", "name": 12, "count": Undefined, "flag": True, "not an identifier": True},  # 12 to "12"
        {"id": "E-3", "name": Label("sub"), "count": 0, "flag": False, "not an identifier": ""},
    ],
)
def test_the_generated_plan_answers_as_the_loop(values: dict[str, Any]) -> None:
    source = SimpleNamespace(**values)
    plan = compile_plan("Thing", STEPS, Fallback)
    assert plan(source) == _reference("Thing", STEPS, source)
    assert list(plan(source)) == [step[0] for step in STEPS]  # the selection's order


@pytest.mark.parametrize("missing", [None, Undefined])
def test_a_null_where_the_type_forbids_one_falls_back(missing: Any) -> None:
    source = SimpleNamespace(id=missing, name="n", count=1, flag=True, **{"not an identifier": None})
    with pytest.raises(Fallback):
        compile_plan("Thing", STEPS, Fallback)(source)


def test_a_leaf_that_does_not_coerce_raises_as_before() -> None:
    source = SimpleNamespace(id="E", name=object(), count=1, flag=True, **{"not an identifier": None})
    with pytest.raises(Exception, match="String cannot represent"):
        compile_plan("Thing", STEPS, Fallback)(source)


def test_request_text_never_enters_the_code() -> None:
    # A response name is an alias the caller chose: bound as a constant, so quotes or newlines in
    # it (which GraphQL names cannot hold anyway) could not change the code.
    steps: list[PlanStep] = [('a"}; import os; {"', "id", None, False, False)]
    assert compile_plan("T", steps, Fallback)(SimpleNamespace(id=1)) == {'a"}; import os; {"': 1}


def test_only_string_and_id_keep_a_str() -> None:
    assert keeps_str(GraphQLString) and keeps_str(GraphQLID)
    assert not keeps_str(GraphQLInt) and not keeps_str(GraphQLBoolean)
