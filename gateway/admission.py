"""Admission: what a request to ``/graphql`` must pass before strawberry sees it.

In order: the client address (``gateway.forwarded``: ``X-Forwarded-For`` only as far as the
configured proxies vouch for it; the view and the audit log read it from ``scope["client"]``), the
``Authorization`` header's shape (one header, at most ``max_authorization_bytes``, refused before
anything decodes it), the body (read whole within ``body_timeout_ms``, up to ``max_body_bytes``,
and UTF-8), authentication (bearer token → ``Identity``; a bad token is HTTP 401, never a silent
downgrade) and the per-identity rate limit.  A refusal is a :class:`Rejection`, answered here as a
GraphQL-shaped JSON error with its HTTP status; the view raises one too for a body it cannot read.
The admitted identity travels to the view in the request state (``yrd_identity``).
"""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from domain.errors import BadRequest, BodyTooLarge, RateLimited, RequestRejected, Unauthenticated
from gateway.auth import Authenticator, AuthError
from gateway.errors import graphql_error
from gateway.forwarded import client_address
from gateway.limits.rate import RateLimiter
from gateway.runtime import Runtime, runtime_of
from gateway.settings import Settings
from resolvers.identity import Identity
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
        if scope["type"] != "http":
            await self._view(scope, receive, send)
            return
        scope = self._with_client(scope)
        try:
            authorization = self._authorization(scope)
            receive = await self._timed_body(scope, receive)
            identity = self._authenticate(authorization)
            self._check_rate(scope, identity)
            scope.setdefault("state", {})["yrd_identity"] = identity
            await self._view(scope, receive, send)
        except Rejection as rejection:
            await rejection_response(rejection, runtime_of(scope))(scope, receive, send)

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
        # h11 bounds only headers that arrive in pieces; a block sent in one packet is parsed whole.
        if sum(len(n) + len(v) + 4 for n, v in headers) > total_limit:
            raise Rejection(BadRequest(f"Request headers are larger than {total_limit} bytes"))
        values = [v for n, v in headers if n == b"authorization"]
        if len(values) > 1:
            raise Rejection(BadRequest("Send one Authorization header, not several"))
        limit = self._settings.server.max_authorization_bytes
        if values and len(values[0]) > limit:
            raise Rejection(BadRequest(f"Authorization header is larger than {limit} bytes"))
        return values[0] if values else None

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


def rejection_response(rejection: Rejection, runtime: Runtime | None) -> JSONResponse:
    """The JSON answer to a refused request (with the untouched sources, when the gateway runs)."""
    body: dict[str, Any] = {
        "data": None,
        "errors": [graphql_error(rejection.error).formatted],
    }
    if runtime is not None:
        body["extensions"] = {"sources": RequestTrace().as_extension(runtime.registry.source_names)}
    return JSONResponse(body, status_code=rejection.error.http_status, headers=rejection.headers)


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
