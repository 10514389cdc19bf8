"""The GraphQL view: strawberry's ASGI view with the gateway's hooks.

Per request it builds the :class:`GatewayContext` (identity from admission, the traced sources,
fresh loaders, the document limits' policy), resolves persisted queries before execution, runs
execution under the request timeout, and shapes the result: the error policy
(``gateway.errors``), the ``sources`` extension, and the audit hook (``gateway.answer_audit``).
The GraphiQL IDE is served offline (``gateway.ide``).

HTTP, as GraphQL over HTTP says: the answer's media type is negotiated from ``Accept``
(``gateway.admission.negotiate``); with ``application/graphql-response+json`` a request that never
executed (parse, validation, limits, variables) is HTTP 400 without a data entry, while
``application/json`` keeps HTTP 200 for older clients.  Queries may come by GET (what urql and
CDN-friendly clients send), mutations never (405, ``Allow: POST``).  Every answer says how caches
may keep it (:func:`cache_control`) and what it varies on.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import math
import re
from datetime import timedelta
from typing import Any

import orjson
from cross_web import HTTPException
from graphql import ExecutionResult
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.schema import BaseSchema
from strawberry.schema.exceptions import InvalidOperationTypeError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types.graphql import OperationType

from domain.errors import (
    BadRequest,
    BadUserInput,
    PersistedQueryError,
    RateLimited,
    RequestRejected,
    RequestTimeout,
    coded_errors,
)
from gateway.admission import GRAPHQL_RESPONSE, JSON, Admission, Rejection, error_response, negotiate, vary
from gateway.answer_audit import record_answer
from gateway.caches import DocumentWork, caller_key
from gateway.context import GatewayContext
from gateway.disclosure import DisclosureLedger
from gateway.errors import client_error, graphql_error, source_errors
from gateway.ide import OfflineGraphQL
from gateway.limits.analysis import RequestPolicy
from gateway.limits.persisted import PersistedQueries
from gateway.logs import request_id_of
from gateway.runtime import Runtime, runtime_of
from gateway.schema import schema
from gateway.settings import Settings
from gateway.websocket import ConnectionLedger, GatewayTransportWS, TextWebSocketAdapter, origin_allowed
from gateway.websocket import feed_access as websocket_feed
from resolvers.identity import PUBLIC, Identity
from resolvers.loaders import Loaders
from resolvers.subjects import LOOKUP
from sources.trace import RequestTrace


class GatewayGraphQL(OfflineGraphQL):
    """Strawberry's ASGI view with our context, persisted queries, timeout, error policy and audit.
    Over WebSocket it speaks graphql-transport-ws only, with the gateway's handler (``gateway.websocket``)."""

    graphql_transport_ws_handler_class = GatewayTransportWS
    websocket_adapter_class = TextWebSocketAdapter  # type: ignore[assignment]

    def __init__(self, settings: Settings, graphql_schema: BaseSchema | None = None) -> None:
        # GET is for queries only: strawberry refuses a mutation by GET, and _refuse_mutation_by_get
        # makes that the 405 the HTTP spec asks for.
        super().__init__(
            schema if graphql_schema is None else graphql_schema, allow_queries_via_get=True,
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
            connection_init_wait_timeout=timedelta(milliseconds=settings.server.header_timeout_ms),
        )
        self._settings = settings
        self.settings = settings
        self.admission: Admission | None = None  # set by create_app: WebSocket tokens and rates use it
        self.connections = ConnectionLedger(settings.feed.max_connections_per_identity)
        self._persisted = self.persisted = PersistedQueries.load(settings.limits.persisted_queries)
        self._document_work = DocumentWork(settings.limits.document_cpu_ms_per_minute)
        self._disclosures = DisclosureLedger(settings.limits.full_id_numbers_per_hour)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        request = Request(scope, receive)
        response = await self._answer(request)
        response.headers["Cache-Control"] = cache_control(request, response, self._settings.server.public_max_age_s)
        await response(scope, receive, send)

    async def _answer(self, request: Request) -> Response:
        """The response before caching headers: the IDE, an HTTP-level error, or the GraphQL answer
        in the negotiated media type with the status that type implies."""
        if self.should_render_graphql_ide(request):  # type: ignore[arg-type]  # Starlette's Request has all it reads
            return await self.run(request)
        media = negotiate(request.headers.get("accept"))
        if media is None:
            message = f"Accept must allow {GRAPHQL_RESPONSE} or {JSON}"
            return error_response(BadRequest(message), 406, JSON, _running(request))
        request.state.yrd_media = media
        try:
            response = await self.run(request)
        except _MutationByGet:
            error = BadRequest("Mutations are not allowed by GET; send them with POST")
            return error_response(error, 405, media, _running(request), {"Allow": "POST"})
        except HTTPException as exc:  # strawberry's own refusals (no JSON, no query…), as JSON
            return error_response(BadRequest(exc.reason), exc.status_code, media, _running(request))
        response.headers["Vary"] = vary(response.body)
        if media == GRAPHQL_RESPONSE:
            response.headers["Content-Type"] = f"{GRAPHQL_RESPONSE}; charset=utf-8"
            if getattr(request.state, "yrd_request_error", False):
                response.status_code = 400  # nothing executed: the request, not the data, was wrong
        return response

    def is_websocket_origin_allowed(self, request: WebSocket, origin: str) -> bool:
        """A page on another origin may open a WebSocket when CORS allows that origin to call."""
        return origin_allowed(self._settings.server, origin)

    async def get_context(self, request: Request | WebSocket, response: Response | WebSocket) -> GatewayContext:
        registry = _running(request).registry
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
            max_index_lag_ms=self._settings.index.max_lag_s * 1000,
            person_key_secret=self._settings.person_key_secret,
            policy=RequestPolicy(
                self._settings.limits, introspection=not identity.is_public or self._settings.auth.public_introspection
            ),
            client=request.client.host if request.client else None,
            request_id=request_id_of(request.scope),
            watchlist_limit=self._settings.feed.max_watchlist,
        )
        if isinstance(request, WebSocket):
            context.feed = websocket_feed(self._settings, _running(request), context)
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
            raise Rejection(BadRequest("Request body must be a JSON object with a query")) from exc

    def decode_json(self, data: str | bytes) -> object:
        """The body's JSON, nested no deeper than a request ever needs: deeper structures would
        only make variable coercion (and the parser before it) recurse until Python gives up.

        Bytes are read as UTF-8, as GraphQL over HTTP and RFC 8259 say: ``json.loads`` would
        guess UTF-16 or UTF-32 from the NUL bytes of a short body (so ``b'{\\x00}\\x00'`` parsed
        as ``{}``) and raise a decoding error that is no ``JSONDecodeError`` for an odd length."""
        try:
            decoded = json.loads(data.decode("utf-8") if isinstance(data, bytes) else data)
        except UnicodeDecodeError:
            raise Rejection(BadRequest("Request body must be UTF-8 encoded JSON")) from None
        except RecursionError:
            raise Rejection(_too_deep()) from None
        if json_depth(decoded, MAX_JSON_DEPTH) > MAX_JSON_DEPTH:
            raise Rejection(_too_deep())
        if _lone_surrogate_outside_variables(decoded):
            raise Rejection(BadRequest("Request body holds a lone surrogate (\\ud800-\\udfff) outside its variables"))
        return decoded

    async def execute_operation(self, *args: Any, **kwargs: Any) -> Any:
        """Resolve persisted queries (Apollo's ``extensions.persistedQuery``) before execution."""
        data, context = kwargs["request_data"], kwargs["context"]
        if isinstance(data, GraphQLRequestData):  # batching is off: strawberry refuses lists itself
            context.operation_name = data.operation_name  # for metrics and the audit trail
            required = context.identity.is_public and self._settings.limits.public_persisted_only
            try:
                query = self._persisted.resolve(data.query, data.extensions, required=required)
            except PersistedQueryError as exc:
                return ExecutionResult(None, [graphql_error(exc)])
            kwargs["request_data"] = dataclasses.replace(data, query=query)
            key = caller_key(context)
            self._admit_document_work(key, query)
            with self._document_work.metering(key):
                return await super().execute_operation(*args, **kwargs)
        return await super().execute_operation(*args, **kwargs)

    def _admit_document_work(self, key: str, query: str | None) -> None:
        """HTTP 429 for a new document from a caller that spent its parse/validate budget
        (``gateway.caches``); documents the gateway has cached still run."""
        wait = self._document_work.admit(key, query)
        if wait > 0:
            seconds = max(1, math.ceil(wait))
            message = f"Too much work on new query documents; retry in {seconds} s (cached documents still run)"
            raise Rejection(RateLimited(message), {"Retry-After": str(seconds)})

    async def execute_single(self, *args: Any, **kwargs: Any) -> ExecutionResult:
        """Execution under the request timeout; past it, a ``REQUEST_TIMEOUT`` error."""
        timeout_s = self._settings.limits.timeout_ms / 1000
        try:
            async with asyncio.timeout(timeout_s):
                return await super().execute_single(*args, **kwargs)
        except HTTPException as exc:
            _refuse_mutation_by_get(exc)
            raise
        except TimeoutError:
            message = f"Request took longer than {timeout_s:g} s and was stopped"
            return ExecutionResult(None, [graphql_error(RequestTimeout(message))])

    def encode_json(self, data: object) -> bytes:
        """UTF-8 JSON (orjson): CJK text as itself, not ``\\u`` escapes (about 18% smaller), and fast."""
        try:
            return orjson.dumps(data, default=str)
        except orjson.JSONEncodeError:
            # Text that is not valid Unicode (a lone surrogate quoted back from the request) cannot
            # be UTF-8: escaped JSON can carry it, so such an answer is never a 500.
            return json.dumps(data, default=str).encode()

    async def process_result(self, request: Request, result: ExecutionResult) -> GraphQLHTTPResponse:
        runtime = _running(request)
        context: GatewayContext | None = getattr(request.state, "yrd_context", None)
        errors = [client_error(e) for e in result.errors or []]
        extensions: dict[str, Any] = dict(result.extensions or {})
        if context is not None:
            errors += source_errors(context)
            extensions["sources"] = context.trace.as_extension(runtime.registry.source_names)
            if context.warnings:
                extensions["warnings"] = list(context.warnings)
        request_id = request_id_of(request.scope)
        if request_id is not None:
            extensions["requestId"] = request_id
        response: GraphQLHTTPResponse = {"data": result.data}
        withheld = await record_answer(runtime.audit, self._disclosures, context, result) if context else None
        if withheld is not None:  # AUDIT_UNAVAILABLE or DISCLOSURE_LIMIT: nothing of the answer leaves
            response = {"data": None}
            errors = [graphql_error(withheld).formatted]
        elif _is_request_error(result, errors):
            request.state.yrd_request_error = True
            if getattr(request.state, "yrd_media", JSON) == GRAPHQL_RESPONSE:
                del response["data"]  # the spec: a request that never executed has no data entry
        if errors:
            response["errors"] = errors
        if extensions:
            response["extensions"] = extensions
        request.state.yrd_complete = not errors and not extensions.get("warnings") and all(
            s["status"] in _COMPLETE for s in extensions.get("sources", [])
        )
        return response


