"""The error policy: deliberate errors keep their message and code, source failures become
``SOURCE_UNAVAILABLE``/``SOURCE_TIMEOUT`` errors naming the source, and anything unexpected is
masked (a generic message plus an error id that is in the server log).  No traceback, SQL, DSN
or host name reaches a client.

What is deliberate follows the type: an error of the tree in ``domain.errors`` (or a GraphQL error
carrying one of its codes, such as strawberry's permission errors) was written for clients."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from graphql import GraphQLError

from domain.errors import (
    BadUserInput,
    GatewayError,
    GraphQLParseFailed,
    GraphQLValidationFailed,
    InternalError,
    codes,
)
from domain.identifiers import IdentifierError
from resolvers.context import Context, SourceFailure
from sources.config import CENTRAL

log = logging.getLogger("yrd.errors")

# The codes whose messages were written for clients: all of the tree's but the masked one.
_PUBLIC_CODES = codes() - {InternalError.code}


def graphql_error(error: GatewayError) -> GraphQLError:
    """A typed error as the GraphQL error the gateway reports outside a resolver (before or
    around execution), where graphql-core does not wrap the exception itself."""
    return GraphQLError(error.message, extensions=error.extensions)


def client_error(error: GraphQLError) -> dict[str, Any]:
    """The JSON of one execution error, masked unless it is deliberate."""
    original = error.original_error
    if original is None:
        return _with_code(error)
    if _is_deliberate(error):
        return error.formatted
    if _is_input_error(error):
        return {**error.formatted, "extensions": {"code": BadUserInput.code}}
    error_id = uuid.uuid4().hex[:12]
    log.error("unexpected error %s at %s", error_id, error.path, exc_info=original)
    return {
        "message": f"Internal error (reference {error_id})",
        "locations": error.formatted.get("locations"),
        "path": error.path,
        "extensions": {"code": InternalError.code, "errorId": error_id},
    }


def _with_code(error: GraphQLError) -> dict[str, Any]:
    """graphql-core's own parse and validation errors carry no code: every error has one."""
    formatted = error.formatted
    if (formatted.get("extensions") or {}).get("code"):
        return formatted
    kind = GraphQLParseFailed if error.message.startswith("Syntax Error") else GraphQLValidationFailed
    return {**formatted, "extensions": {**(formatted.get("extensions") or {}), "code": kind.code}}


def _is_input_error(error: GraphQLError) -> bool:
    """A value the client sent failed a scalar's check (e.g. a USCC check character).  graphql-core
    wraps the check's exception, possibly twice; its message names the variable and the check."""
    cause: BaseException | None = error
    while isinstance(cause, GraphQLError) and cause.original_error is not None:
        cause = cause.original_error
    if isinstance(cause, IdentifierError):
        return True
    # Variable coercion fails before execution (no path): graphql-core's own message, safe to show.
    return error.path is None and isinstance(cause, GraphQLError | ValueError)


def _is_deliberate(error: GraphQLError) -> bool:
    original = error.original_error
    if isinstance(original, GatewayError):
        return original.public
    carrier = original if isinstance(original, GraphQLError) else error
    return (carrier.extensions or {}).get("code") in _PUBLIC_CODES


def source_errors(ctx: Context) -> list[dict[str, Any]]:
    """One GraphQL error per failed source and response path (deduplicated)."""
    seen: set[tuple[str, tuple[str | int, ...]]] = set()
    errors = []
    for failure in ctx.failures:
        slot = (failure.error.source, failure.path)
        if slot not in seen:
            seen.add(slot)
            errors.append(_source_error(ctx, failure))
    return errors


def _source_error(ctx: Context, failure: SourceFailure) -> dict[str, Any]:
    error = failure.error
    if error.source == CENTRAL:
        # Routing then asks every province and recognition falls back to national codes only;
        # whatever depended on the central store says so in its own coverage or report.
        what = "the central store (the index and region-level rules); provinces were asked directly"
    else:
        info = ctx.province(error.source)
        what = f"province {info.code} ({info.name}); its data is missing from this answer"
    entry: dict[str, Any] = {
        "message": f"{error.message}: {what}",
        "extensions": {"code": error.code, "source": error.source},
    }
    if failure.path:
        entry["path"] = list(failure.path)
    return entry
