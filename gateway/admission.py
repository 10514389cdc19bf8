"""Admission: what a request to ``/graphql`` must pass before strawberry sees it.

In order: the client address (``gateway.forwarded``: ``X-Forwarded-For`` only as far as the
configured proxies vouch for it; the view and the audit log read it from ``scope["client"]``), the
``Authorization`` header's shape (one header, at most ``max_authorization_bytes``, refused before
anything decodes it), the body (read whole within ``body_timeout_ms``, up to ``max_body_bytes``,
and UTF-8), authentication (bearer token → ``Identity``; a bad token is HTTP 401, never a silent
downgrade) and the per-identity rate limit.  A refusal is a :class:`Rejection`, answered here as a
GraphQL-shaped JSON error with its HTTP status; the view raises one too for a body it cannot read.
The admitted identity travels to the view in the request state (``yrd_identity``).

A GET request passes the same checks; its query string, which carries the document, is held to
``max_body_bytes`` like a body.  Also here, because they decide what a request may be answered
with before the view runs: the media type negotiated from ``Accept`` (GraphQL over HTTP) and the
CORS policy (``[server] cors_origins``, :class:`GatewayCORS`).
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

import orjson
from starlette.datastructures import Headers, MutableHeaders
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from domain.errors import BadRequest, BodyTooLarge, GatewayError, RateLimited, RequestRejected, Unauthenticated
from gateway.auth import Authenticator, AuthError
from gateway.errors import graphql_error
from gateway.forwarded import client_address
from gateway.limits.rate import RateLimiter
from gateway.runtime import Runtime, runtime_of
from gateway.settings import ServerSettings, Settings
from resolvers.identity import PUBLIC, Identity
from sources.trace import RequestTrace


class Rejection(Exception):
    """A request refused before execution; becomes a GraphQL-shaped JSON error response with the
    error's HTTP status (``domain.errors``)."""

    def __init__(self, error: RequestRejected, headers: dict[str, str] | None = None) -> None:
        super().__init__(error.message)
        self.error, self.headers = error, headers or {}