class _MutationByGet(Exception):
    """A mutation sent by GET: answered 405 with ``Allow: POST``."""


def _refuse_mutation_by_get(exc: HTTPException) -> None:
    cause = exc.__cause__
    if isinstance(cause, InvalidOperationTypeError) and cause.operation_type == OperationType.MUTATION:
        raise _MutationByGet from exc


# Codes of errors that stop a request before execution; variable coercion fails as BAD_USER_INPUT
# without a path (a resolver's BAD_USER_INPUT has one).
_REQUEST_ERROR_CODES = frozenset(c.code for c in coded_errors() if issubclass(c, RequestRejected)) | {BadUserInput.code}
# Source states of a complete answer: asked and answered, or rightly not asked (the index said so).
_COMPLETE = frozenset({"ok", "skipped"})


def _is_request_error(result: ExecutionResult, errors: list[dict[str, Any]]) -> bool:
    """Whether nothing executed: no data, and every error is a request's (no path, a request code)."""
    return result.data is None and bool(errors) and all(
        e.get("path") is None and (e.get("extensions") or {}).get("code") in _REQUEST_ERROR_CODES for e in errors
    )


IDE_MAX_AGE_S = 300


def cache_control(request: Request, response: Response, public_max_age_s: int) -> str:
    """Shared caches may keep only what is the same for everyone and cannot be stale-by-failure: a
    public GET answer, complete and error-free.  Anything asked with a token is private and never
    stored (it may hold what only that caller may see); everything else is not stored either."""
    if request.headers.get("authorization") is not None:
        return "private, no-store"
    if response.media_type == "text/html" or response.headers.get("content-type", "").startswith("text/html"):
        # The IDE page: short, so that an upgrade's new asset URLs are picked up soon.
        return f"public, max-age={IDE_MAX_AGE_S}" if response.status_code == 200 else "no-store"
    complete = getattr(request.state, "yrd_complete", False)
    if request.method == "GET" and response.status_code == 200 and complete and public_max_age_s > 0:
        return f"public, max-age={public_max_age_s}"
    return "no-store"


