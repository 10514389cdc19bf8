"""``check_request``: the walk of a document is made once where it can be remembered (the
document's parse cache entry), its verdict is still per request."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from graphql import parse

from gateway import request_input
from gateway.request_input import check_request
from gateway.schema import schema

SCHEMA = schema._schema
DOCUMENT = """query Page($first: Int, $after: String, $u: USCC = null) {
  enterprises(first: $first, after: $after) { edges { cursor } }
  enterprise(uscc: $u) { name }
}"""


def _asker(query: str) -> Callable[[dict[str, object]], str | None]:
    """The message for each request of one document, its findings remembered as its parse cache
    entry would hold them."""
    document, derived = parse(query), {}

    def message(variables: dict[str, object]) -> str | None:
        error = check_request(SCHEMA, document, variables, derived)
        return None if error is None else error.message

    return message


def test_the_same_document_answers_for_each_requests_variables() -> None:
    ask = _asker(DOCUMENT)
    assert ask({"first": 5, "after": None, "u": "x"}) is None
    assert ask({"first": None, "u": "x"}) == "Variable $first is null, but first needs a value of type Int!"
    assert ask({"first": 5, "after": None}) == \
        "Variable $u is null, but uscc needs a value of type USCC!"  # its literal null default
    assert ask({"first": 5, "u": "x"}) is None


NUL_LITERAL = 'a: enterprise(uscc: "x\\u0000") { name }'
PAGE = "enterprises(first: $f) { edges { cursor } }"
NUL_MESSAGE = "A string in the query holds U+0000 (NUL), which no database text can hold"


def test_the_first_problem_in_document_order_is_named() -> None:
    assert _asker(f"query($f: Int) {{ {NUL_LITERAL} {PAGE} }}")({"f": None}) == NUL_MESSAGE
    ask = _asker(f"query($f: Int) {{ {PAGE} {NUL_LITERAL} }}")
    assert ask({"f": None}).startswith("Variable $f is null")  # type: ignore[union-attr]
    assert ask({"f": 3}) == NUL_MESSAGE


def test_a_documents_findings_are_made_once_where_they_are_remembered(monkeypatch: pytest.MonkeyPatch) -> None:
    walks: list[object] = []
    original = request_input._DocumentChecker.__init__

    def counting(self: Any, *args: Any) -> None:
        walks.append(args)
        original(self, *args)

    monkeypatch.setattr(request_input._DocumentChecker, "__init__", counting)
    document, derived = parse(DOCUMENT), {}
    for variables in ({"first": None}, {"first": 5, "after": None}, {"first": None}):
        check_request(SCHEMA, document, variables, derived)
    assert len(walks) == 1 and len(derived) == 1  # remembered in the document's cache entry's facts
    assert check_request(SCHEMA, document, {"first": None}) is not None  # nowhere to remember: walked again
    assert len(walks) == 2
