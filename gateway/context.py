"""The gateway's per-request context: the resolvers' :class:`~resolvers.context.Context` plus what
only the gateway layer reads (the document limits' policy, and what the audit trail records about
the caller)."""

from __future__ import annotations

from dataclasses import dataclass

from gateway.limits.analysis import RequestPolicy
from resolvers.context import Context
from resolvers.feed.access import FeedAccess


@dataclass
class GatewayContext(Context):
    """The resolvers' :class:`Context` plus what only the gateway layer reads."""

    policy: RequestPolicy | None = None
    operation_name: str | None = None
    # Set on a WebSocket connection's context: what its subscriptions read (gateway.websocket).
    feed: FeedAccess | None = None
    # [feed] max_watchlist: how many subjects one official may watch (resolvers.watchlist).
    watchlist_limit: int = 500
