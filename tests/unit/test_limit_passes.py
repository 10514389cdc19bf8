"""The document limits' remembered passes (``check_document_remembered``): a verdict is reused only
for the same document, policy and values of the variables the analysis reads; every breach is
found again, as ``check_document`` finds it."""

from __future__ import annotations

from typing import Any

import pytest
from graphql import parse

from gateway.limits.analysis import MAX_PASSES, RequestPolicy, check_document, check_document_remembered
from gateway.schema import build_schema
from gateway.settings import LimitSettings

SCHEMA = build_schema()._schema
PAGE = (
    "query P($n: Int, $m: Int) {"
    " enterprises(first: $n) { edges { node { name } } } b: enterprises(first: $m) { edges { cursor } } }"
)
POLICY = RequestPolicy(LimitSettings(max_page_size=100, max_cost=100_000))


def _code(error: Any) -> str | None:
    return None if error is None else error.extensions["code"]


@pytest.mark.parametrize("values", [
    {"n": 5, "m": 5}, {"n": 101, "m": 5}, {"n": 5, "m": 0}, {"n": True, "m": 1}, {"n": 1, "m": True},
    {"n": None, "m": 2}, {"m": 3}, {"n": "7", "m": 1}, {"n": 1.0, "m": 1}, {"n": [1], "m": 1},
])
def test_remembered_verdicts_equal_the_analysis(values: dict[str, Any]) -> None:
    document, passes = parse(PAGE), {}
    # Warm the memory with passing values first, then ask with ``values`` twice.
    for warm in ({"n": 5, "m": 5}, {"n": 1, "m": 1}, {"n": 100, "m": 100}):
        assert check_document_remembered(SCHEMA, document, warm, POLICY, passes) is None
    expected = _code(check_document(SCHEMA, document, values, POLICY))
    for _ in range(2):
        assert _code(check_document_remembered(SCHEMA, document, values, POLICY, passes)) == expected


def test_a_pass_under_one_policy_is_not_one_under_another() -> None:
    document, passes = parse(PAGE), {}
    assert check_document_remembered(SCHEMA, document, {"n": 50, "m": 50}, POLICY, passes) is None
    tighter = RequestPolicy(LimitSettings(max_page_size=10, max_cost=100_000))
    assert _code(check_document_remembered(SCHEMA, document, {"n": 50, "m": 50}, tighter, passes)) == "PAGE_TOO_LARGE"
    no_introspection = RequestPolicy(POLICY.limits, introspection=False)
    schema_query = parse("{ __schema { queryType { name } } }")
    assert check_document_remembered(SCHEMA, schema_query, None, POLICY, passes) is None
    refused = check_document_remembered(SCHEMA, schema_query, None, no_introspection, passes)
    assert _code(refused) == "INTROSPECTION_DISABLED"


def test_memory_stays_bounded_per_document() -> None:
    document, passes = parse(PAGE), {}
    for n in range(1, 101):
        for m in range(1, 4):
            assert check_document_remembered(SCHEMA, document, {"n": n, "m": m}, POLICY, passes) is None
    (names, remembered), = passes.values()
    assert names == ("m", "n")
    assert 0 < len(remembered) <= MAX_PASSES
    # Values that are no page size are analysed every time, never remembered.
    check_document_remembered(SCHEMA, document, {"n": "x", "m": 1}, POLICY, passes)
    assert all(isinstance(v, int) or v is None for key in remembered for v in key)
