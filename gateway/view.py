"""The GraphQL view: strawberry's ASGI view with the gateway's hooks.

Per request it builds the :class:`GatewayContext` (identity from admission, the traced sources,
fresh loaders, the document limits' policy), resolves persisted queries before execution, runs
execution under the request timeout, and shapes the result: the error policy
(``gateway.errors``), the ``sources`` extension, and the audit hook (``gateway.answer_audit``).
The GraphiQL IDE is served offline (``gateway.ide``).
"""

from __future__ import annotations

import asyncio
import dataclasses
import math
from typing import Any

from graphql import ExecutionResult
from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData

from domain.errors import BadRequest, PersistedQueryError, RateLimited, RequestTimeout
from gateway.admission import Rejection
from gateway.answer_audit import record_answer
from gateway.caches import DocumentWork, caller_key
from gateway.context import GatewayContext
from gateway.disclosure import DisclosureLedger
from gateway.errors import client_error, graphql_error, source_errors
from gateway.ide import OfflineGraphQL
from gateway.limits.analysis import RequestPolicy
from gateway.limits.persisted import PersistedQueries
from gateway.runtime import Runtime, runtime_of
from gateway.schema import schema
from gateway.settings import Settings
from resolvers.identity import PUBLIC, Identity
from resolvers.loaders import Loaders
from resolvers.subjects import LOOKUP
from sources.trace import RequestTrace


class GatewayGraphQL(OfflineGraphQL):
    """Strawberry's ASGI view with our context, persisted queries, timeout, error policy and audit."""

    def __init__(self, settings: Settings) -> None:
        super().__init__(schema, allow_queries_via_get=False)
        self._settings = settings
        self._persisted = PersistedQueries.load(settings.limits.persisted_queries)
        self._document_work = DocumentWork(settings.limits.document_cpu_ms_per_minute)
        self._disclosures = DisclosureLedger(settings.limits.full_id_numbers_per_hour)

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
            raise Rejection(BadRequest("Request body must be a JSON object with a query")) from exc

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
        except TimeoutError:
            message = f"Request took longer than {timeout_s:g} s and was stopped"
            return ExecutionResult(None, [graphql_error(RequestTimeout(message))])

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
        response: GraphQLHTTPResponse = {"data": result.data}
        withheld = await record_answer(runtime.audit, self._disclosures, context, result) if context else None
        if withheld is not None:  # AUDIT_UNAVAILABLE or DISCLOSURE_LIMIT: nothing of the answer leaves
            response = {"data": None}
            errors = [graphql_error(withheld).formatted]
        if errors:
            response["errors"] = errors
        if extensions:
            response["extensions"] = extensions
        return response


def _running(request: Request | WebSocket) -> Runtime:
    runtime = runtime_of(request.scope)
    if runtime is None:
        raise RuntimeError("the gateway is not running: requests are served inside create_app's lifespan")
    return runtime
