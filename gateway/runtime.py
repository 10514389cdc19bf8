"""The runtime: what the gateway holds open while it serves (the source registry with its pools,
the audit trail, and the index sync worker when ``[index]`` enables it).

``create_app``'s lifespan calls :meth:`Runtime.start` before the first request and
:meth:`Runtime.close` after the last; nothing is opened at import time.  Anything else that lives as
long as the gateway (a background worker) starts in ``start`` after what it needs and stops in
``close`` before it.  Requests find the runtime on the application's state (:func:`runtime_of`).
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.types import Scope

from gateway.audit import AuditTrail
from gateway.operations import index_sync_worker
from gateway.settings import Settings
from sources.feed_listener import FeedHub, FeedListener, ListenedProvince
from sources.index_sync import SyncWorker
from sources.registry import SourceRegistry


@dataclass
class Runtime:
    """What the lifespan opens: the sources, the audit trail and the index sync worker."""

    registry: SourceRegistry
    audit: AuditTrail
    index_sync: SyncWorker | None = None
    feed: FeedListener | None = None  # the live feed's listener and hub (``[feed] enabled``)
    closing: bool = False  # set when shutdown begins: readiness then answers 503

    @classmethod
    async def start(cls, settings: Settings) -> Runtime:
        """Open the sources, then the audit trail (which writes to the central store), then start
        the index sync worker."""
        registry = SourceRegistry.from_config(
            settings.central, [(p.info, p.source) for p in settings.provinces], settings.breaker
        )
        audit = AuditTrail(settings.audit_spool, registry.central)
        await audit.start()
        index_sync = index_sync_worker(settings)
        if index_sync is not None:
            index_sync.start()
        return cls(registry, audit, index_sync, feed_listener(settings))

    async def close(self) -> None:
        """Close in the reverse order of :meth:`start`."""
        self.closing = True
        if self.feed is not None:
            await self.feed.stop()
        if self.index_sync is not None:
            await self.index_sync.stop()
        await self.audit.close()
        await self.registry.close()


def feed_listener(settings: Settings) -> FeedListener | None:
    """The live feed: one listener per province feeding one hub (None when ``[feed] enabled = false``)."""
    if not settings.feed.enabled:
        return None
    provinces = [ListenedProvince(p.code, p.source.dsn) for p in settings.provinces]
    listener = FeedListener(provinces, FeedHub(settings.feed.queue_size, settings.feed.lag_grace_s), settings.feed)
    listener.start()
    return listener


def runtime_of(scope: Scope) -> Runtime | None:
    """The runtime of the application serving this request; ``None`` outside its lifespan."""
    app = scope.get("app")
    return getattr(app.state, "runtime", None) if app is not None else None
