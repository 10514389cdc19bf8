"""The general execution path is the oracle of the fast one, for every role on every query case.

The fast path reads the document ahead (``resolvers.selection``) and fetches a subject's child
lists in the subject's own statement (``sources.province_queries.enterprises_with``); the general
path leaves each list to its own field and batch statement.  Both must give the same answer, and the
fast one must never send more statements than the general one.  A few extra documents exercise
what the query cases do not: fragments, aliases, ``@skip``/``@include`` and nested enterprises.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from resolvers import selection
from tests.conftest import Stack, statements
from tests.queries.test_query_cases import CASES, _answer, _header, _variables
from tests.tokens import ROLE_CASES, ask, headers_for

EXTRA = {
    "fragments_and_aliases": """query($u: USCC!) { enterprise(uscc: $u) { ...Lists
        recent: creditRecords { id } coverage { complete missing { code } } } }
        fragment Lists on Enterprise { name ... on Enterprise { qualifications { certificateNumber } }
        registeredPersons { name idNumber } projects { projectNumber project { name parties { uscc
        enterprise { name blacklist { listedOn } } } } } }""",
    "skip_and_include": """query($u: USCC!, $yes: Boolean!) { enterprise(uscc: $u) {
        name creditRecords @skip(if: $yes) { id } blacklist @include(if: $yes) { listedOn }
        qualifications @include(if: false) { status } coverage { complete } } }""",
    "page_with_coverage": """{ enterprises(first: 30) { edges { node { uscc coverage { complete }
        creditRecords { id decisionDate } projects { role } } } coverage { complete } } }""",
    "page_without_lists": """{ enterprises(first: 10) { edges { node { uscc name coverage { complete } } } } }""",
}


@pytest.fixture
def general_path() -> Iterator[None]:
    selection.GENERAL_ONLY = True
    try:
        yield
    finally:
        selection.GENERAL_ONLY = False


async def _both(
    client: httpx.AsyncClient, document: str, headers: dict[str, str], variables: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    fast = await ask(client, document, headers, **variables)
    selection.GENERAL_ONLY = True
    try:
        general = await ask(client, document, headers, **variables)
    finally:
        selection.GENERAL_ONLY = False
    return fast, general


def _assert_same(fast: dict[str, Any], general: dict[str, Any]) -> None:
    """Equal answers; the fast path sends no more statements to the provinces in all.  (Per source
    the counts of a nested fan-out depend on which province answers first: lookups started in
    different turns batch differently, on both paths; the query cases' own budgets are exact.)"""
    assert _answer(fast) == _answer(general)
    sent_fast, sent_general = statements(fast), statements(general)

    def provinces(sent: dict[str, int]) -> int:
        return sum(count for source, count in sent.items() if source != "central")

    assert provinces(sent_fast) <= provinces(sent_general), (sent_fast, sent_general)


@pytest.mark.parametrize("role", sorted(ROLE_CASES))
@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
async def test_fast_path_answers_as_the_general_path(
    path: Path, role: str, client: httpx.AsyncClient, stack: Stack
) -> None:
    """Every case as every role (not only the roles its expected answers are stored for)."""
    text = path.read_text(encoding="utf-8")
    fast, general = await _both(client, text, headers_for(stack.settings, role), _variables(_header(text), stack))
    _assert_same(fast, general)


@pytest.mark.parametrize("role", ["public", "regulator_sh"])
@pytest.mark.parametrize("name", sorted(EXTRA))
async def test_fast_path_on_fragments_directives_and_nesting(
    name: str, role: str, client: httpx.AsyncClient, stack: Stack
) -> None:
    variables = {"u": stack.case("tri_province_enterprise")["key"]["uscc"], "yes": True} if "$u" in EXTRA[name] else {}
    if "$yes" not in EXTRA[name]:
        variables.pop("yes", None)
    fast, general = await _both(client, EXTRA[name], headers_for(stack.settings, role), variables)
    assert "errors" not in fast, fast["errors"]
    _assert_same(fast, general)


async def test_the_general_path_is_really_taken(general_path: None, client: httpx.AsyncClient, stack: Stack) -> None:
    """Guards the oracle itself: with the look-ahead off, every child list has its own statement."""
    case = stack.case("tri_province_enterprise")
    document = "query($u: USCC!) { enterprise(uscc: $u) { qualifications { status } creditRecords { id } } }"
    body = await ask(client, document, headers_for(stack.settings, "public"), u=case["key"]["uscc"])
    assert all(count == 3 for source, count in statements(body).items() if source != "central"), statements(body)
