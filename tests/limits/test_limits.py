"""Abuse limits: each rejection has a stable code and happens before any database is touched."""

from __future__ import annotations

import dataclasses
import json
import re
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from graphql import get_introspection_query

from gateway.limits.persisted import PersistedQueries, query_hash
from gateway.limits.rate import RateLimiter
from gateway.settings import LimitSettings, Settings, settings_from_mapping
from tests.conftest import SECRET, Stack, running_client
from tests.tokens import ask, bearer, post, statements_total

README = Path(__file__).resolve().parents[2] / "README.md"


def _with(stack: Stack, **limits: Any) -> Settings:
    return dataclasses.replace(stack.settings, limits=dataclasses.replace(stack.settings.limits, **limits))


def _rejected(body: dict[str, Any], code: str) -> None:
    assert body["data"] is None, body
    assert [e["extensions"]["code"] for e in body["errors"]] == [code], body["errors"]
    assert statements_total(body) == 0, "rejected before any database was touched"


@pytest.fixture
async def tight(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    settings = _with(stack, max_depth=6, max_aliases=4, max_root_fields=3, max_cost=400, max_tokens=200)
    async with running_client(settings) as client:
        yield client


DEEP = "{ enterprises(first: 1) { edges { node { projects { project { parties { enterprise { name } } } } } } } }"


async def test_depth(tight: httpx.AsyncClient) -> None:
    _rejected(await ask(tight, DEEP), "QUERY_TOO_DEEP")


async def test_depth_hidden_in_fragments(tight: httpx.AsyncClient) -> None:
    query = """{ enterprises(first: 1) { ...A } }
        fragment A on EnterpriseConnection { edges { ...B } }
        fragment B on EnterpriseEdge { node { projects { ...C } } }
        fragment C on ProjectParticipation { project { parties { ... on ProjectParty { enterprise { name } } } } }"""
    _rejected(await ask(tight, query), "QUERY_TOO_DEEP")


async def test_aliases_and_aliases_hidden_in_fragments(tight: httpx.AsyncClient) -> None:
    plain = "{ " + " ".join(f"{a}: provinces {{ code }}" for a in "abcde") + " }"
    _rejected(await ask(tight, plain), "TOO_MANY_ALIASES")
    # Two aliases per fragment, but the fragment is used three times (and inside another fragment).
    spread = """{ provinces { ...P ...Q } }
        fragment P on Province { a: code b: name }
        fragment Q on Province { ...P ...P }"""
    _rejected(await ask(tight, spread), "TOO_MANY_ALIASES")


async def test_fragment_bomb_is_refused_quickly(client: httpx.AsyncClient) -> None:
    """Each fragment spreads the next twice: 2^40 aliased fields from a few hundred characters.
    A limiter that re-walks fragments per spread would never finish; this one measures each once."""
    parts = ["fragment F0 on Query { x: provinces { code } }"]
    parts += [f"fragment F{i} on Query {{ ...F{i - 1} ...F{i - 1} }}" for i in range(1, 41)]
    query = "{ ...F40 } " + " ".join(parts)
    started = time.monotonic()
    body = await ask(client, query)  # default limits: the document is well under max_tokens
    assert time.monotonic() - started < 1.0
    _rejected(body, "TOO_MANY_ALIASES")
    # Without aliases the same bomb is refused by its cost, even when it selects only __typename.
    typename = query.replace("x: provinces { code }", "__typename").replace("{ ...F40 }", "{ provinces { ...F40 } }")
    typename = typename.replace("on Query", "on Province")
    started = time.monotonic()
    body = await ask(client, typename)
    assert time.monotonic() - started < 1.0
    _rejected(body, "QUERY_TOO_COSTLY")


async def test_root_fields(tight: httpx.AsyncClient) -> None:
    query = """{ provinces { code } enterprises(first: 1) { edges { cursor } } ...R }
        fragment R on Query { creditRecords(first: 1) { edges { cursor } } p2: provinces { name } }"""
    _rejected(await ask(tight, query), "TOO_MANY_ROOT_FIELDS")


async def test_tokens(tight: httpx.AsyncClient) -> None:
    query = "{ provinces { " + " ".join(["code"] * 250) + " } }"
    _rejected(await ask(tight, query), "TOO_MANY_TOKENS")


async def test_page_size_literal_and_variable(tight: httpx.AsyncClient) -> None:
    _rejected(await ask(tight, "{ enterprises(first: 101) { edges { cursor } } }"), "PAGE_TOO_LARGE")
    query = "query($n: Int!) { enterprises(first: $n) { edges { cursor } } }"
    _rejected(await ask(tight, query, n=500), "PAGE_TOO_LARGE")


async def test_cost_multiplies_by_page_size(tight: httpx.AsyncClient) -> None:
    query = "query($n: Int!) { enterprises(first: $n) { edges { node { uscc creditRecords { id } } } } }"
    small = await ask(tight, query, n=5)
    assert "errors" not in small and len(small["data"]["enterprises"]["edges"]) == 5
    _rejected(await ask(tight, query, n=100), "QUERY_TOO_COSTLY")


async def test_default_limits_admit_graphiql_introspection(client: httpx.AsyncClient, stack: Stack) -> None:
    body = await ask(client, get_introspection_query(descriptions=True))
    assert "errors" not in body and body["data"]["__schema"]["queryType"]["name"] == "Query"
    async with running_client(_with(stack, max_depth=4)) as shallow:  # IDEs still work under a low depth limit
        assert "errors" not in await ask(shallow, get_introspection_query(descriptions=True))
        _rejected(await ask(shallow, DEEP), "QUERY_TOO_DEEP")
    # …and introspection cannot amplify: graphql-core's MaxIntrospectionDepthRule refuses nested type lists.
    nested = "{ __schema { types { fields { type { fields { type { fields { type { fields { name } } } } } } } } } }"
    body = await ask(client, nested)
    assert body["data"] is None and "introspection depth" in body["errors"][0]["message"]
    assert statements_total(body) == 0


async def test_introspection_and_graphiql_can_be_closed_to_the_public(stack: Stack) -> None:
    closed = dataclasses.replace(stack.settings.auth, public_introspection=False, public_graphiql=False)
    settings = dataclasses.replace(stack.settings, auth=closed)
    async with running_client(settings) as client:
        _rejected(await ask(client, "{ __schema { queryType { name } } }"), "INTROSPECTION_DISABLED")
        hidden = '{ ...T } fragment T on Query { __type(name: "Query") { name } }'
        _rejected(await ask(client, hidden), "INTROSPECTION_DISABLED")
        assert "errors" not in await ask(client, "{ __typename provinces { __typename code } }")
        regulator = bearer(stack.settings, "regulator", "320000")
        assert "errors" not in await ask(client, "{ __schema { queryType { name } } }", regulator)
        page = await client.get("/graphql", headers={"Accept": "text/html"})
        assert page.status_code == 404


async def test_body_size_declared_and_streamed(stack: Stack) -> None:
    async with running_client(_with(stack, max_body_bytes=1024)) as client:
        big = json.dumps({"query": "{ provinces { code } }", "variables": {"pad": "x" * 2000}})
        response = await client.post("/graphql", content=big, headers={"Content-Type": "application/json"})
        assert response.status_code == 413
        _rejected(response.json(), "BODY_TOO_LARGE")

        async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: counted while reading
            for _ in range(10):
                yield b" " * 200
            yield big.encode()

        response = await client.post("/graphql", content=chunks(), headers={"Content-Type": "application/json"})
        assert response.status_code == 413
        _rejected(response.json(), "BODY_TOO_LARGE")


async def test_rate_limit_per_identity(stack: Stack) -> None:
    async with running_client(_with(stack, public_rate_per_minute=5, identity_rate_per_minute=5)) as client:
        codes = [(await post(client, "{ __typename }")).status_code for _ in range(6)]
        assert codes == [200] * 5 + [429]
        limited = await post(client, "{ __typename }")
        assert int(limited.headers["Retry-After"]) >= 1
        _rejected(limited.json(), "RATE_LIMITED")
        # Another caller has its own bucket.
        regulator = bearer(stack.settings, "regulator", "320000", sub="someone-else")
        assert (await post(client, "{ __typename }", regulator)).status_code == 200


def test_rate_limiter_refills() -> None:
    limiter = RateLimiter(per_minute=60, burst=2)
    assert [limiter.allow("k", now=0.0) for _ in range(3)] == [0.0, 0.0, 1.0]
    assert limiter.allow("k", now=1.0) == 0.0


async def test_request_timeout(stack: Stack) -> None:
    uscc = stack.case("tri_province_enterprise")["key"]["uscc"]
    blocker = await asyncpg.connect(stack.settings.province("330000").source.dsn)
    try:
        async with running_client(_with(stack, timeout_ms=300)) as client:
            transaction = blocker.transaction()
            await transaction.start()
            await blocker.execute("LOCK TABLE exchange.enterprise IN ACCESS EXCLUSIVE MODE")
            started = time.monotonic()
            body = await ask(client, "query($u: USCC!) { enterprise(uscc: $u) { name } }", u=uscc)
            elapsed = time.monotonic() - started
            await transaction.rollback()
    finally:
        await blocker.close()
    assert elapsed < 1.5
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "REQUEST_TIMEOUT"


async def test_persisted_queries_only_for_the_public(stack: Stack, tmp_path: Path) -> None:
    registered = "query Provinces { provinces { code } }"
    (tmp_path / "provinces.graphql").write_text(registered, encoding="utf-8")
    settings = _with(stack, public_persisted_only=True, persisted_queries=tmp_path)
    digest = query_hash(registered)
    persisted = {"persistedQuery": {"version": 1, "sha256Hash": digest}}
    async with running_client(settings) as client:
        by_hash = (await client.post("/graphql", json={"extensions": persisted})).json()
        assert len(by_hash["data"]["provinces"]) == 3
        with_text = (await client.post("/graphql", json={"query": registered, "extensions": persisted})).json()
        assert with_text["data"] == by_hash["data"]
        _rejected(await ask(client, "{ provinces { code name } }"), "PERSISTED_QUERY_REQUIRED")
        unknown = {"persistedQuery": {"version": 1, "sha256Hash": "0" * 64}}
        _rejected((await client.post("/graphql", json={"extensions": unknown})).json(), "PERSISTED_QUERY_NOT_FOUND")
        forged = {"query": "{ enterprises(first: 100) { edges { cursor } } }", "extensions": persisted}
        _rejected((await client.post("/graphql", json=forged)).json(), "PERSISTED_QUERY_HASH_MISMATCH")
        regulator = bearer(stack.settings, "regulator", "320000")
        assert "errors" not in await ask(client, "{ provinces { code name } }", regulator)


def test_persisted_manifest_must_match_its_hashes(tmp_path: Path) -> None:
    good = tmp_path / "good.json"
    good.write_text(json.dumps({query_hash("{ a }"): "{ a }"}), encoding="utf-8")
    assert len(PersistedQueries.load(good)) == 1
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({query_hash("{ a }"): "{ b }"}), encoding="utf-8")
    with pytest.raises(ValueError, match="does not match"):
        PersistedQueries.load(bad)


