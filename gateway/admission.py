"""Admission: what a request to ``/graphql`` must pass before strawberry sees it.

In order: the body-size limit (the body is read whole, up to ``max_body_bytes``, and must be
UTF-8), authentication (bearer token → ``Identity``; a bad token is HTTP 401, never a silent
downgrade) and the per-identity rate limit.  A refusal is a :class:`Rejection`, answered here as a
GraphQL-shaped JSON error with its HTTP status; the view raises one too for a body it cannot read.
The admitted identity travels to the view in the request state (``yrd_identity``).
"""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from domain.errors import BadRequest, BodyTooLarge, RateLimited, RequestRejected, Unauthenticated
from gateway.auth import Authenticator, AuthError
from gateway.errors import graphql_error
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
        self._auth = Authenticator(settings.auth)
        self._public_rate = RateLimiter(settings.limits.public_rate_per_minute)
        self._identity_rate = RateLimiter(settings.limits.identity_rate_per_minute)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._view(scope, receive, send)
            return
        try:
            receive = await self._bounded_body(scope, receive)
            identity = self._authenticate(scope)
            self._check_rate(scope, identity)
            scope.setdefault("state", {})["yrd_identity"] = identity
            await self._view(scope, receive, send)
        except Rejection as rejection:
            await rejection_response(rejection, runtime_of(scope))(scope, receive, send)

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
