"""The ASGI application: ``create_app(settings)``.  Every pool is opened and closed in the
lifespan; nothing is created at import time.

A request to ``/graphql`` passes, in order: the body-size limit, authentication (bearer token →
``Identity``; a bad token is HTTP 401, never a silent downgrade), the per-identity rate limit, the
persisted-query rule, the document limits (``gateway.limits.QueryLimits``, before validation),
execution under the request timeout, the error policy, and the audit trail.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from graphql import ExecutionResult, GraphQLError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.types import Message, Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData

from gateway.audit import AuditTrail, audited_subjects, make_payload
from gateway.auth import Authenticator, AuthError
from gateway.errors import client_error, source_errors
from gateway.ide import OfflineGraphQL, ide_asset_routes
from gateway.limits.analysis import RequestPolicy
from gateway.limits.persisted import PersistedQueries, PersistedQueryError
from gateway.limits.rate import RateLimiter
from gateway.schema import schema
from gateway.settings import Settings
from resolvers.context import Context
from resolvers.identity import PUBLIC, Identity
from resolvers.loaders import Loaders
from resolvers.subjects import LOOKUP
from sources.registry import SourceRegistry
from sources.trace import RequestTrace

log = logging.getLogger("yrd.gateway")


@dataclass
class GatewayContext(Context):
    """The resolvers' :class:`Context` plus what only the gateway layer reads."""

    policy: RequestPolicy | None = None
    client: str | None = None
    operation_name: str | None = None


@dataclass
class Runtime:
    """What the lifespan opens: the sources and the audit trail."""

    registry: SourceRegistry
    audit: AuditTrail


class Rejection(Exception):
    """A request refused before execution; becomes a GraphQL-shaped JSON error response."""

    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.headers = status, code, message, headers or {}


class GatewayGraphQL(OfflineGraphQL):
    """Strawberry's ASGI view with our admission checks, context, error policy and audit."""

    def __init__(self, runtime: dict[str, Runtime], settings: Settings) -> None:
        super().__init__(schema, allow_queries_via_get=False)
        self._runtime = runtime
        self._settings = settings
        self._auth = Authenticator(settings.auth)
        self._persisted = PersistedQueries.load(settings.limits.persisted_queries)
        self._public_rate = RateLimiter(settings.limits.public_rate_per_minute)
        self._identity_rate = RateLimiter(settings.limits.identity_rate_per_minute)

    # ---- admission (before strawberry sees the request) ----------------------------------------

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        try:
            receive = await self._bounded_body(scope, receive)
            identity = self._authenticate(scope)
            self._check_rate(scope, identity)
            scope.setdefault("state", {})["yrd_identity"] = identity
            await super().__call__(scope, receive, send)
        except Rejection as rejection:
            await self._reject(rejection)(scope, receive, send)

    async def _bounded_body(self, scope: Scope, receive: Receive) -> Receive:
        """Read the whole body up to the limit (strawberry reads it whole anyway) and replay it."""
        limit = self._settings.limits.max_body_bytes
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            raise _too_large(limit)
        chunks, size, more = [], 0, True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                return _replay(b"", receive, message)
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                raise _too_large(limit)
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        _check_utf8(body)
        return _replay(body, receive)

    def _authenticate(self, scope: Scope) -> Identity:
        header = dict(scope.get("headers") or []).get(b"authorization")
        try:
            return self._auth.identity(header.decode("latin-1") if header is not None else None)
        except AuthError as exc:
            challenge = {"WWW-Authenticate": 'Bearer error="invalid_token"'}
            raise Rejection(401, "UNAUTHENTICATED", exc.message, challenge) from None

    def _check_rate(self, scope: Scope, identity: Identity) -> None:
        key = identity.rate_key
        limiter = self._identity_rate if key else self._public_rate
        wait = limiter.allow(key or f"addr:{_client(scope)}")
        if wait > 0:
            seconds = max(1, round(wait))
            message = f"Too many requests; retry in {seconds} s"
            raise Rejection(429, "RATE_LIMITED", message, {"Retry-After": str(seconds)})

    def _reject(self, rejection: Rejection) -> JSONResponse:
        body: dict[str, Any] = {
            "data": None,
            "errors": [{"message": rejection.message, "extensions": {"code": rejection.code}}],
        }
        registry = self._runtime.get("runtime")
        if registry is not None:
            body["extensions"] = {"sources": RequestTrace().as_extension(registry.registry.source_names)}
        return JSONResponse(body, status_code=rejection.status, headers=rejection.headers)

    # ---- strawberry hooks ----------------------------------------------------------------------

    async def get_context(self, request: Request | WebSocket, response: Response | WebSocket) -> GatewayContext:
        registry = self._runtime["runtime"].registry
        identity: Identity = getattr(request.state, "yrd_identity", PUBLIC)
        trace = RequestTrace()
        traced = registry.traced(trace)
        today = self._settings.clock.today()
        context = GatewayContext(
            identity=identity,
            sources=traced,
            trace=trace,
            loaders=Loaders(traced, identity.record_visibility(today)),
            lookup=LOOKUP,
            today=today,
            person_key_secret=self._settings.person_key_secret,
            policy=RequestPolicy(
                self._settings.limits, introspection=not identity.is_public or self._settings.auth.public_introspection
            ),
            client=request.client.host if request.client else None,
        )
        request.state.yrd_context = context
        return context

    async def render_graphql_ide(self, request: Request) -> Response:
        if getattr(request.state, "yrd_identity", PUBLIC).is_public and not self._settings.auth.public_graphiql:
            return Response("GraphiQL is disabled on this gateway.\n", status_code=404, media_type="text/plain")
        return await super().render_graphql_ide(request)

    async def parse_http_body(self, request: Any) -> GraphQLRequestData | list[GraphQLRequestData]:
        try:
            return await super().parse_http_body(request)
        except (AttributeError, TypeError) as exc:  # strawberry assumes a JSON object: `null`, `1`…
            raise Rejection(400, "BAD_REQUEST", "Request body must be a JSON object with a query") from exc

    async def execute_operation(self, *args: Any, **kwargs: Any) -> Any:
        """Resolve persisted queries (Apollo's ``extensions.persistedQuery``) before execution."""
        data, context = kwargs["request_data"], kwargs["context"]
        if isinstance(data, GraphQLRequestData):  # batching is off: strawberry refuses lists itself
            required = context.identity.is_public and self._settings.limits.public_persisted_only
            try:
                query = self._persisted.resolve(data.query, data.extensions, required=required)
            except PersistedQueryError as exc:
                return ExecutionResult(None, [GraphQLError(exc.message, extensions={"code": exc.code})])
            kwargs["request_data"] = dataclasses.replace(data, query=query)
        return await super().execute_operation(*args, **kwargs)

    async def execute_single(self, *args: Any, **kwargs: Any) -> ExecutionResult:
        """Execution under the request timeout; past it, a ``REQUEST_TIMEOUT`` error."""
        timeout_s = self._settings.limits.timeout_ms / 1000
        try:
            async with asyncio.timeout(timeout_s):
                return await super().execute_single(*args, **kwargs)
        except TimeoutError:
            message = f"Request took longer than {timeout_s:g} s and was stopped"
            return ExecutionResult(None, [GraphQLError(message, extensions={"code": "REQUEST_TIMEOUT"})])

    async def process_result(self, request: Request, result: ExecutionResult) -> GraphQLHTTPResponse:
        context: GatewayContext | None = getattr(request.state, "yrd_context", None)
        errors = [client_error(e) for e in result.errors or []]
        extensions: dict[str, Any] = dict(result.extensions or {})
        if context is not None:
            errors += source_errors(context)
            extensions["sources"] = context.trace.as_extension(self._runtime["runtime"].registry.source_names)
        response: GraphQLHTTPResponse = {"data": result.data}
        if context is not None and not await self._audit(context, result):
            response = {"data": None}
            errors = [{"message": "The audit trail cannot be written; the answer is withheld",
                       "extensions": {"code": "AUDIT_UNAVAILABLE"}}]
        if errors:
            response["errors"] = errors
        if extensions:
            response["extensions"] = extensions
        return response

    async def _audit(self, context: GatewayContext, result: ExecutionResult) -> bool:
        """Record an official's look at persons or cross-checks; false when that was impossible
        (then the answer must not leave the gateway)."""
        subjects = audited_subjects(context.subjects)
        if not context.identity.audited or not subjects:
            return True
        payload = make_payload(
            context.identity, subjects, client=context.client, operation=context.operation_name,
            result_count=result_count(result.data),
        )
        try:
            await self._runtime["runtime"].audit.record(payload)
        except OSError:
            log.exception("audit spool write failed")
            return False
        return True


