"""GraphQL over WebSocket (``graphql-transport-ws``): subscriptions under the same admission as
requests.

At the upgrade, ``gateway.admission`` applies what it applies to a request: the trusted client
address, the one ``Authorization`` header (checked and authenticated), the rate limit.  A refusal
there is kept and answered once the socket is open, as a close code with a reason a client can
read (4401 unauthenticated, 4429 rate limited or too many connections).  The token may instead come
in the ``connection_init`` payload (``{"Authorization": "Bearer …"}``), what browser clients send,
since they cannot set headers on a WebSocket.  Then, per connection: at most
``[feed] max_connections_per_identity`` connections per caller, at most
``max_subscriptions_per_connection`` subscriptions, each ``subscribe`` counted against the caller's
rate limit, persisted-query rules, the document limits (the schema's extensions read the
connection's policy), and only subscriptions (queries and mutations go by HTTP, where the audit
trail and timeouts apply).  Errors sent on the socket follow the gateway's error policy.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections import Counter
from collections.abc import AsyncGenerator, Mapping, Sequence
from typing import Any

import jwt
from graphql import GraphQLError, GraphQLSyntaxError, OperationDefinitionNode, OperationType, parse
from graphql.pyutils import RefMap
from starlette.websockets import WebSocketDisconnect
from strawberry.asgi import ASGIWebSocketAdapter
from strawberry.http.exceptions import WebSocketDisconnected
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import BaseGraphQLTransportWSHandler
from strawberry.types.execution import ExecutionResult, PreExecutionError
from strawberry.utils.aio import aclosing

from domain.errors import (
    AuditUnavailable,
    BadRequest,
    GatewayError,
    PersistedQueryError,
    RateLimited,
    RequestRejected,
    TooManyConnections,
    TooManySubscriptions,
    Unauthenticated,
)
from gateway.admission import Rejection, cors_options
from gateway.audit import make_payload
from gateway.context import GatewayContext
from gateway.errors import client_error, graphql_error
from gateway.limits.analysis import RequestPolicy
from gateway.runtime import Runtime
from gateway.settings import ServerSettings, Settings
from resolvers.context import Context
from resolvers.feed.access import FeedAccess
from resolvers.identity import Identity
from resolvers.loaders import Loaders
from resolvers.subjects import LOOKUP
from sources.trace import RequestTrace

log = logging.getLogger("yrd.websocket")

# Close codes (graphql-transport-ws reserves 4400, 4401, 4403, 4406, 4408, 4409, 4429, 4500).
CLOSE_BAD_REQUEST = 4400
CLOSE_UNAUTHENTICATED = 4401
CLOSE_TOO_MANY = 4429
_CLOSE_CODES = {Unauthenticated.code: CLOSE_UNAUTHENTICATED, RateLimited.code: CLOSE_TOO_MANY,
                TooManyConnections.code: CLOSE_TOO_MANY}
_TOKEN_KEYS = ("Authorization", "authorization")


def close_for(error: RequestRejected) -> tuple[int, str]:
    """The close code and reason of a refused connection: ``CODE: message`` (reasons are at most
    123 bytes on the wire)."""
    reason = f"{error.code}: {error.message}".encode()[:123].decode("utf-8", "ignore")
    return _CLOSE_CODES.get(error.code, CLOSE_BAD_REQUEST), reason


class ConnectionLedger:
    """Open WebSocket connections per caller (per replica, like the rate limits)."""

    def __init__(self, per_identity: int) -> None:
        self.per_identity = per_identity
        self._open: Counter[str] = Counter()

    def acquire(self, key: str) -> bool:
        if self._open[key] >= self.per_identity:
            return False
        self._open[key] += 1
        return True

    def release(self, key: str) -> None:
        self._open[key] -= 1
        if self._open[key] <= 0:
            del self._open[key]


def origin_allowed(server: ServerSettings, origin: str) -> bool:
    """Whether ``[server] cors_origins`` allows a browser page on ``origin`` (exact, ``host:*``, ``*``)."""
    options = cors_options(server)
    if options is None:
        return False
    if origin in options["allow_origins"] or "*" in options["allow_origins"]:
        return True
    pattern = options["allow_origin_regex"]
    return pattern is not None and re.fullmatch(pattern, origin) is not None


def caller_key(identity: Identity, client: str | None) -> str:
    return identity.rate_key or f"addr:{client or 'unknown'}"


def bind_identity(context: GatewayContext, identity: Identity, settings: Settings) -> None:
    """Make the connection's context the caller's: loaders with its visibility, its limits' policy."""
    context.identity = identity
    context.loaders = Loaders(context.sources, identity.record_visibility(context.today))
    context.policy = RequestPolicy(
        settings.limits, introspection=not identity.is_public or settings.auth.public_introspection
    )


