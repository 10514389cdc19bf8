"""The ASGI application: ``create_app(settings)``.  Every pool is opened and closed in the
lifespan (``gateway.runtime``); nothing is created at import time.

A request to ``/graphql`` passes, in order: admission (``gateway.admission``: the body-size limit,
authentication, the per-identity rate limit), then the GraphQL view (``gateway.view``): the
persisted-query rule, the document limits (``gateway.limits``, before validation), execution under
the request timeout, the error policy, and the audit trail.
"""

from __future__ import annotations

import contextlib
import gc
import logging
from collections.abc import AsyncIterator
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route, WebSocketRoute

from gateway import tracing
from gateway.admission import COMPRESS_MIN_BYTES, Admission, GatewayCORS, cors_options
from gateway.compression import CompressionMiddleware
from gateway.export.endpoint import ExportOrGraphQL
from gateway.health import livez, readyz
from gateway.ide import ide_asset_routes
from gateway.logs import RequestIdMiddleware
from gateway.metrics import GatewayMetrics, MetricsMiddleware, metrics_endpoint
from gateway.runtime import Runtime
from gateway.schema import build_schema
from gateway.settings import Settings
from gateway.view import GatewayGraphQL

log = logging.getLogger("yrd.gateway")


def create_app(settings: Settings, *, tracer_provider: Any | None = None) -> Starlette:
    """Build the gateway; its lifespan owns the :class:`Runtime` (sources and audit trail)."""

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        # app.state is where requests (gateway.runtime.runtime_of) and in-process tests find it.
        app.state.runtime = await Runtime.start(settings)
        # Everything alive now (modules, the schema, pools) lives as long as the process: keep the
        # cyclic collector from walking it again and again (full collections made the p95).
        gc.collect()
        gc.freeze()
        log.info("gateway ready: %d provinces", len(settings.provinces))
        try:
            yield
        finally:
            runtime, app.state.runtime = app.state.runtime, None
            await runtime.close()

    metrics = GatewayMetrics()
    provider = tracer_provider if tracer_provider is not None else tracing.provider_for(settings.tracing)
    view = GatewayGraphQL(settings, _traced_schema(provider))
    # /export/{kind} (the data package) shares /graphql's admission: the same tokens, one rate budget.
    view.admission = admission = Admission(ExportOrGraphQL(view, settings), settings)
    routes = [
        Route("/graphql", admission, methods=["GET", "POST"]),
        Route("/export/{kind}", admission, methods=["GET"]),
        WebSocketRoute("/graphql", admission),  # subscriptions: graphql-transport-ws (gateway.websocket)
        Route("/", _to_graphql, methods=["GET"]),
        Route("/livez", livez, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
        Route("/healthz", readyz, methods=["GET"]),  # alias of /readyz, what load balancers probe
        Route("/metrics", metrics_endpoint(metrics), methods=["GET"]),
        *ide_asset_routes(),
    ]
    app = Starlette(
        routes=routes,
        lifespan=lifespan,
        middleware=[
            # CORS outermost: a preflight is answered before anything else runs, and every answer
            # (errors included) carries the headers a browser needs to read it.  None configured:
            # no CORS middleware, no Access-Control-* header.
            *([Middleware(GatewayCORS, **cors)] if (cors := cors_options(settings.server)) else []),
            # Outside compression, so that metrics read the uncompressed answer. Answers above 1 KB are
            # compressed as the client asks (brotli, else gzip): a page of 100 enterprises is ~10x smaller.
            Middleware(RequestIdMiddleware),
            Middleware(CompressionMiddleware, minimum_size=COMPRESS_MIN_BYTES),
            Middleware(MetricsMiddleware, metrics=metrics),
        ],
    )
    if provider is not None:
        tracing.instrument(app, provider)
    return app


def _traced_schema(provider: Any | None) -> Any | None:
    """The schema with strawberry's OpenTelemetry extension when tracing is on, else None (the default)."""
    return build_schema(tracing.graphql_extension(provider)) if provider is not None else None


async def _to_graphql(_: Request) -> Response:
    return RedirectResponse("/graphql")
