"""Hostile input is the caller's error: refused as ``BAD_USER_INPUT`` (or HTTP 400 for a body that
is not a request), never a source failure, never an internal error, and never a reason to stop
asking a province (issue 8, items 1 and 8).

Each test runs its own app, so the breakers it looks at start closed and no other test's traffic
counts against them.
"""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.conftest import Stack, running_app
from tests.tokens import bearer, post, statements_total

PAGE = "{ enterprises(first: 5) { edges { cursor } coverage { complete missing { code } } } }"


@pytest.fixture
async def app_client(stack: Stack) -> AsyncIterator[tuple[Any, httpx.AsyncClient]]:
    async with running_app(stack.settings) as pair:
        yield pair


async def _ask(client: httpx.AsyncClient, query: str, headers: dict[str, str] | None = None,
               **variables: Any) -> dict[str, Any]:
    """POST as JSON with every non-ASCII character escaped, as a browser's ``JSON.stringify`` may
    send a lone surrogate (``\\ud800``); the JSON body of an HTTP 200."""
    content = json.dumps({"query": query, "variables": variables})
    response = await client.post("/graphql", content=content,
                                 headers={"Content-Type": "application/json", **(headers or {})})
    assert response.status_code == 200, response.text
    return response.json()


def _codes(body: dict[str, Any]) -> list[str]:
    return [e["extensions"]["code"] for e in body.get("errors") or []]


def _open_breakers(app: Any) -> list[str]:
    registry = app.state.runtime.registry
    sources = {"central": registry.central, **{code: p.source for code, p in registry.provinces.items()}}
    return [name for name, source in sources.items() if source.breaker.is_open]


def _hostile_requests(stack: Stack, bad: str) -> list[tuple[str, dict[str, Any]]]:
    """One request per kind of string argument (and input field), ``bad`` inside each."""
    person = stack.case("dual_registration_person")["key"]
    return [
        ("query($n: String) { enterprises(first: 5, filter: {nameContains: $n}) { edges { cursor } } }",
         {"n": f"建筑{bad}"}),
        ("query($a: String) { enterprises(first: 5, after: $a) { edges { cursor } } }", {"a": f"x{bad}"}),
        ("query($n: String!) { project(number: $n) { name } }", {"n": f"3201{bad}"}),
        ("query($r: String!) { personByRegistration(registrationNumber: $r) { name } }",
         {"r": f"{person.get('registrationNumber', '苏1')}{bad}"}),
        ("query($b: String) { creditRecords(first: 5, filter: {behaviourCode: $b}) { edges { cursor } } }",
         {"b": f"D1{bad}"}),
        ("query($p: [String!]) { creditRecords(first: 5, filter: {provinces: $p}) { edges { cursor } } }",
         {"p": ["310000", f"32{bad}"]}),
        ("query($t: IdType!, $n: String!) { person(idType: $t, idNumber: $n) { name } }",
         {"t": "居民身份证", "n": f"3101{bad}"}),
    ]


@pytest.mark.parametrize("bad", ["\x00", "\ud800", "\udfff"], ids=["NUL", "lone-high-surrogate", "lone-low-surrogate"])
async def test_text_postgres_cannot_hold_is_refused_before_any_statement(
    stack: Stack, app_client: tuple[Any, httpx.AsyncClient], bad: str
) -> None:
    app, client = app_client
    for query, variables in _hostile_requests(stack, bad):
        body = await _ask(client, query, **variables)
        assert _codes(body) == ["BAD_USER_INPUT"], (query, body)
        assert statements_total(body) == 0, (query, body["extensions"]["sources"])
    assert _open_breakers(app) == []
    page = await _ask(client, PAGE)
    assert "errors" not in page, page
    assert page["data"]["enterprises"]["coverage"]["complete"] is True


LITERALS = [
    '{ enterprises(first: 5, filter: {nameContains: "建\\u0000筑"}) { edges { cursor } } }',
    '{ creditRecords(first: 5, filter: {provinces: ["310000", "32\\u0000"]}) { edges { cursor } } }',
    '{ project(number: """3201\u0000""") { name } }',
    'query($n: String = "a\\u0000") { enterprises(first: 5, filter: {nameContains: $n}) { edges { cursor } } }',
]