# The deepest JSON a request body may nest: the deepest input of the schema (a filter object holding
# a list) is 4 levels below the body, so 32 leaves room for any client's wrapping.
MAX_JSON_DEPTH = 32
_SURROGATE = re.compile("[\ud800-\udfff]")


def json_depth(value: object, limit: int) -> int:
    """How deep ``value`` nests (a scalar is 0), counting no further than ``limit + 1``; iterative,
    so a hostile body cannot exhaust the stack here either."""
    deepest, pending = 0, [(value, 0)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, dict | list) and depth <= limit:
            deepest = max(deepest, depth + 1)
            pending += [(child, depth + 1) for child in (item.values() if isinstance(item, dict) else item)]
    return deepest


def _lone_surrogate_outside_variables(body: object) -> bool:
    """Whether the query, operation name or extensions hold a lone surrogate.  No GraphQL document
    or name can (graphql-core's lexer refuses them, quoting the text back, and no UTF-8 answer can
    carry it); variables are ``gateway.request_input``'s, which refuses them as BAD_USER_INPUT."""
    requests = body if isinstance(body, list) else [body]
    pending: list[object] = [v for r in requests if isinstance(r, dict) for k, v in r.items() if k != "variables"]
    pending += [k for r in requests if isinstance(r, dict) for k in r]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if _SURROGATE.search(item):
                return True
        elif isinstance(item, dict):
            pending += [*item.keys(), *item.values()]
        elif isinstance(item, list):
            pending += item
    return False


def _too_deep() -> BadRequest:
    return BadRequest(f"Request body nests JSON deeper than {MAX_JSON_DEPTH} levels")


def _running(request: Request | WebSocket) -> Runtime:
    runtime = runtime_of(request.scope)
    if runtime is None:
        raise RuntimeError("the gateway is not running: requests are served inside create_app's lifespan")
    return runtime