def _readme_limit_defaults() -> dict[str, int]:
    """The defaults the README's **Abuse limits** paragraph documents: `` `key` (N`` or `` `key` = N``."""
    text = README.read_text(encoding="utf-8")
    paragraph = text[text.index("**Abuse limits**"):text.index("Rejections come")]
    found = re.findall(r"`(\w+)`\s+(?:\(|=\s+)(\d+)", paragraph)
    return {key: int(value) for key, value in found}


def test_readme_documents_the_limits_an_empty_table_loads() -> None:
    """What an operator reads in the README is what ``[limits]`` with nothing in it gives, for every
    numeric limit there is."""
    raw = {"gateway": {"person_key_secret": SECRET}, "central": {"dsn": "postgresql://u@central/db"},
           "provinces": [{"code": "320000", "short_name": "苏", "name": "江苏省", "dsn": "postgresql://u@js/db"}],
           "limits": {}}
    loaded = settings_from_mapping(raw, {}).limits
    numeric = {f.name: getattr(loaded, f.name) for f in dataclasses.fields(LimitSettings)
               if isinstance(getattr(loaded, f.name), int) and not isinstance(getattr(loaded, f.name), bool)}
    assert _readme_limit_defaults() == numeric


@pytest.mark.parametrize("content", [b"\x80", b"null", b"1", b'"query"', b"[]"])
async def test_malformed_bodies_are_400_not_500(client: httpx.AsyncClient, content: bytes) -> None:
    """Found by the fuzz test: strawberry answered these with a 500."""
    response = await client.post("/graphql", content=content, headers={"Content-Type": "application/json"})
    assert 400 <= response.status_code < 500
