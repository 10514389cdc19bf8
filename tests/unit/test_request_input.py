"""``check_request``: the walk of a document is made once, its verdict is still per request."""

from __future__ import annotations

import gc

from graphql import parse

from gateway import request_input
from gateway.request_input import check_request
from gateway.schema import schema

SCHEMA = schema._schema
DOCUMENT = """query Page($first: Int, $after: String, $u: USCC = null) {
  enterprises(first: $first, after: $after) { edges { cursor } }
  enterprise(uscc: $u) { name }
}"""


def _message(document: object, variables: dict[str, object]) -> str | None:
    error = check_request(SCHEMA, document, variables)  # type: ignore[arg-type]
    return None if error is None else error.message


def test_the_same_document_answers_for_each_requests_variables() -> None:
    document = parse(DOCUMENT)
    assert _message(document, {"first": 5, "after": None, "u": "x"}) is None
    assert _message(document, {"first": None, "u": "x"}) == \
        "Variable $first is null, but first needs a value of type Int!"
    assert _message(document, {"first": 5, "after": None}) == \
        "Variable $u is null, but uscc needs a value of type USCC!"  # its literal null default
    assert _message(document, {"first": 5, "u": "x"}) is None


NUL_LITERAL = 'a: enterprise(uscc: "x\\u0000") { name }'
PAGE = "enterprises(first: $f) { edges { cursor } }"
NUL_MESSAGE = "A string in the query holds U+0000 (NUL), which no database text can hold"


def test_the_first_problem_in_document_order_is_named() -> None:
    document = parse(f"query($f: Int) {{ {NUL_LITERAL} {PAGE} }}")
    assert _message(document, {"f": None}) == NUL_MESSAGE
    document = parse(f"query($f: Int) {{ {PAGE} {NUL_LITERAL} }}")
    assert _message(document, {"f": None}).startswith("Variable $f is null")  # type: ignore[union-attr]
    assert _message(document, {"f": 3}) == NUL_MESSAGE


def test_a_documents_findings_go_with_it() -> None:
    document = parse(DOCUMENT)
    _message(document, {"first": None})
    assert id(document) in request_input._FINDINGS
    key = id(document)
    del document
    gc.collect()
    assert key not in request_input._FINDINGS