def result_count(data: dict[str, Any] | None) -> int:
    """How many results a response holds: per root field, a list's length, a connection's edges,
    one for an object, none for null."""
    total = 0
    for value in (data or {}).values():
        if isinstance(value, list):
            total += len(value)
        elif isinstance(value, dict) and isinstance(value.get("edges"), list):
            total += len(value["edges"])
        elif value is not None:
            total += 1
    return total


def _replay(body: bytes, receive: Receive, first: Message | None = None) -> Receive:
    """A ``receive`` that hands out the buffered body once, then defers to the real one."""
    pending: list[Message] = [first] if first else [{"type": "http.request", "body": body, "more_body": False}]

    async def replay() -> Message:
        return pending.pop(0) if pending else await receive()

    return replay


def _check_utf8(body: bytes) -> None:
    """GraphQL over HTTP is UTF-8; strawberry's JSON parsing would fail on anything else with a 500."""
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        raise Rejection(400, "BAD_REQUEST", "Request body must be UTF-8 encoded JSON") from None


def _too_large(limit: int) -> Rejection:
    return Rejection(413, "BODY_TOO_LARGE", f"Request body is larger than {limit} bytes")


def _client(scope: Scope) -> str:
    client = scope.get("client")
    return client[0] if client else "unknown"


def create_app(settings: Settings) -> Starlette:
    """Build the gateway; its lifespan owns the source registry and the audit trail."""
    runtime: dict[str, Runtime] = {}

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        registry = SourceRegistry.from_config(
            settings.central, [(p.info, p.source) for p in settings.provinces], settings.breaker
        )
        audit = AuditTrail(settings.audit_spool, registry.central)
        await audit.start()
        runtime["runtime"] = Runtime(registry, audit)
        app.state.runtime = runtime["runtime"]
        log.info("gateway ready: %d provinces", len(settings.provinces))
        try:
            yield
        finally:
            del runtime["runtime"]
            await audit.close()
            await registry.close()

    async def health(_: Request) -> JSONResponse:
        return JSONResponse({"status": "ok", "provinces": list(settings.province_codes)})

    graphql = GatewayGraphQL(runtime, settings)
    routes = [
        Route("/graphql", graphql, methods=["GET", "POST"]),
        Route("/", _to_graphql, methods=["GET"]),
        Route("/healthz", health, methods=["GET"]),
        *ide_asset_routes(),
    ]
    return Starlette(routes=routes, lifespan=lifespan)


async def _to_graphql(_: Request) -> Response:
    return RedirectResponse("/graphql")

