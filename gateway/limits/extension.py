"""``QueryLimits``: the strawberry extension that applies a request's :class:`RequestPolicy`.

The token count runs when the document is parsed, the analysis before it is validated, so a
rejected document is neither validated nor executed.
"""

from __future__ import annotations

from collections.abc import Iterator

from strawberry.extensions import SchemaExtension

from domain.errors import TooManyTokens
from gateway.errors import graphql_error
from gateway.limits.analysis import RequestPolicy, check_document
from gateway.limits.tokens import count_tokens


class QueryLimits(SchemaExtension):
    """Applies the request's :class:`RequestPolicy` (``context.policy``) before validation: a
    rejected document is neither validated nor executed."""

    def on_parse(self) -> Iterator[None]:
        policy = self._policy()
        query = self.execution_context.query
        if policy is not None and query and count_tokens(query, policy.limits.max_tokens) > policy.limits.max_tokens:
            raise graphql_error(
                TooManyTokens(f"Query has more than {policy.limits.max_tokens} tokens")
            )
        yield

    def on_validate(self) -> Iterator[None]:
        policy = self._policy()
        ctx = self.execution_context
        if policy is not None and ctx.graphql_document is not None:
            error = check_document(ctx.schema._schema, ctx.graphql_document, ctx.variables, policy)
            if error is not None:
                raise error
        yield

    def on_execute(self) -> Iterator[None]:
        # The audit trail records the operation's name; strawberry knows it once the document is parsed.
        context = self.execution_context.context
        if hasattr(context, "operation_name"):
            context.operation_name = self.execution_context.operation_name
        yield

    def _policy(self) -> RequestPolicy | None:
        return getattr(self.execution_context.context, "policy", None)
