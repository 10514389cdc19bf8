"""Fuzzing the endpoint: queries generated from the schema (with random arguments, aliases,
fragments and variables), hostile values in every argument (text PostgreSQL cannot hold, right-to-
left marks, strings up to the body limit, extreme numbers and dates), malformed documents and
malformed HTTP bodies, as the public and as a regulator.  Whatever comes in, the gateway answers
below 500, never shows internals, and keeps serving: afterwards every source's breaker is closed
(bad input is the caller's error, never a source failure) and the process's memory stayed bounded.

The app runs on its own event loop in a thread, so hypothesis can drive it from a plain test.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    get_named_type,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gateway.schema import schema
from tests.conftest import Stack, running_app
from tests.tokens import bearer

GQL = schema._schema
LEAKS = ("Traceback", "postgresql://", "postgres://", "asyncpg", "SELECT ", "/tmp/", "File \"", "host=",
         "password", ".py\"", "exchange.", "central.")
FUZZ = settings(max_examples=1200, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


class Gateway:
    """The app on a private event loop; ``post`` is synchronous for hypothesis."""

    def __init__(self, app_settings: Any, headers: dict[str, str]) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.headers = headers
        self.max_body = app_settings.limits.max_body_bytes
        self._exit = asyncio.Event()
        self._ready: asyncio.Future[tuple[Any, httpx.AsyncClient]] = self.loop.create_future()
        self._serving = asyncio.run_coroutine_threadsafe(self._serve(app_settings), self.loop)
        self.app, self.client = asyncio.run_coroutine_threadsafe(self._wait_ready(), self.loop).result(60)

    async def _wait_ready(self) -> tuple[Any, httpx.AsyncClient]:
        return await self._ready

    async def _serve(self, app_settings: Any) -> None:
        async with running_app(app_settings) as (app, client):
            self._ready.set_result((app, client))
            await self._exit.wait()

    def open_breakers(self) -> list[str]:
        registry = self.app.state.runtime.registry
        sources = {"central": registry.central, **{code: p.source for code, p in registry.provinces.items()}}
        return [name for name, source in sources.items() if source.breaker.is_open]

    def post(self, content: bytes, headers: dict[str, Any] | None = None) -> httpx.Response:
        call = self.client.post("/graphql", content=content,
                                headers={"Content-Type": "application/json", **self.headers, **(headers or {})})
        return asyncio.run_coroutine_threadsafe(call, self.loop).result(30)

    def get(self, path: str) -> httpx.Response:
        return asyncio.run_coroutine_threadsafe(self.client.get(path), self.loop).result(30)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self._exit.set)
        self._serving.result(30)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()


def _gateway(stack: Stack, headers: dict[str, str]) -> Iterator[Gateway]:
    generous = dataclasses.replace(stack.settings.limits, public_rate_per_minute=1_000_000,
                                   identity_rate_per_minute=1_000_000)
    gateway = Gateway(dataclasses.replace(stack.settings, limits=generous), headers)
    try:
        yield gateway
    finally:
        gateway.close()


@pytest.fixture(scope="module")
def public(stack: Stack) -> Iterator[Gateway]:
    yield from _gateway(stack, {})


@pytest.fixture(scope="module")
def regulator(stack: Stack) -> Iterator[Gateway]:
    yield from _gateway(stack, bearer(stack.settings, "regulator", "320000", sub="fuzzer"))


@pytest.fixture(scope="module")
def known_values(stack: Stack) -> list[str]:
    """Real keys from the planted cases, so generated queries also reach data."""
    values: list[str] = []
    for case in stack.showcase.values():
        values += [v for v in case["key"].values() if isinstance(v, str)]
    return values


def check(response: httpx.Response, sent: bytes) -> None:
    assert response.status_code < 500, response.text
    text = response.text
    echoed = sent.decode("utf-8", "replace") + json.dumps(sent.decode("utf-8", "replace"))
    for marker in LEAKS:  # an error message may quote what the client sent; anything else is a leak
        assert marker not in text or marker in echoed, f"{marker!r} leaked: {text[:500]}"
    if response.headers.get("content-type", "").startswith("application/json"):
        body = response.json()
        for error in body.get("errors") or []:
            assert error.get("extensions", {}).get("code") != "INTERNAL_ERROR", error


# ---- strategies ---------------------------------------------------------------------------------

NAMES = st.sampled_from(["a", "b", "x1", "node", "edges", "first", "uscc", "name", "__typename", "query"])
JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-2**40, 2**40) | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)


# Text PostgreSQL cannot hold, text that reads backwards, LIKE and SQL metacharacters, look-alikes.
HOSTILE_TEXT = ["\x00", "a\x00b", "\ud800", "x\udfff", "\ud83d", "\u202e\u0645\u0631\u062d\u0628\u0627", "\u200f",
                "\u2066x\u2069", "\ufeff", "\u0301", "%", "_", "\\", "%\\", "' OR 1=1 --", "$1", "\ufffd",
                "𝔘𝔖ℭℭ", "\U0010ffff", "9" * 300, "建" * 2000]
HOSTILE_INTS = [0, -1, 1, 2**31 - 1, -2**31, 2**31, -2**31 - 1, 2**53, 2**63, -2**63]
HOSTILE_DATES = ["0001-01-01", "1899-12-31", "1900-01-01", "9999-12-31", "2024-02-29", "2023-02-29",
                 "10000-01-01", "-0001-01-01", "2024-13-01", "2024-01-01T00:00:00+14:00", "20240101", ""]
HOSTILE_STRINGS = st.sampled_from(HOSTILE_TEXT + HOSTILE_DATES) | st.text(
    st.characters(codec=None, categories=None), max_size=16)  # any code point, surrogates included
HOSTILE = st.one_of(HOSTILE_STRINGS, st.sampled_from(HOSTILE_INTS), st.sampled_from([1e308, -0.0, 1.5, True, None]))


def _hostile_value(draw: st.DrawFn, gql_type: Any, known: list[str], depth: int = 0) -> Any:
    """A variable value for an input type: the right shape, hostile content (sometimes the wrong shape)."""
    if draw(st.integers(0, 11)) == 0:
        return draw(HOSTILE)
    if isinstance(gql_type, GraphQLNonNull):
        return _hostile_value(draw, gql_type.of_type, known, depth)
    if isinstance(gql_type, GraphQLList):
        return [_hostile_value(draw, gql_type.of_type, known, depth + 1) for _ in range(draw(st.integers(0, 3)))]
    if isinstance(gql_type, GraphQLEnumType):
        return draw(st.sampled_from(list(gql_type.values)))
    if isinstance(gql_type, GraphQLInputObjectType):
        if depth > 2:
            return {}
        chosen = draw(st.lists(st.sampled_from(list(gql_type.fields.items())), max_size=3, unique_by=lambda f: f[0]))
        return {name: _hostile_value(draw, field.type, known, depth + 1) for name, field in chosen}
    if gql_type.name == "Int":
        return draw(st.sampled_from(HOSTILE_INTS))
    if gql_type.name == "Float":
        return draw(st.sampled_from([0.0, -1.0, 1e308, 5e-324]))
    if gql_type.name == "Boolean":
        return draw(st.booleans())
    if gql_type.name == "Date":
        return draw(st.sampled_from(HOSTILE_DATES) | HOSTILE_STRINGS)
    # String, ID and the identifier scalars: a real key with something hostile around it, or just hostile
    known_key = draw(st.sampled_from(known)) if known else ""
    return draw(st.sampled_from(["{k}{h}", "{h}{k}", "{h}", "{k}"])).format(k=known_key, h=draw(HOSTILE_STRINGS))


@st.composite
def hostile_requests(draw: st.DrawFn, known: list[str]) -> bytes:
    """One to three root fields, every argument through a variable with a hostile value."""
    fields = draw(st.lists(st.sampled_from(sorted(GQL.query_type.fields.items())), min_size=1, max_size=3,
                           unique_by=lambda f: f[0]))
    declared, variables, parts = [], {}, []
    for name, field in fields:
        arguments = []
        for arg_name, arg in sorted(field.args.items()):
            if not isinstance(arg.type, GraphQLNonNull) and draw(st.booleans()):
                continue
            var = f"v{len(variables)}"
            declared.append(f"${var}: {arg.type}")
            variables[var] = _hostile_value(draw, arg.type, known)
            arguments.append(f"{arg_name}: ${var}")
        rendered = f"({', '.join(arguments)})" if arguments else ""
        parts.append(f"{name}{rendered} {_selection(draw, field.type, known, 1, {})}")
    header = f"query Hostile({', '.join(declared)}) " if declared else ""
    return json.dumps({"query": header + "{ " + " ".join(parts) + " }", "variables": variables}).encode()


def _literal(draw: st.DrawFn, gql_type: Any, known: list[str], depth: int = 0) -> str:
    """A GraphQL literal for an input type: mostly fitting, sometimes not."""
    if draw(st.integers(0, 15)) == 0:  # the wrong kind of value on purpose
        return draw(st.sampled_from(["null", "1", '"x"', "[]", "{}", "true", "1.5", "ENUM_X"]))
    if isinstance(gql_type, GraphQLNonNull):
        return _literal(draw, gql_type.of_type, known, depth)
    if isinstance(gql_type, GraphQLList):
        items = [_literal(draw, gql_type.of_type, known, depth + 1) for _ in range(draw(st.integers(0, 3)))]
        return "[" + ", ".join(items) + "]"
    if isinstance(gql_type, GraphQLEnumType):
        return draw(st.sampled_from(list(gql_type.values)))
    if isinstance(gql_type, GraphQLInputObjectType):
        if depth > 2:
            return "{}"
        chosen = draw(st.lists(st.sampled_from(list(gql_type.fields.items())), max_size=3, unique_by=lambda f: f[0]))
        return "{" + ", ".join(f"{n}: {_literal(draw, f.type, known, depth + 1)}" for n, f in chosen) + "}"
    return _scalar(draw, gql_type, known)


def _scalar(draw: st.DrawFn, gql_type: GraphQLScalarType, known: list[str]) -> str:
    if gql_type.name in ("Int", "Float"):
        return str(draw(st.sampled_from([0, 1, 5, 20, 100, 101, *HOSTILE_INTS])))
    if gql_type.name == "Boolean":
        return draw(st.sampled_from(["true", "false"]))
    text = draw(st.sampled_from(known) | st.text(max_size=24) | st.sampled_from(["", "2024-01-01", "9999-99-99"])
                | st.sampled_from(HOSTILE_TEXT + HOSTILE_DATES))
    return json.dumps(text)  # \\u escapes: a NUL reaches the literal, a lone surrogate is a syntax error


def _selection(draw: st.DrawFn, gql_type: Any, known: list[str], depth: int, variables: dict[str, Any]) -> str:
    named = get_named_type(gql_type)
    if not isinstance(named, GraphQLObjectType | GraphQLInterfaceType):
        return ""
    if depth > draw(st.integers(2, 7)):
        return "{ __typename }"
    fields = draw(st.lists(st.sampled_from(sorted(named.fields.items())), min_size=1, max_size=3,
                           unique_by=lambda f: f[0]))
    parts = []
    for i, (name, field) in enumerate(fields):
        alias = draw(st.sampled_from(["", f"al{i}: "]))
        parts.append(alias + name + _arguments(draw, field.args, known, variables) + " "
                     + _selection(draw, field.type, known, depth + 1, variables))
    if draw(st.booleans()):
        parts.append("__typename")
    return "{ " + " ".join(parts) + " }"


def _arguments(draw: st.DrawFn, args: dict[str, Any], known: list[str], variables: dict[str, Any]) -> str:
    chosen = draw(st.lists(st.sampled_from(sorted(args.items())), max_size=len(args), unique_by=lambda a: a[0])) \
        if args else []
    rendered = []
    for name, arg in chosen:
        if draw(st.integers(0, 4)) == 0:  # through a variable, with a random JSON value
            var = f"v{len(variables)}"
            variables[var] = (str(arg.type), draw(JSON | st.sampled_from(known) | HOSTILE))
            rendered.append(f"{name}: ${var}")
        else:
            rendered.append(f"{name}: {_literal(draw, arg.type, known)}")
    return "(" + ", ".join(rendered) + ")" if rendered else ""


@st.composite
def generated_requests(draw: st.DrawFn, known: list[str]) -> bytes:
    variables: dict[str, Any] = {}
    selection = _selection(draw, GQL.query_type, known, 0, variables)
    declared = ", ".join(f"${name}: {type_}" for name, (type_, _) in variables.items())
    header = f"query Fuzz({declared}) " if declared else draw(st.sampled_from(["", "query ", "query Fuzz "]))
    document = header + selection
    if draw(st.booleans()):  # the same selection again through a fragment
        document = f"{header}{{ ...Q }} fragment Q on Query {selection}"
    body = {"query": document, "variables": {name: value for name, (_, value) in variables.items()}}
    return json.dumps(body).encode()


TOKENS = st.sampled_from(["{", "}", "(", ")", "[", "]", ":", "$", "!", "...", "@", "=", "query", "fragment",
                          "on", "enterprise", "person", "uscc", "first", "edges", "node", '"a"', "1", "null",
                          "__schema", "__type", "#", "\n", " ", "\"\"\"", "\\u0000", "é", "𝔘"])


@st.composite
def malformed_requests(draw: st.DrawFn) -> bytes:
    kind = draw(st.integers(0, 5))
    if kind == 0:
        return draw(st.binary(max_size=200))
    if kind == 1:
        return json.dumps(draw(JSON)).encode()
    query = "".join(draw(st.lists(TOKENS, max_size=60)))
    body: dict[str, Any] = {"query": query}
    if kind >= 3:
        body["variables"] = draw(JSON)
    if kind >= 4:
        body["operationName"] = draw(JSON)
        body["extensions"] = draw(st.sampled_from([{"persistedQuery": {"sha256Hash": "ab"}},
                                                   {"persistedQuery": "x"}, {"persistedQuery": {"sha256Hash": 5}},
                                                   None, []]))
    return json.dumps(body, ensure_ascii=draw(st.booleans())).encode("utf-8", "surrogatepass")


# ---- the tests ----------------------------------------------------------------------------------

def test_generated_queries_as_the_public(public: Gateway, known_values: list[str]) -> None:
    @FUZZ
    @given(generated_requests(known_values))
    def run(body: bytes) -> None:
        check(public.post(body), body)

    run()
    _still_serving(public)


def test_generated_queries_as_a_regulator(regulator: Gateway, known_values: list[str]) -> None:
    @settings(FUZZ, max_examples=600)
    @given(generated_requests(known_values))
    def run(body: bytes) -> None:
        check(regulator.post(body), body)

    run()
    _still_serving(regulator)


def test_hostile_arguments_as_the_public(public: Gateway, known_values: list[str]) -> None:
    before = _rss_mb()

    @settings(FUZZ, max_examples=500)
    @given(hostile_requests(known_values))
    def run(body: bytes) -> None:
        check(public.post(body), body)

    run()
    _still_serving(public, rss_before=before)


def test_hostile_arguments_as_a_regulator(regulator: Gateway, known_values: list[str]) -> None:
    before = _rss_mb()

    @settings(FUZZ, max_examples=300)
    @given(hostile_requests(known_values))
    def run(body: bytes) -> None:
        check(regulator.post(body), body)

    run()
    _still_serving(regulator, rss_before=before)


@pytest.mark.parametrize("size", [60_000, 1_000_000])
def test_long_strings_in_every_string_argument(public: Gateway, size: int) -> None:
    """Up to the body limit a long string is an ordinary (empty) answer; beyond it, HTTP 413."""
    query = ("query($s: String!, $t: String) { project(number: $s) { name }"
             " personByRegistration(registrationNumber: $s) { name }"
             " enterprises(first: 5, filter: {nameContains: $t}) { edges { cursor } } }")
    body = json.dumps({"query": query, "variables": {"s": "\u202e" + "建" * (size // 12), "t": "x" * (size // 3)}})
    response = public.post(body.encode())
    check(response, body.encode())
    assert response.status_code == (413 if len(body) > public.max_body else 200), response.text[:300]
    _still_serving(public)


def test_malformed_bodies_and_headers(public: Gateway) -> None:
    @FUZZ
    @given(malformed_requests(), st.sampled_from([None, "Bearer", "Bearer x.y.z", "Basic abc", "bearer  ", "Bearer é"]))
    def run(body: bytes, authorization: str | None) -> None:
        headers = {"Authorization": authorization.encode()} if authorization else {}  # bytes: é is allowed
        check(public.post(body, headers), body)

    run()
    _still_serving(public)


def _still_serving(gateway: Gateway, rss_before: float | None = None) -> None:
    assert gateway.get("/healthz").json()["status"] == "ok"
    response = gateway.post(b'{"query": "{ provinces { code healthy } }"}')
    assert response.status_code == 200
    assert all(p["healthy"] for p in response.json()["data"]["provinces"])
    assert gateway.open_breakers() == [], "bad input must never count as a source failure"
    if rss_before is not None:  # the whole test process (gateway included): caches and pools are bounded
        assert _rss_mb() - rss_before < RSS_GROWTH_MB, f"RSS grew from {rss_before:.0f} MB to {_rss_mb():.0f} MB"


RSS_GROWTH_MB = 300


def _rss_mb() -> float:
    """This process's resident set (the gateway runs in it), from /proc."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0
