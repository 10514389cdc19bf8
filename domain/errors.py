"""Every error the gateway raises on purpose, one tree with stable codes (``extensions.code``).

::

    GatewayError                        a deliberate error: its message was written for clients
     ├── RequestRejected                refused before execution: no database was touched
     │    ├── BadRequest                BAD_REQUEST
     │    ├── GraphQLParseFailed        GRAPHQL_PARSE_FAILED
     │    ├── GraphQLValidationFailed   GRAPHQL_VALIDATION_FAILED
     │    ├── BodyTooLarge              BODY_TOO_LARGE
     │    ├── Unauthenticated           UNAUTHENTICATED
     │    ├── RateLimited               RATE_LIMITED
     │    ├── IntrospectionDisabled     INTROSPECTION_DISABLED
     │    ├── PersistedQueryError
     │    │    ├── PersistedQueryRequired        PERSISTED_QUERY_REQUIRED
     │    │    ├── PersistedQueryNotFound        PERSISTED_QUERY_NOT_FOUND
     │    │    ├── PersistedQueryHashMismatch    PERSISTED_QUERY_HASH_MISMATCH
     │    │    └── PersistedQueryInvalid         PERSISTED_QUERY_INVALID
     │    ├── TooManyConnections        TOO_MANY_CONNECTIONS
     │    └── LimitExceeded
     │         ├── TooManyTokens        TOO_MANY_TOKENS
     │         ├── QueryTooDeep         QUERY_TOO_DEEP
     │         ├── TooManyAliases       TOO_MANY_ALIASES
     │         ├── TooManyRootFields    TOO_MANY_ROOT_FIELDS
     │         ├── PageTooLarge         PAGE_TOO_LARGE
     │         ├── QueryTooCostly       QUERY_TOO_COSTLY
     │         └── TooManySubscriptions TOO_MANY_SUBSCRIPTIONS
     ├── BadUserInput                   BAD_USER_INPUT
     │    └── IdempotencyKeyReused      IDEMPOTENCY_KEY_REUSED
     ├── Forbidden                      FORBIDDEN
     ├── NotFound                       NOT_FOUND
     ├── VersionConflict                VERSION_CONFLICT
     ├── InvalidTransition              INVALID_TRANSITION
     ├── DisclosureLimit                DISCLOSURE_LIMIT
     ├── RequestTimeout                 REQUEST_TIMEOUT
     ├── AuditUnavailable               AUDIT_UNAVAILABLE
     ├── SubscriptionLagging            SUBSCRIPTION_LAGGING
     ├── SourceError                    SOURCE_ERROR
     │    ├── SourceUnavailable         SOURCE_UNAVAILABLE
     │    └── SourceTimeout             SOURCE_TIMEOUT
     └── InternalError                  INTERNAL_ERROR

The error policy (``gateway.errors``) follows the type: an error from this tree keeps its message
and code, anything else is masked as ``INTERNAL_ERROR`` (the one code here whose class is never
public).  A resolver raises these directly: graphql-core wraps the exception and takes the client
message from ``message`` and the extensions from ``extensions``.  The module imports nothing from
GraphQL, so the source layer can raise its errors from here too (``sources.errors`` re-exports
them).  ``codes_table()`` is the table of codes in the README, generated from this tree.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar


class GatewayError(Exception):
    """An error raised on purpose; ``message`` is safe to show to clients."""

    code: ClassVar[str]
    # The HTTP status of a response that carries only this error (GraphQL errors are HTTP 200).
    http_status: ClassVar[int] = 200
    # False only for INTERNAL_ERROR: that code replaces a message, it never carries one.
    public: ClassVar[bool] = True

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    @property
    def extensions(self) -> dict[str, Any]:
        """The GraphQL ``extensions`` of this error (graphql-core reads this attribute)."""
        return {"code": self.code}


# ---- rejected before execution -------------------------------------------------------------------

class RequestRejected(GatewayError):
    """The request was refused before execution; no database was touched."""


class BadRequest(RequestRejected):
    """The HTTP body is not a GraphQL request (not UTF-8 JSON, or not an object with a query)."""

    code = "BAD_REQUEST"
    http_status = 400


class GraphQLParseFailed(RequestRejected):
    """The query is not valid GraphQL syntax (graphql-core's message says where)."""

    code = "GRAPHQL_PARSE_FAILED"


class GraphQLValidationFailed(RequestRejected):
    """The query does not validate against the schema (an unknown field, a wrong argument type…)."""

    code = "GRAPHQL_VALIDATION_FAILED"


class BodyTooLarge(RequestRejected):
    """The HTTP body is larger than ``max_body_bytes``."""

    code = "BODY_TOO_LARGE"
    http_status = 413


class Unauthenticated(RequestRejected):
    """The bearer token is invalid (signature, issuer, audience, expiry); never a silent downgrade."""

    code = "UNAUTHENTICATED"
    http_status = 401


class RateLimited(RequestRejected):
    """The caller spent its per-minute budget (``Retry-After`` says when to come back)."""

    code = "RATE_LIMITED"
    http_status = 429


class IntrospectionDisabled(RequestRejected):
    """``__schema``/``__type`` asked by the public while ``public_introspection`` is off."""

    code = "INTROSPECTION_DISABLED"


class PersistedQueryError(RequestRejected):
    """A persisted-query rule refused the request (Apollo's ``extensions.persistedQuery``)."""


class PersistedQueryRequired(PersistedQueryError):
    """Only registered operations may run for this caller (``public_persisted_only``)."""

    code = "PERSISTED_QUERY_REQUIRED"


class PersistedQueryNotFound(PersistedQueryError):
    """The hash names no registered operation."""

    code = "PERSISTED_QUERY_NOT_FOUND"


class PersistedQueryHashMismatch(PersistedQueryError):
    """``persistedQuery.sha256Hash`` does not match the query sent with it."""

    code = "PERSISTED_QUERY_HASH_MISMATCH"


class PersistedQueryInvalid(PersistedQueryError):
    """``persistedQuery.sha256Hash`` is not a sha256 hex digest."""

    code = "PERSISTED_QUERY_INVALID"


class TooManyConnections(RequestRejected):
    """The caller already holds ``[feed] max_connections_per_identity`` WebSocket connections."""

    code = "TOO_MANY_CONNECTIONS"
    http_status = 429


class TooManyExports(RequestRejected):
    """The caller already runs ``[limits] max_exports_per_caller`` exports (``Retry-After``)."""

    code = "TOO_MANY_EXPORTS"
    http_status = 429


class ExportsBusy(RequestRejected):
    """The gateway process already runs ``[limits] max_exports`` exports: capacity, not the caller (``Retry-After``)."""

    code = "EXPORTS_BUSY"
    http_status = 503


class LimitExceeded(RequestRejected):
    """The document breaks one of the abuse limits (``[limits]``)."""


class TooManyTokens(LimitExceeded):
    """The document has more lexical tokens than ``max_tokens``."""

    code = "TOO_MANY_TOKENS"


class QueryTooDeep(LimitExceeded):
    """A selection nests deeper than ``max_depth`` (fragments expanded)."""

    code = "QUERY_TOO_DEEP"


class TooManyAliases(LimitExceeded):
    """More aliased fields than ``max_aliases`` (fragments expanded, each use counted)."""

    code = "TOO_MANY_ALIASES"


class TooManyRootFields(LimitExceeded):
    """More root fields than ``max_root_fields``."""

    code = "TOO_MANY_ROOT_FIELDS"


class PageTooLarge(LimitExceeded):
    """A ``first`` argument outside 1..``max_page_size``."""

    code = "PAGE_TOO_LARGE"


class QueryTooCostly(LimitExceeded):
    """The estimated cost is above ``max_cost``."""

    code = "QUERY_TOO_COSTLY"


class TooManySubscriptions(LimitExceeded):
    """A WebSocket connection already runs ``[feed] max_subscriptions_per_connection`` subscriptions."""

    code = "TOO_MANY_SUBSCRIPTIONS"


# ---- during execution ----------------------------------------------------------------------------

class BadUserInput(GatewayError):
    """An argument failed a check (an identifier, a filter, a cursor); the message names it."""

    code = "BAD_USER_INPUT"


class IdempotencyKeyReused(BadUserInput):
    """A mutation's `clientKey` was already used by this official for a different mutation or arguments."""

    code = "IDEMPOTENCY_KEY_REUSED"


class Forbidden(GatewayError):
    """The field needs a role the caller does not hold (``@requires``), or four eyes forbid the act."""

    code = "FORBIDDEN"


class NotFound(GatewayError):
    """A mutation names a record or entry its province does not hold."""

    code = "NOT_FOUND"


class VersionConflict(GatewayError):
    """The record changed since the caller read it (`expectedVersion` is not its version): reload, retry."""

    code = "VERSION_CONFLICT"


class InvalidTransition(GatewayError):
    """The record's workflow status does not allow this step (e.g. publishing a draft)."""

    code = "INVALID_TRANSITION"


class DisclosureLimit(GatewayError):
    """The answer would take an official past ``full_id_numbers_per_hour`` full ID numbers; it is withheld."""

    code = "DISCLOSURE_LIMIT"


class RequestTimeout(GatewayError):
    """Execution took longer than ``timeout_ms`` and was stopped."""

    code = "REQUEST_TIMEOUT"


class AuditUnavailable(GatewayError):
    """The audit trail cannot be written, so the answer is withheld."""

    code = "AUDIT_UNAVAILABLE"


class SubscriptionLagging(GatewayError):
    """The subscriber fell ``[feed] queue_size`` events behind and was closed; resume from `extensions.resumeAfter`."""

    code = "SUBSCRIPTION_LAGGING"

    def __init__(self, message: str, resume_after: str) -> None:
        super().__init__(message)
        self.resume_after = resume_after

    @property
    def extensions(self) -> dict[str, Any]:
        return {"code": self.code, "resumeAfter": self.resume_after}


class SourceError(GatewayError):
    """A source answered with an unexpected error; the answer lacks its data (``extensions.source``)."""

    code = "SOURCE_ERROR"
    status = "error"

    def __init__(self, source: str, message: str, *, sent: bool = True) -> None:
        super().__init__(message)
        self.source = source
        # False when the statement never left the gateway (circuit open): not counted as sent.
        self.sent = sent

    def __str__(self) -> str:  # the server log names the source; clients get it in extensions
        return f"{self.source}: {self.message}"

    @property
    def extensions(self) -> dict[str, Any]:
        return {"code": self.code, "source": self.source}


class SourceUnavailable(SourceError):
    """A source cannot be reached (down, refusing connections, or its circuit is open)."""

    code = "SOURCE_UNAVAILABLE"
    status = "unavailable"


class SourceTimeout(SourceError):
    """A source did not answer within its configured timeout."""

    code = "SOURCE_TIMEOUT"
    status = "timeout"


class InternalError(GatewayError):
    """Anything unexpected, masked: a generic message and an ``errorId`` that is in the server log."""

    code = "INTERNAL_ERROR"
    public = False


# ---- the table -----------------------------------------------------------------------------------

def coded_errors() -> Iterator[type[GatewayError]]:
    """Every class of the tree that has a code of its own, in tree order (depth first)."""
    def walk(cls: type[GatewayError]) -> Iterator[type[GatewayError]]:
        if "code" in vars(cls):
            yield cls
        for sub in cls.__subclasses__():
            yield from walk(sub)

    return walk(GatewayError)


def codes() -> frozenset[str]:
    """Every code of the tree."""
    return frozenset(cls.code for cls in coded_errors())


def codes_table() -> str:
    """The Markdown table of every code (the README's, checked by a test)."""
    lines = ["| `extensions.code` | error class | HTTP | meaning |", "|---|---|---|---|"]
    for cls in coded_errors():
        meaning = (cls.__doc__ or "").strip().splitlines()[0].replace("``", "`")  # reST → Markdown
        lines.append(f"| `{cls.code}` | `{cls.__name__}` | {cls.http_status} | {meaning} |")
    return "\n".join(lines) + "\n"
