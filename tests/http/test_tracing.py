"""OpenTelemetry traces (optional, off unless configured): with a provider, a request yields an
HTTP span, a GraphQL operation span and a span per SQL statement, and no span records arguments."""

from __future__ import annotations

import httpx
from opentelemetry.instrumentation.asyncpg import AsyncPGInstrumentor
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from gateway.app import create_app
from gateway.settings import settings_from_mapping
from gateway.tracing import provider_for
from tests.conftest import Stack, running_client


async def test_a_request_is_traced_down_to_its_statements(stack: Stack) -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    uscc = stack.case("tri_province_enterprise")["key"]["uscc"]
    app = create_app(stack.settings, tracer_provider=provider)
    try:
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as client:
                query = "query Profile($u: USCC!) { enterprise(uscc: $u) { name creditRecords { id } } }"
                response = await client.post("/graphql", json={"query": query, "variables": {"u": uscc}})
    finally:
        AsyncPGInstrumentor().uninstrument()
    assert response.status_code == 200 and "errors" not in response.json()
    spans = exporter.get_finished_spans()
    names = [s.name for s in spans]
    assert any(n.startswith("POST /graphql") for n in names), names
    assert any(n.startswith("GraphQL Query") for n in names), names
    statements = [s for s in spans if s.attributes.get("db.system") == "postgresql"]
    assert len(statements) >= 3  # the index and the provinces
    assert all(uscc not in str(dict(s.attributes)) for s in spans)  # no argument values in spans


async def test_tracing_is_off_unless_configured(stack: Stack) -> None:
    assert provider_for(stack.settings.tracing) is None
    async with running_client(stack.settings) as client:
        assert (await client.post("/graphql", json={"query": "{ __typename }"})).status_code == 200
    raw_on = {"gateway": {"person_key_secret": "x" * 16}, "central": {"dsn": "postgresql://c/c"},
              "provinces": [{"code": "320000", "short_name": "苏", "name": "江苏省", "dsn": "postgresql://j/j"}],
              "tracing": {"enabled": True, "endpoint": "http://collector:4318/v1/traces"}}
    assert settings_from_mapping(raw_on, {}).tracing.enabled is True
    assert provider_for(settings_from_mapping(raw_on, {}).tracing) is not None
