"""GraphQL over HTTP, in process: media-type negotiation and the status codes it implies, GET for
queries (never mutations), caching headers, CORS, and the IDE assets' caching.  The real clients
(the graphql-http audit, urql, gql, a browser on another origin) are in ``test_http_clients``."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette

from gateway.admission import negotiate
from gateway.ide import fetch_assets, ide_asset_routes
from gateway.settings import SettingsError, settings_from_mapping
from tests.conftest import Stack, running_client
from tests.http.test_ide_browser import fake_tarballs
from tests.tokens import bearer

GRAPHQL_RESPONSE = "application/graphql-response+json"
PROVINCES = "{ provinces { code } }"
ALLOWED = "http://localhost:5173"


@pytest.fixture(scope="module")
async def cors_client(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    server = dataclasses.replace(stack.settings.server, cors_origins=("https://portal.example", "http://localhost:*"))
    async with running_client(dataclasses.replace(stack.settings, server=server)) as client:
        yield client


def _codes(body: dict) -> list[str]:
    return [e["extensions"]["code"] for e in body.get("errors", [])]


@pytest.mark.parametrize(("accept", "expected"), [
    (None, "application/json"),
    ("*/*", "application/json"),
    ("application/json", "application/json"),
    (GRAPHQL_RESPONSE, GRAPHQL_RESPONSE),
    (f"{GRAPHQL_RESPONSE}, application/json;q=0.9", GRAPHQL_RESPONSE),
    (f"application/json, {GRAPHQL_RESPONSE};q=0.5", "application/json"),
    (f"application/json, {GRAPHQL_RESPONSE}", GRAPHQL_RESPONSE),  # a tie: the spec's own type
    ("text/html,application/xhtml+xml,*/*;q=0.8", "application/json"),
    ("text/plain", None),
    (f"{GRAPHQL_RESPONSE};q=0", None),
])
def test_accept_is_negotiated_as_the_spec_says(accept: str | None, expected: str | None) -> None:
    assert negotiate(accept) == expected


async def test_graphql_response_json_makes_a_bad_document_a_400_without_data(client: httpx.AsyncClient) -> None:
    for query, code in [("{", "GRAPHQL_PARSE_FAILED"), ("{ noSuchField }", "GRAPHQL_VALIDATION_FAILED")]:
        response = await client.post("/graphql", json={"query": query}, headers={"Accept": GRAPHQL_RESPONSE})
        assert response.status_code == 400, response.text
        assert response.headers["content-type"] == f"{GRAPHQL_RESPONSE}; charset=utf-8"
        body = response.json()
        assert "data" not in body and _codes(body) == [code]
        # A client from before the spec still gets its 200 and "data": null.
        legacy = await client.post("/graphql", json={"query": query}, headers={"Accept": "application/json"})
        assert legacy.status_code == 200 and legacy.headers["content-type"] == "application/json"
        assert legacy.json()["data"] is None and _codes(legacy.json()) == [code]


async def test_variable_coercion_failure_is_a_request_error(client: httpx.AsyncClient) -> None:
    body = {"query": "query ($u: USCC!) { enterprise(uscc: $u) { name } }", "variables": {"u": None}}
    response = await client.post("/graphql", json=body, headers={"Accept": GRAPHQL_RESPONSE})
    assert response.status_code == 400 and "data" not in response.json(), response.text
    assert _codes(response.json()) == ["BAD_USER_INPUT"]


async def test_a_good_query_is_200_in_either_media_type(client: httpx.AsyncClient) -> None:
    for accept in (GRAPHQL_RESPONSE, "application/json"):
        response = await client.post("/graphql", json={"query": PROVINCES}, headers={"Accept": accept})
        assert response.status_code == 200 and response.headers["content-type"].startswith(accept)
        assert len(response.json()["data"]["provinces"]) == 3


async def test_nothing_acceptable_is_406(client: httpx.AsyncClient) -> None:
    response = await client.post("/graphql", json={"query": PROVINCES}, headers={"Accept": "text/plain"})
    assert response.status_code == 406 and _codes(response.json()) == ["BAD_REQUEST"]


async def test_strawberrys_own_refusals_are_json_with_a_code(client: httpx.AsyncClient) -> None:
    cases = [
        {"content": b'{ "not a JSON', "headers": {"Content-Type": "application/json"}},
        {"content": b'{"query": "{ __typename }"}', "headers": {"Content-Type": "text/plain"}},
        {"json": {"qeury": "{ __typename }"}},
    ]
    for case in cases:
        response = await client.post("/graphql", **case)
        assert response.status_code == 400, response.text
        assert _codes(response.json()) == ["BAD_REQUEST"] and response.headers["cache-control"] == "no-store"


async def test_a_public_get_query_is_answered_and_cacheable(client: httpx.AsyncClient) -> None:
    response = await client.get("/graphql", params={"query": PROVINCES})
    assert response.status_code == 200 and len(response.json()["data"]["provinces"]) == 3
    assert response.headers["cache-control"] == "public, max-age=30"
    assert response.headers["vary"] == "Accept, Authorization, Accept-Encoding"


async def test_get_takes_variables_and_operation_name(client: httpx.AsyncClient) -> None:
    query = "query P($c: String!) { provinces { code } __type(name: $c) { name } }"
    params = {"query": query, "variables": '{"c": "Province"}', "operationName": "P"}
    response = await client.get("/graphql", params=params, headers={"Accept": GRAPHQL_RESPONSE})
    assert response.status_code == 200 and response.json()["data"]["__type"] == {"name": "Province"}


async def test_errors_or_tokens_are_never_cached_by_others(stack: Stack, client: httpx.AsyncClient) -> None:
    failed = await client.get("/graphql", params={"query": "{ noSuchField }"})
    assert failed.headers["cache-control"] == "no-store"
    official = await client.get("/graphql", params={"query": PROVINCES},
                                headers=bearer(stack.settings, "regulator", "320000"))
    assert official.status_code == 200 and official.headers["cache-control"] == "private, no-store"
    posted = await client.post("/graphql", json={"query": PROVINCES})
    assert posted.headers["cache-control"] == "no-store"
    assert posted.headers["vary"] == "Accept, Authorization, Accept-Encoding"


async def test_a_mutation_by_get_is_405(client: httpx.AsyncClient) -> None:
    response = await client.get("/graphql", params={"query": "mutation { __typename }"},
                                headers={"Accept": GRAPHQL_RESPONSE})
    assert response.status_code == 405 and response.headers["allow"] == "POST"
    assert "data" not in response.json() and _codes(response.json()) == ["BAD_REQUEST"]


async def test_get_passes_admission_too(stack: Stack, client: httpx.AsyncClient) -> None:
    refused = await client.get("/graphql", params={"query": PROVINCES}, headers={"Authorization": "Bearer nonsense"})
    assert refused.status_code == 401 and _codes(refused.json()) == ["UNAUTHENTICATED"]
    small = dataclasses.replace(stack.settings.limits, max_body_bytes=1024)
    async with running_client(dataclasses.replace(stack.settings, limits=small)) as limited:
        huge = "{ provinces { code } }" + " " * 1024
        too_large = await limited.get("/graphql", params={"query": huge}, headers={"Accept": GRAPHQL_RESPONSE})
        assert too_large.status_code == 413 and "data" not in too_large.json()
        assert _codes(too_large.json()) == ["BODY_TOO_LARGE"]


async def test_the_ide_page_is_cached_briefly(client: httpx.AsyncClient) -> None:
    page = await client.get("/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 200 and page.headers["cache-control"] == "public, max-age=300"


async def test_versioned_ide_assets_are_immutable(tmp_path: Path) -> None:
    assets = tmp_path / "assets"
    fetch_assets.fetch(assets, assets=fake_tarballs(tmp_path / "tgz"), tarball_dir=tmp_path / "tgz")
    app = Starlette(routes=ide_asset_routes(assets))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gateway.test") as local:
        versioned = await local.get("/ide/assets/graphiql-2.0.0/graphiql.min.js")
        assert versioned.status_code == 200
        assert versioned.headers["cache-control"] == "public, max-age=31536000, immutable"
        manifest = await local.get("/ide/assets/manifest.json")
        assert manifest.status_code == 200 and manifest.headers["cache-control"] == "no-cache"
        assert "cache-control" not in (await local.get("/ide/assets/nothing-1.0.0/x.js")).headers


async def test_no_cors_header_without_configuration(client: httpx.AsyncClient) -> None:
    response = await client.post("/graphql", json={"query": PROVINCES}, headers={"Origin": ALLOWED})
    assert not [h for h in response.headers if h.lower().startswith("access-control-")]
    preflight = await client.options("/graphql", headers={"Origin": ALLOWED, "Access-Control-Request-Method": "POST"})
    assert not [h for h in preflight.headers if h.lower().startswith("access-control-")]


async def test_cors_preflight_for_an_allowed_origin(cors_client: httpx.AsyncClient) -> None:
    for origin in (ALLOWED, "http://localhost:3000", "https://portal.example"):
        preflight = await cors_client.options("/graphql", headers={
            "Origin": origin, "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type, x-request-id",
        })
        assert preflight.status_code == 204 and preflight.content == b""
        assert preflight.headers["access-control-allow-origin"] == origin
        assert preflight.headers["access-control-allow-methods"] == "GET, POST"
        allowed_headers = {h.strip().lower() for h in preflight.headers["access-control-allow-headers"].split(",")}
        assert {"authorization", "content-type", "x-request-id"} <= allowed_headers
        assert "access-control-allow-credentials" not in preflight.headers
    answer = await cors_client.post("/graphql", json={"query": PROVINCES}, headers={"Origin": ALLOWED})
    assert answer.headers["access-control-allow-origin"] == ALLOWED and "Origin" in answer.headers["vary"]


async def test_cors_refuses_other_origins(cors_client: httpx.AsyncClient) -> None:
    for origin in ("http://localhost.evil.example", "http://127.0.0.1:5173", "https://portal.example.evil",
                   "http://portal.example", "null"):
        preflight = await cors_client.options("/graphql", headers={
            "Origin": origin, "Access-Control-Request-Method": "POST"})
        assert preflight.status_code == 400 and "access-control-allow-origin" not in preflight.headers, origin
        answer = await cors_client.post("/graphql", json={"query": PROVINCES}, headers={"Origin": origin})
        assert answer.status_code == 200
        assert not [h for h in answer.headers if h.lower().startswith("access-control-")], origin


def _with_cors(origins: object) -> dict:
    return {
        "gateway": {"person_key_secret": "not-a-real-secret"},
        "central": {"dsn": "postgresql://x@localhost/c"},
        "provinces": [{"code": "310000", "short_name": "沪", "name": "上海市", "dsn": "postgresql://x@localhost/p"}],
        "server": {"cors_origins": origins},
    }


def test_cors_origins_are_checked_when_loaded() -> None:
    settings = settings_from_mapping(_with_cors(["https://a.example", "http://localhost:*"]), {})
    assert settings.server.cors_origins == ("https://a.example", "http://localhost:*")
    assert settings_from_mapping(_with_cors(["*"]), {}).server.cors_origins == ("*",)
    for bad in (["https://a.example/"], ["a.example"], ["*", "https://a.example"], "https://a.example", [1]):
        with pytest.raises(SettingsError, match="cors_origins"):
            settings_from_mapping(_with_cors(bad), {})