class Admission:
    """Wraps the GraphQL view (an ASGI app) with the checks that come before it."""

    def __init__(self, view: ASGIApp, settings: Settings) -> None:
        self._view = view
        self._settings = settings
        self._auth = Authenticator(settings.auth, settings.province_codes)
        self._public_rate = RateLimiter(settings.limits.public_rate_per_minute)
        self._identity_rate = RateLimiter(settings.limits.identity_rate_per_minute)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            await self._view(self._websocket(scope), receive, send)
            return
        if scope["type"] != "http":
            await self._view(scope, receive, send)
            return
        scope = self._with_client(scope)
        scope.setdefault("state", {})["yrd_media"] = negotiate(Headers(scope=scope).get("accept")) or JSON
        try:
            authorization = self._authorization(scope)
            self._check_query_string(scope)
            receive = await self._timed_body(scope, receive)
            identity = self._authenticate(authorization)
            self._check_rate(scope, identity)
            scope.setdefault("state", {})["yrd_identity"] = identity
            await self._view(scope, receive, send)
        except Rejection as rejection:
            await rejection_response(rejection, runtime_of(scope), scope)(scope, receive, send)

    def _websocket(self, scope: Scope) -> Scope:
        """A WebSocket upgrade passes the same checks as a request (address, Authorization header,
        token, rate).  A refusal is kept in the state: ``gateway.websocket`` answers it as a close
        code and reason once the socket is open, which clients can read (a refused handshake is a
        bare 403)."""
        scope = self._with_client(scope)
        state = scope.setdefault("state", {})
        state["yrd_identity"] = PUBLIC
        try:
            authorization = self._authorization(scope)
            identity = self._authenticate(authorization)
            self._check_rate(scope, identity)
        except Rejection as rejection:
            state["yrd_ws_rejection"] = rejection
            return scope
        state["yrd_identity"], state["yrd_ws_header_token"] = identity, authorization is not None
        return scope

    def authenticate_token(self, scope: Scope, token: str) -> Identity:
        """A token sent in a WebSocket's ``connection_init`` (``Bearer …``), authenticated and rate-counted."""
        limit = self._settings.server.max_authorization_bytes
        if len(token.encode()) > limit:
            raise Rejection(BadRequest(f"Authorization is larger than {limit} bytes"))
        identity = self._authenticate(token.encode("utf-8"))
        self._check_rate(scope, identity)
        return identity

    def check_rate(self, scope: Scope, identity: Identity) -> None:
        """The per-identity (or per-address) rate limit, for work arriving on a WebSocket."""
        self._check_rate(scope, identity)

    def _with_client(self, scope: Scope) -> Scope:
        """The scope with ``client`` the address the configuration trusts (the view and the audit
        log read it there), in place of whoever connected."""
        peer = scope.get("client")
        forwarded = [v for n, v in scope.get("headers") or [] if n == b"x-forwarded-for"]
        address = client_address(peer[0] if peer else None, forwarded, self._settings.server.trusted_proxies)
        if address is None or (peer and address == peer[0]):
            return scope
        return {**scope, "client": (address, 0)}

    def _authorization(self, scope: Scope) -> bytes | None:
        """The one ``Authorization`` header, checked for size before anything decodes it.  Two
        headers are refused: which one counts would depend on the parser (proxies differ)."""
        headers = scope.get("headers") or []
        total_limit = self._settings.server.max_header_bytes
        # The protocol bounds the bytes of incomplete headers by the read; this is the exact total.
        if sum(len(n) + len(v) + 4 for n, v in headers) > total_limit:
            raise Rejection(BadRequest(f"Request headers are larger than {total_limit} bytes"))
        values = [v for n, v in headers if n == b"authorization"]
        if len(values) > 1:
            raise Rejection(BadRequest("Send one Authorization header, not several"))
        limit = self._settings.server.max_authorization_bytes
        if values and len(values[0]) > limit:
            raise Rejection(BadRequest(f"Authorization header is larger than {limit} bytes"))
        return values[0] if values else None

    def _check_query_string(self, scope: Scope) -> None:
        """A GET carries its document in the query string: the same limit as a body, so the cheaper
        method is no way around it (the protocol bounds the request line only together with the headers)."""
        limit = self._settings.limits.max_body_bytes
        if len(scope.get("query_string", b"")) > limit:
            raise Rejection(BodyTooLarge(f"Query string is larger than {limit} bytes; send the query with POST"))

    async def _timed_body(self, scope: Scope, receive: Receive) -> Receive:
        """The body within ``body_timeout_ms``: a client trickling its body must not hold a worker."""
        timeout_s = self._settings.server.body_timeout_ms / 1000
        try:
            async with asyncio.timeout(timeout_s):
                return await self._bounded_body(scope, receive)
        except TimeoutError:
            message = f"Request body was not received within {timeout_s:g} s"
            raise Rejection(BadRequest(message), {"Connection": "close"}) from None

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

    def _authenticate(self, header: bytes | None) -> Identity:
        try:
            return self._auth.identity(header.decode("latin-1") if header is not None else None)
        except AuthError as exc:
            challenge = {"WWW-Authenticate": 'Bearer error="invalid_token"'}
            raise Rejection(Unauthenticated(exc.message), challenge) from None

    def _check_rate(self, scope: Scope, identity: Identity) -> None:
        key = identity.rate_key
        limiter = self._identity_rate if key else self._public_rate
        wait = limiter.allow(key or f"addr:{_client(scope)}")
        if wait > 0:
            seconds = max(1, round(wait))
            message = f"Too many requests; retry in {seconds} s"
            raise Rejection(RateLimited(message), {"Retry-After": str(seconds)})


def rejection_response(rejection: Rejection, runtime: Runtime | None, scope: Scope | None = None) -> Response:
    """The JSON answer to a refused request (with the untouched sources, when the gateway runs)."""
    media = (scope or {}).get("state", {}).get("yrd_media", JSON)
    return error_response(rejection.error, rejection.error.http_status, media, runtime, rejection.headers)


def error_response(
    error: GatewayError, status: int, media: str, runtime: Runtime | None, headers: dict[str, str] | None = None
) -> Response:
    """A request answered with one error and no execution.  ``application/json`` keeps
    ``"data": null`` for the clients written before GraphQL over HTTP; with
    ``application/graphql-response+json`` the data entry is absent, as the spec says of a request
    that never executed.  Never cached: the same request may pass a moment later."""
    body: dict[str, Any] = {} if media == GRAPHQL_RESPONSE else {"data": None}
    body["errors"] = [graphql_error(error).formatted]
    if runtime is not None:
        body["extensions"] = {"sources": RequestTrace().as_extension(runtime.registry.source_names)}
    response = Response(orjson.dumps(body), status_code=status, media_type=media, headers=headers)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Vary"] = vary(response.body)
    return response


