"""The GraphQL schema, assembled from the resolvers.  ``schema.graphql`` is generated from it:

    make schema        # = yrd-gateway schema > schema.graphql

Each capability contributes its root fields as a class the root ``Query`` inherits from, so a new
capability is one line here.
"""

from __future__ import annotations

from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.schema.config import StrawberryConfig

from gateway.caches import CachedDocuments
from gateway.execution import PlainObjectsExecutionContext
from gateway.limits.extension import QueryLimits
from gateway.request_input import RequestInput
from gateway.websocket import per_event_memo
from resolvers.audit import AuditQuery
from resolvers.business import BusinessQuery
from resolvers.crosscheck.query import CrossCheckQuery
from resolvers.feed.subscription import FeedSubscription
from resolvers.query import ReadQuery
from resolvers.scalars import SCALAR_MAP
from resolvers.statistics import StatisticsQuery
from resolvers.watchlist import WatchlistMutation, WatchlistQuery, WatchlistSubscription
from resolvers.workflow.mutations import WorkflowMutation


@strawberry.type(description="查询入口。 Entry points of the Yangtze River Delta credit gateway.")
class Query(ReadQuery, StatisticsQuery, BusinessQuery, CrossCheckQuery, AuditQuery, WatchlistQuery):
    pass


@strawberry.type(
    description=(
        "写入入口：官员只在本省写入，每次写入带幂等键、版本号和修改记录。"
        " Writes: officials write only in their own province, each write with a client key, the version"
        " read and a history row."
    )
)
class Mutation(WorkflowMutation, WatchlistMutation):
    pass


@strawberry.type(
    description="订阅入口（graphql-transport-ws，/graphql）。 Subscriptions (graphql-transport-ws at /graphql)."
)
class Subscription(FeedSubscription, WatchlistSubscription):
    pass


# QueryLimits first: a document over the limits is refused before it is parsed further or
# validated.  RequestInput next: text no database can hold and null for a required value are
# refused for every argument at once, before validation and execution (see its module).
# Portals send the same few documents again and again: parse and validate each once, in a
# cache bounded by bytes, charging a miss's work to its caller (gateway.caches).
EXTENSIONS: tuple[Any, ...] = (QueryLimits, RequestInput, CachedDocuments)


class GatewaySchema(strawberry.Schema):
    """strawberry's schema without its error log: strawberry logs every GraphQL error's message,
    which may quote what the caller sent (an ID number, say).  The gateway's error policy
    (``gateway.errors``) logs what needs logging: unexpected errors, by reference id."""

    def process_errors(self, errors: list[GraphQLError], execution_context: Any = None) -> None:
        return None


def build_schema(*extra_extensions: Any) -> strawberry.Schema:
    """The schema, with optional further extensions after the gateway's own (e.g. tracing)."""
    return GatewaySchema(
        query=Query, mutation=Mutation, subscription=Subscription, config=StrawberryConfig(scalar_map=SCALAR_MAP),
        extensions=[*EXTENSIONS, *extra_extensions],
        execution_context_class=per_event_memo(PlainObjectsExecutionContext),
    )


schema = build_schema()