def feed_access(settings: Settings, runtime: Runtime, context: GatewayContext) -> FeedAccess | None:
    """The feed as the connection's subscriptions see it (None when ``[feed]`` is disabled)."""
    if runtime.feed is None:
        return None

    async def audit(identity: Identity, subjects: Sequence[tuple[str, str]], operation: str | None,
                    results: int) -> None:
        payload = make_payload(identity, subjects, client=context.client, operation=operation, result_count=results)
        try:
            await runtime.audit.record(payload)
        except OSError:
            log.exception("audit spool write failed")
            raise AuditUnavailable("The audit trail cannot be written; the alert is withheld") from None

    def fresh(identity: Identity) -> Context:
        trace = RequestTrace()
        sources = runtime.registry.traced(trace)
        today = settings.clock.today()
        return Context(
            identity=identity, sources=sources, trace=trace,
            loaders=Loaders(sources, identity.record_visibility(today)), lookup=LOOKUP,
            person_key_secret=settings.person_key_secret, today=today,
            max_index_lag_ms=settings.index.max_lag_s * 1000, client=context.client,
        )

    return FeedAccess(runtime.feed.hub, settings.clock, settings.feed, audit, fresh)


class TextWebSocketAdapter(ASGIWebSocketAdapter):
    """Messages as text frames, as graphql-transport-ws requires (the view encodes JSON as UTF-8
    bytes, which strawberry would send as binary frames that clients refuse)."""

    async def send_json(self, message: Mapping[str, object]) -> None:
        encoded = self.view.encode_json(message)
        text = encoded.decode() if isinstance(encoded, bytes) else encoded
        try:
            await self.ws.send_text(text)
        except WebSocketDisconnect as exc:
            raise WebSocketDisconnected from exc


class GatewayTransportWS(BaseGraphQLTransportWSHandler):
    """strawberry's graphql-transport-ws handler with the gateway's admission and error policy."""

    context: GatewayContext

    @property
    def _gateway(self) -> Any:
        return self.view  # a gateway.view.GatewayGraphQL

    @property
    def _state(self) -> dict[str, Any]:
        return self.websocket.ws.scope.setdefault("state", {})  # type: ignore[attr-defined]

    async def handle(self) -> None:
        self._slot: str | None = None
        self._expiry: asyncio.Task[None] | None = None
        rejection = self._state.get("yrd_ws_rejection")
        if rejection is not None:
            await self.websocket.close(*close_for(rejection.error))
            return
        try:
            await super().handle()
        except Rejection as rejection:  # a message the JSON guard refused (too deep, lone surrogates)
            await self.websocket.close(*close_for(rejection.error))
            await self.shutdown()
        finally:
            if self._expiry is not None:
                self._expiry.cancel()
            if self._slot is not None:
                self._gateway.connections.release(self._slot)
                self._slot = None

    async def handle_connection_init(self, message: Any) -> None:
        if self.connection_init_received or self.connection_timed_out:
            await super().handle_connection_init(message)
            return
        try:
            identity = self._identity_of(message.get("payload"))
        except Rejection as rejection:
            await self.websocket.close(*close_for(rejection.error))
            return
        key = caller_key(identity, self.context.client)
        if not self._gateway.connections.acquire(key):
            limit = self._gateway.connections.per_identity
            await self.websocket.close(*close_for(TooManyConnections(
                f"At most {limit} WebSocket connections per caller; close one first")))
            return
        self._slot = key
        bind_identity(self.context, identity, self._gateway.settings)
        self._close_when_expired(self._token_used(message.get("payload")))
        await super().handle_connection_init(message)

    def _token_used(self, payload: object) -> str | None:
        """The bearer token the connection was admitted with (header first, then connection_init)."""
        if self._state.get("yrd_ws_header_token"):
            headers = dict(self.websocket.ws.scope.get("headers") or [])  # type: ignore[attr-defined]
            return headers[b"authorization"].decode("latin-1")
        token = next((payload[k] for k in _TOKEN_KEYS if k in payload), None) if isinstance(payload, dict) else None
        return token if isinstance(token, str) else None

    def _close_when_expired(self, authorization: str | None) -> None:
        """A connection lives no longer than its token (plus the leeway every request gets): a
        subscription must not outlast the caller's right to see what it sends."""
        if authorization is None:
            return
        try:
            claims = jwt.decode(authorization.partition(" ")[2].strip(), options={"verify_signature": False})
        except jwt.PyJWTError:
            return  # it was verified moments ago; nothing to schedule from an unreadable copy
        expires = claims.get("exp")
        if not isinstance(expires, int | float):
            return
        delay = expires + self._gateway.settings.auth.leeway_s - time.time()
        self._expiry = asyncio.create_task(self._expire(max(0.0, delay)), name="ws-token-expiry")

    async def _expire(self, delay: float) -> None:
        await asyncio.sleep(delay)
        await self.websocket.close(*close_for(Unauthenticated("the token expired; reconnect with a new one")))

    def _identity_of(self, payload: object) -> Identity:
        """The header's identity, else the payload's token (authenticated and rate-counted)."""
        identity: Identity = self._state["yrd_identity"]
        if self._state.get("yrd_ws_header_token") or not isinstance(payload, dict):
            return identity
        token = next((payload[k] for k in _TOKEN_KEYS if k in payload), None)
        if token is None:
            return identity
        if not isinstance(token, str):
            raise Rejection(Unauthenticated("connection_init Authorization must be a string: Bearer <token>"))
        return self._gateway.admission.authenticate_token(self.websocket.ws.scope, token)  # type: ignore[attr-defined]

    async def handle_subscribe(self, message: Any) -> None:
        if not self.connection_acknowledged or message.get("id") in self.operations:
            await super().handle_subscribe(message)  # the protocol's own closes (4401, 4409)
            return
        refusal = self._refusal(message)
        if refusal is not None:
            await self.send_message({"id": message["id"], "type": "error",
                                     "payload": [graphql_error(refusal).formatted]})
            return
        await super().handle_subscribe(message)

    def _refusal(self, message: Any) -> GatewayError | None:
        """Why this subscribe may not run (limits, rate, persisted queries, not a subscription), or None."""
        settings: Settings = self._gateway.settings
        if len(self.operations) >= settings.feed.max_subscriptions_per_connection:
            return TooManySubscriptions(
                f"At most {settings.feed.max_subscriptions_per_connection} subscriptions per connection")
        try:
            self._gateway.admission.check_rate(self.websocket.ws.scope, self.context.identity)  # type: ignore[attr-defined]
        except Rejection as rejection:
            return rejection.error
        payload = message.get("payload") or {}
        query = payload.get("query") if isinstance(payload, dict) else None
        required = self.context.identity.is_public and settings.limits.public_persisted_only
        try:
            query = self._gateway.persisted.resolve(query, payload.get("extensions"), required=required)
        except PersistedQueryError as exc:
            return exc
        if not isinstance(query, str) or len(query.encode()) > settings.limits.max_body_bytes:
            return BadRequest(f"subscribe needs a query of at most {settings.limits.max_body_bytes} bytes")
        payload["query"] = query
        return _not_a_subscription(query, payload.get("operationName"), settings.limits.max_tokens)

    async def _send_result_stream(self, operation: Any, result_source: Any) -> None:
        async with aclosing(_masked(result_source)) as masked:
            await super()._send_result_stream(operation, masked)


