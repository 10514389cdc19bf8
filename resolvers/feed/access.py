"""What a subscription needs from the running gateway, handed to the resolvers on the context of a
WebSocket connection (``gateway.websocket``): the hub, the clock, the bounds, the audit hook, and a
way to make a fresh request context (early warning re-runs cross-checks with fresh loaders)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

from domain.clock import Clock
from domain.errors import BadRequest
from resolvers.context import Context, Info
from resolvers.identity import Identity
from sources.feed_listener import FeedHub, FeedSettings

# (identity, audited subjects as (kind, key), operation name, results) → None; raises AuditUnavailable.
AuditHook = Callable[[Identity, Sequence[tuple[str, str]], str | None, int], Awaitable[None]]


@dataclass(frozen=True)
class FeedAccess:
    hub: FeedHub
    clock: Clock
    settings: FeedSettings
    audit: AuditHook = field(repr=False)
    fresh_context: Callable[[Identity], Context] = field(repr=False)


def feed_access(info: Info) -> FeedAccess:
    """The feed of the connection this subscription runs on; subscriptions are WebSocket-only."""
    access = getattr(info.context, "feed", None)
    if not isinstance(access, FeedAccess):
        raise BadRequest("Subscriptions are served over WebSocket (graphql-transport-ws) at /graphql")
    return access