@pytest.mark.parametrize("query", LITERALS, ids=["argument", "list-item", "block-string", "variable-default"])
async def test_nul_in_a_literal_is_refused_before_any_statement(
    app_client: tuple[Any, httpx.AsyncClient], query: str
) -> None:
    app, client = app_client
    body = await _ask(client, query)
    assert body["data"] is None and _codes(body) == ["BAD_USER_INPUT"], body
    assert "U+0000" in body["errors"][0]["message"] and body["errors"][0]["locations"]
    assert statements_total(body) == 0
    assert _open_breakers(app) == []


async def test_a_lone_surrogate_escape_in_a_literal_does_not_even_parse(
    app_client: tuple[Any, httpx.AsyncClient]
) -> None:
    """graphql-core's lexer refuses a ``\\ud800`` escape in a literal (a syntax error)."""
    app, client = app_client
    body = await _ask(client, '{ creditRecords(first: 5, filter: {provinces: ["32\\ud800"]}) { edges { cursor } } }')
    assert body["data"] is None and body["errors"][0]["message"].startswith("Syntax Error"), body
    assert statements_total(body) == 0 and _open_breakers(app) == []


@pytest.mark.parametrize("body", [
    {"query": '{ creditRecords(first: 5, filter: {provinces: ["32\ud800"]}) { edges { cursor } } }'},
    {"query": "{ provinces { code } } # \udc00"},
    {"query": "query Q { provinces { code } }", "operationName": "Q\ud800"},
    {"query": "{ provinces { code } }", "extensions": {"persistedQuery": {"sha256Hash": "\ud800"}}},
], ids=["literal", "comment", "operation-name", "extensions"])
async def test_a_lone_surrogate_in_the_document_is_a_bad_request(
    client: httpx.AsyncClient, body: dict[str, Any]
) -> None:
    """A document is Unicode text: a lone surrogate cannot be in one, nor in an answer quoting it."""
    response = await client.post("/graphql", content=json.dumps(body), headers={"Content-Type": "application/json"})
    assert response.status_code == 400, response.text
    assert _codes(response.json()) == ["BAD_REQUEST"]


async def test_a_lone_surrogate_in_a_variable_field_name_is_bad_user_input(client: httpx.AsyncClient) -> None:
    query = "query($f: EnterpriseFilter) { enterprises(first: 5, filter: $f) { edges { cursor } } }"
    body = await _ask(client, query, f={"name\ud800": "x"})
    assert body["data"] is None and _codes(body) == ["BAD_USER_INPUT"], body


async def test_four_anonymous_nul_requests_leave_every_province_answering(
    stack: Stack, app_client: tuple[Any, httpx.AsyncClient]
) -> None:
    """The issue's attack: NUL in four different arguments, then an ordinary question."""
    app, client = app_client
    for query, variables in _hostile_requests(stack, "\x00")[:4]:
        assert _codes(await _ask(client, query, **variables)) == ["BAD_USER_INPUT"]
    page = await _ask(client, PAGE)
    assert "errors" not in page, page
    assert page["data"]["enterprises"]["coverage"] == {"complete": True, "missing": []}
    assert _open_breakers(app) == []


def _cursor(payload: dict[str, str]) -> str:
    """A cursor as this gateway makes them (base64 of JSON), around a value it would never put there;
    ``\\uXXXX`` escapes carry lone surrogates through JSON."""
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode()


@pytest.mark.parametrize(("field", "payload"), [
    ("enterprises", {"k": "e", "u": "9131\x00"}),
    ("enterprises", {"k": "e", "u": "\ud800"}),
    ("creditRecords", {"k": "c", "d": "2024-01-01", "n": "R\x00", "p": "320000"}),
    ("creditRecords", {"k": "c", "d": "2024-01-01", "n": "\ud83d", "p": "310000"}),
], ids=["enterprise-NUL", "enterprise-surrogate", "credit-NUL", "credit-surrogate"])
async def test_a_database_data_error_is_the_callers_and_opens_no_breaker(
    stack: Stack, app_client: tuple[Any, httpx.AsyncClient], field: str, payload: dict[str, str]
) -> None:
    """A cursor is plain ASCII, so only the database sees what is inside: it refuses the value
    (SQLSTATE class 22), and that is the caller's error, however often it is sent."""
    app, client = app_client
    query = f"query($a: String) {{ {field}(first: 5, after: $a) {{ edges {{ cursor }} }} }}"
    for _ in range(4):
        body = await _ask(client, query, a=_cursor(payload))
        assert set(_codes(body)) == {"BAD_USER_INPUT"}, body
        text = json.dumps(body)
        for leak in ("SELECT", "exchange.", "asyncpg", "0x00", "query argument", "UTF8", "postgres"):
            assert leak not in text, (leak, body)
        assert all(s["status"] in ("ok", "skipped") for s in body["extensions"]["sources"]), body
    assert _open_breakers(app) == []
    page = await _ask(client, PAGE)
    assert "errors" not in page and page["data"]["enterprises"]["coverage"]["complete"] is True