# ---- GraphQL over HTTP: the answer's media type -----------------------------------------------

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"
# What a cache must key a /graphql answer on: the media type, the caller and the encoding.
VARY = "Accept, Authorization, Accept-Encoding"
# Answers from this size on are compressed (gateway.app); GZipMiddleware then adds
# "Vary: Accept-Encoding" itself, whatever the client accepts.
COMPRESS_MIN_BYTES = 1024


def vary(body: bytes) -> str:
    """``Vary`` for an answer of this body: Accept-Encoding is left to the compression middleware
    when it will add it, so that no cache sees the name twice."""
    return VARY if len(body) < COMPRESS_MIN_BYTES else "Accept, Authorization"


def negotiate(accept: str | None) -> str | None:
    """The media type to answer with, as GraphQL over HTTP says: the client's most preferred of
    ``application/graphql-response+json`` and ``application/json`` (the new one on a tie: it lets
    status codes mean what they say); ``application/json`` when there is no ``Accept`` or only a
    wildcard matches (clients from before the spec); ``None`` when nothing supported is acceptable."""
    if accept is None or not accept.strip():
        return JSON
    best: tuple[float, int, str] | None = None
    for entry in accept.split(","):
        name, quality = media_range(entry)
        rank = {GRAPHQL_RESPONSE: 2, JSON: 1, "application/*": 0, "*/*": 0}.get(name)
        if rank is None or quality <= 0:
            continue
        candidate = (quality, rank, GRAPHQL_RESPONSE if rank == 2 else JSON)
        best = candidate if best is None or candidate[:2] > best[:2] else best
    return best[2] if best else None


def media_range(entry: str) -> tuple[str, float]:
    """``type/subtype`` (lower case) and its ``q`` of one Accept entry (1 when absent or malformed)."""
    name, *params = (part.strip() for part in entry.split(";"))
    quality = 1.0
    for param in params:
        key, _, value = param.partition("=")
        if key.strip().lower() == "q":
            try:
                quality = float(value)
            except ValueError:
                quality = 0.0
    return name.lower(), quality


# ---- CORS ---------------------------------------------------------------------------------------

CORS_METHODS = ("GET", "POST")
CORS_HEADERS = ("Authorization", "Content-Type", "X-Request-ID")


def cors_options(server: ServerSettings) -> dict[str, Any] | None:
    """:class:`GatewayCORS`'s arguments for ``[server] cors_origins``; None when no origin is
    allowed (then no middleware runs and no ``Access-Control-*`` header is ever sent)."""
    if not server.cors_origins:
        return None
    exact = [o for o in server.cors_origins if not o.endswith(":*")]
    any_port = [re.escape(o.removesuffix(":*")) + r"(:\d{1,5})?" for o in server.cors_origins if o.endswith(":*")]
    return {
        "allow_origins": exact,
        "allow_origin_regex": "|".join(any_port) or None,
        "allow_methods": CORS_METHODS,
        "allow_headers": CORS_HEADERS,
        # Bearer tokens travel in a header the preflight allows; the gateway sets no cookie, so
        # browsers never need to send credentials (and "*" may never be combined with them).
        "allow_credentials": False,
        "expose_headers": ("X-Request-ID", "Retry-After"),
        "max_age": 600,
    }


class GatewayCORS(CORSMiddleware):
    """Starlette's CORS with two changes: a passed preflight is ``204 No Content`` (there is
    nothing to say), and a disallowed origin gets no ``Access-Control-*`` header at all."""

    def preflight_response(self, request_headers: Headers) -> Response:
        response = super().preflight_response(request_headers)
        if response.status_code != 200:
            return response
        headers = {k: v for k, v in response.headers.items() if k.lower() not in {"content-length", "content-type"}}
        return Response(status_code=204, headers=headers)

    async def send(self, message: Message, send: Send, request_headers: Headers) -> None:
        origin = request_headers.get("origin")
        if message["type"] == "http.response.start" and origin is not None and not self.is_allowed_origin(origin):
            headers = MutableHeaders(scope=message)
            headers["Vary"] = ", ".join([*headers.getlist("Vary"), "Origin"])
            await send(message)
            return
        await super().send(message, send, request_headers)


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
        raise Rejection(BadRequest("Request body must be UTF-8 encoded JSON")) from None


def _too_large(limit: int) -> Rejection:
    return Rejection(BodyTooLarge(f"Request body is larger than {limit} bytes"))


def _client(scope: Scope) -> str:
    client = scope.get("client")
    return client[0] if client else "unknown"