def _not_a_subscription(query: str, operation_name: object, max_tokens: int) -> GatewayError | None:
    """Queries and mutations are refused here: over HTTP they have their timeout and audit trail."""
    try:
        document = parse(query, max_tokens=max_tokens + 1)
    except GraphQLSyntaxError:
        return None  # strawberry answers a syntax error as the protocol says (and the limits count tokens)
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name is not None:
        operations = [o for o in operations if o.name is not None and o.name.value == operation_name]
    if len(operations) == 1 and operations[0].operation != OperationType.SUBSCRIPTION:
        return BadRequest("Only subscriptions run over WebSocket; send queries and mutations to /graphql by HTTP")
    return None  # none or several: strawberry says which operation is missing


async def _masked(results: Any) -> AsyncGenerator[Any, None]:
    """Every result with its errors as the error policy shows them (deliberate ones kept, anything
    else masked with a reference id in the log)."""
    first = True
    async with aclosing(results):
        try:
            async for result in results:
                if isinstance(result, ExecutionResult) and result.errors:
                    result.errors = [_Shown(client_error(e)) for e in result.errors]
                first = False
                yield result
        except GraphQLError as error:
            # The document limits refuse in a schema extension (before validation); over HTTP the
            # view answers that error, on a socket strawberry would only log it and complete.
            shown = [_Shown(client_error(error))]
            yield PreExecutionError(data=None, errors=shown) if first else ExecutionResult(data=None, errors=shown)


class _Shown(GraphQLError):
    """A GraphQL error whose ``formatted`` is exactly what the error policy produced."""

    def __init__(self, shown: dict[str, Any]) -> None:
        super().__init__(shown["message"], extensions=shown.get("extensions"))
        self._shown = shown

    @property
    def formatted(self) -> dict[str, Any]:  # type: ignore[override]
        return self._shown


def per_event_memo(base: type[Any]) -> type[Any]:
    """``base`` (a graphql-core execution context) with fresh memos for every subscription event.

    graphql-core 3.3 executes each event with a shallow copy of the subscription's executor, so the
    copies share its memo of collected subfields, keyed by the identity of field groups that are
    new for every event: over a long subscription the memo grew by every event's field groups
    (hundreds of objects each, and a young-generation collection walking them took 100s of ms).
    Every private memo the executor holds (dicts, ``RefMap``) is replaced per event, whatever
    subclass added it; its public state (fragments, variables) is configuration and is kept."""

    class PerEventMemo(base):  # type: ignore[misc, valid-type]
        def build_per_event_executor(self, payload: Any) -> Any:
            executor = super().build_per_event_executor(payload)
            for name, value in list(vars(executor).items()):
                if name.startswith("_") and isinstance(value, dict | RefMap):  # memos, never configuration
                    setattr(executor, name, type(value)())
            return executor

    PerEventMemo.__name__ = PerEventMemo.__qualname__ = f"PerEventMemo{base.__name__}"
    return PerEventMemo
