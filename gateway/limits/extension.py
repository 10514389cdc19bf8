"""``QueryLimits``: the strawberry extension that applies a request's :class:`RequestPolicy`.

The token count runs when the document is parsed, the analysis before it is validated, so a
rejected document is neither validated nor executed.
"""

from __future__ import annotations

from collections.abc import Iterator

from strawberry.extensions import SchemaExtension

from domain.errors import TooManyTokens
from gateway.caches import DOCUMENTS
from gateway.errors import graphql_error
from gateway.limits.analysis import RequestPolicy, check_document_remembered
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
        document = ctx.graphql_document
        if policy is not None and document is not None:
            # A cached document's passes are remembered on its cache entry: the same verdict, once.
            passes = DOCUMENTS.derived(ctx.query, document) if ctx.query else None
            error = check_document_remembered(ctx.schema._schema, document, ctx.variables, policy, passes)
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