# ---- item 8: internal errors on bad input -------------------------------------------------------

async def test_null_for_a_page_size_variable_is_bad_user_input(client: httpx.AsyncClient) -> None:
    for field in ("enterprises", "creditRecords"):
        body = await _ask(client, f"query($f: Int) {{ {field}(first: $f) {{ edges {{ cursor }} }} }}", f=None)
        assert body["data"] is None and _codes(body) == ["BAD_USER_INPUT"], body
        assert "first" in body["errors"][0]["message"]


async def test_a_date_arithmetic_cannot_hold_is_bad_user_input(stack: Stack, client: httpx.AsyncClient) -> None:
    uscc = stack.case("tri_province_enterprise")["key"]["uscc"]
    registration = stack.case("dual_registration_person")["key"]["registrationNumber"]
    regulator = bearer(stack.settings, "regulator", "320000")
    queries = [
        f'{{ crossCheckEnterprise(uscc: "{uscc}", asOf: "0001-01-01") {{ complete }} }}',
        f'{{ crossCheckPerson(registrationNumber: "{registration}", asOf: "0001-01-01") {{ complete }} }}',
        '{ crossProvinceWinners(to: "0001-01-01") { summary { winners } } }',
        '{ crossProvinceWinners(from: "0001-01-01", to: "0001-01-02") { summary { winners } } }',
        '{ creditRecords(first: 5, filter: {decidedFrom: "0001-01-01"}) { edges { cursor } } }',
    ]
    for query in queries:
        for headers in ({}, regulator):
            body = await _ask(client, query, headers)
            assert body["data"] is None and set(_codes(body)) == {"BAD_USER_INPUT"}, (query, body)
            assert "0001-01-01" in body["errors"][0]["message"]


@pytest.mark.parametrize("depth", [100, 5_000])
async def test_variables_nested_too_deep_are_a_bad_request(client: httpx.AsyncClient, depth: int) -> None:
    nested = "[" * depth + "]" * depth
    query = "query($n: String) { enterprises(first: 1, filter: {nameContains: $n}) { edges { cursor } } }"
    content = f'{{"query": "{query}", "variables": {{"n": {nested}}}}}'
    response = await client.post("/graphql", content=content, headers={"Content-Type": "application/json"})
    assert response.status_code == 400, response.text
    body = response.json()
    assert _codes(body) == ["BAD_REQUEST"] and "deep" in body["errors"][0]["message"]


async def test_a_reasonably_nested_variable_still_answers(client: httpx.AsyncClient) -> None:
    query = "query($u: [USCC!]) { enterprises(first: 1, filter: {usccIn: $u}) { edges { cursor } } }"
    response = await post(client, query, u=[])
    assert response.status_code == 200 and "errors" not in response.json(), response.text


# Valid UTF-8 whose NUL bytes made ``json.loads`` guess UTF-16 or UTF-32: the odd lengths raised a
# decoding error (HTTP 500, found by the fuzz test), the even one parsed as ``{}``.
@pytest.mark.parametrize("content", [b"\x01\x00\x00\x01\x00\x00\x00", b"\x01\x00\x00\x00\x00",
                                     b"\x00\x01\x00\x00\x00", b"\x00\x00\x00\x00\x00", b"{\x00}\x00"])
async def test_a_body_with_nul_bytes_is_not_json(client: httpx.AsyncClient, content: bytes) -> None:
    response = await client.post("/graphql", content=content, headers={"Content-Type": "application/json"})
    assert response.status_code == 400, response.text
    assert _codes(response.json()) == ["BAD_REQUEST"]
