"""The ASGI application: ``create_app(settings)``.  Every pool is opened and closed in the
lifespan; nothing is created at import time."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from datetime import date
from typing import Any

from graphql import ExecutionResult
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.websockets import WebSocket
from strawberry.http import GraphQLHTTPResponse

from gateway.errors import client_error, source_errors
from gateway.ide import OfflineGraphQL, ide_asset_routes
from gateway.schema import schema
from gateway.settings import Settings
from resolvers.context import Context
from resolvers.identity import PUBLIC
from resolvers.loaders import Loaders
from sources.registry import SourceRegistry
from sources.trace import RequestTrace

log = logging.getLogger("yrd.gateway")


class GatewayGraphQL(OfflineGraphQL):
    """Strawberry's ASGI view with our context, error policy and ``extensions.sources``."""

    def __init__(self, registry_holder: dict[str, SourceRegistry], settings: Settings) -> None:
        super().__init__(schema, allow_queries_via_get=False)
        self._holder = registry_holder
        self._settings = settings

    async def get_context(self, request: Request | WebSocket, response: Response | WebSocket) -> Context:
        registry = self._holder["registry"]
        trace = RequestTrace()
        identity = PUBLIC  # the auth layer will set this from the bearer token
        traced = registry.traced(trace)
        context = Context(
            identity=identity,
            sources=traced,
            trace=trace,
            loaders=Loaders(traced, identity.record_visibility(date.today())),
            person_key_secret=self._settings.person_key_secret,
        )
        request.state.yrd_context = context
        return context

    async def process_result(self, request: Request, result: ExecutionResult) -> GraphQLHTTPResponse:
        context: Context | None = getattr(request.state, "yrd_context", None)
        errors = [client_error(e) for e in result.errors or []]
        extensions: dict[str, Any] = dict(result.extensions or {})
        if context is not None:
            errors += source_errors(context)
            extensions["sources"] = context.trace.as_extension(self._holder["registry"].source_names)
        response: GraphQLHTTPResponse = {"data": result.data}
        if errors:
            response["errors"] = errors
        if extensions:
            response["extensions"] = extensions
        return response


def create_app(settings: Settings) -> Starlette:
    """Build the gateway; its lifespan owns the source registry."""
    holder: dict[str, SourceRegistry] = {}

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        holder["registry"] = SourceRegistry.from_config(
            settings.central, [(p.info, p.source) for p in settings.provinces], settings.breaker
        )
        log.info("gateway ready: %d provinces", len(settings.provinces))
        try:
            yield
        finally:
            await holder.pop("registry").close()

    async def health(_: Request) -> JSONResponse:
        return JSONResponse({"status": "ok", "provinces": list(settings.province_codes)})

    graphql = GatewayGraphQL(holder, settings)
    routes = [
        Route("/graphql", graphql, methods=["GET", "POST"]),
        Route("/", _to_graphql, methods=["GET"]),
        Route("/healthz", health, methods=["GET"]),
        *ide_asset_routes(),
    ]
    return Starlette(routes=routes, lifespan=lifespan)


async def _to_graphql(_: Request) -> Response:
    return RedirectResponse("/graphql")
