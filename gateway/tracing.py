"""OpenTelemetry traces, off unless ``[tracing] enabled = true`` (the optional extra ``tracing``).

When on: a span per HTTP request (Starlette instrumentation), per GraphQL operation and resolver
step (strawberry's extension), and per SQL statement (asyncpg instrumentation: the statement's
text with its ``$n`` placeholders, never the values), exported over OTLP/HTTP to ``endpoint`` in
batches.  Tests pass their own provider (an in-memory exporter).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

SERVICE_NAME = "yrd-gateway"


@dataclass(frozen=True)
class TracingSettings:
    """``[tracing]``: whether traces are sent, where, and under which service name."""

    enabled: bool = False
    endpoint: str = "http://localhost:4318/v1/traces"
    service_name: str = SERVICE_NAME


def provider_for(settings: TracingSettings) -> Any | None:
    """A tracer provider exporting to the configured OTLP endpoint, or None when tracing is off."""
    if not settings.enabled:
        return None
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    provider = TracerProvider(resource=Resource.create({"service.name": settings.service_name}))
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=settings.endpoint)))
    return provider


def instrument(app: Any, provider: Any) -> None:
    """Spans for every HTTP request of ``app`` and every asyncpg statement of this process."""
    from opentelemetry.instrumentation.asyncpg import AsyncPGInstrumentor
    from opentelemetry.instrumentation.starlette import StarletteInstrumentor

    StarletteInstrumentor.instrument_app(app, tracer_provider=provider)
    instrumentor = AsyncPGInstrumentor()
    if not instrumentor.is_instrumented_by_opentelemetry:
        instrumentor.instrument(tracer_provider=provider)


def graphql_extension(provider: Any) -> Any:
    """strawberry's OpenTelemetry extension bound to ``provider`` (arguments are not recorded:
    they may hold ID numbers)."""
    from strawberry.extensions.tracing import OpenTelemetryExtension

    def no_arguments(_args: dict[str, Any], _info: Any) -> dict[str, Any]:
        return {}

    return lambda: OpenTelemetryExtension(tracer_provider=provider, arg_filter=no_arguments)
