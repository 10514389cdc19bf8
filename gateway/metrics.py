"""Prometheus metrics at ``/metrics`` (prometheus-client), one registry per application.

Counted per request by an ASGI middleware that reads what the request left behind (the
``GatewayContext`` with its statement trace and source failures, the response's error codes), so
no resolver or source knows about metrics.  Gauges that describe the gateway's state (breakers,
index lag, audit spool) are refreshed when scraped.

Several worker processes (``yrd-gateway serve --workers N``): the CLI sets
``PROMETHEUS_MULTIPROC_DIR`` before prometheus-client is imported, every worker's values go to
files there, and whichever worker is scraped adds them all up (prometheus-client's multiprocess
collector); state gauges keep the most recent value any worker saw.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import time
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.runtime import runtime_of
from sources import central_queries
from sources.errors import SourceError
from sources.registry import breaker_state, connection_counts

_LATENCY_BUCKETS = (0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 15.0)
_MAX_ERROR_BODY = 64 * 1024  # error codes are read from small JSON bodies only
_SCRAPE_BUDGET_S = 0.5
_MAX_OPERATIONS = 200
_MULTIPROCESS = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))


class GatewayMetrics:
    """Every metric the gateway exports."""

    def __init__(self) -> None:
        self._operations: set[str] = set()
        self.registry = CollectorRegistry()
        if _MULTIPROCESS:
            # Values live in the shared directory; this registry only reads them all at scrape time.
            multiprocess.MultiProcessCollector(self.registry)
        r = None if _MULTIPROCESS else self.registry
        self.requests = Counter("yrd_requests", "GraphQL requests by operation name and outcome",
                                ["operation", "outcome"], registry=r)
        self.latency = Histogram("yrd_request_duration_seconds", "GraphQL request latency", ["operation"],
                                 buckets=_LATENCY_BUCKETS, registry=r)
        self.errors = Counter("yrd_errors", "Errors returned to callers, by extensions.code", ["code"], registry=r)
        self.statements = Counter("yrd_source_statements", "SQL statements sent, by source", ["source"], registry=r)
        self.source_time = Histogram("yrd_source_request_seconds", "Time a request spent on one source",
                                     ["source"], buckets=_LATENCY_BUCKETS, registry=r)
        self.source_errors = Counter("yrd_source_errors", "Source failures by source and code",
                                     ["source", "code"], registry=r)
        self.breaker_open = Gauge("yrd_breaker_open", "1 while a source's circuit breaker is open", ["source"],
                                  registry=r, multiprocess_mode="mostrecent")
        self.connections = Gauge("yrd_source_connections",
                                 "Database connections per source: open (in use or idle), idle, and callers waiting"
                                 " for one (waiting above 0 for long: pool_size is too small or the source is slow)",
                                 ["source", "state"], registry=r, multiprocess_mode="livesum")
        self.index_lag = Gauge("yrd_index_lag_ms", "How far the presence index lags each province (ms)",
                               ["province"], registry=r, multiprocess_mode="mostrecent")
        self.index_lag_unknown = Gauge("yrd_index_lag_unknown", "1 while a province's index lag is unknown",
                                       ["province"], registry=r, multiprocess_mode="mostrecent")
        self.spool_bytes = Gauge("yrd_audit_spool_bytes", "Audit entries not yet delivered to the central store",
                                 registry=r, multiprocess_mode="mostrecent")
        self.subscriptions = Gauge("yrd_subscriptions_open", "Open GraphQL subscriptions", registry=r,
                                   multiprocess_mode="livesum")
        # The live feed's counters live in its hub (sources.feed_listener); copied here when scraped.
        self.feed_events = Gauge("yrd_feed_events", "Outbox events the feed has read since start", registry=r,
                                 multiprocess_mode="livesum")
        self.feed_delivered = Gauge("yrd_feed_deliveries", "Events handed to subscriptions since start",
                                    registry=r, multiprocess_mode="livesum")
        self.feed_lagging = Gauge("yrd_feed_lagging_closes", "Subscriptions closed as lagging since start",
                                  registry=r, multiprocess_mode="livesum")
        self.feed_connected = Gauge("yrd_feed_listener_connected", "1 while the feed listens to a province",
                                    ["province"], registry=r, multiprocess_mode="mostrecent")

    def _operation_label(self, name: object) -> str:
        """A GraphQL operation name as a label, at most ``_MAX_OPERATIONS`` distinct ones: a hostile
        client may send any JSON value or millions of names; the rest fold into 'other'."""
        label = _operation_label(name)
        if label not in ("anonymous", "other") and label not in self._operations:
            if len(self._operations) >= _MAX_OPERATIONS:
                return "other"
            self._operations.add(label)
        return label

    def observe(self, scope: Scope, status: int, body: bytes, seconds: float) -> None:
        """Count one finished /graphql request."""
        context = scope.get("state", {}).get("yrd_context")
        operation = self._operation_label(getattr(context, "operation_name", None))
        codes = _error_codes(body) if status >= 400 or b'"errors"' in body[:_MAX_ERROR_BODY] else []
        outcome = "rejected" if status >= 400 else ("error" if codes else "ok")
        self.requests.labels(operation, outcome).inc()
        self.latency.labels(operation).observe(seconds)
        for code in codes:
            self.errors.labels(code).inc()
        if context is not None:
            self._observe_sources(context)

    def _observe_sources(self, context: Any) -> None:
        for name, stats in context.trace.sources.items():
            self.statements.labels(name).inc(stats.statements)
            self.source_time.labels(name).observe(stats.ms / 1000)
        for failure in context.failures:
            self.source_errors.labels(failure.error.source, failure.error.code).inc()

    async def refresh(self, request: Request) -> None:
        """Bring the state gauges up to date (at scrape time, within a short budget)."""
        runtime = runtime_of(request.scope)
        if runtime is None:
            return
        registry = runtime.registry
        for name, source in registry.named():
            self.breaker_open.labels(name).set(1 if breaker_state(source) == "open" else 0)
            counts = connection_counts(source)
            if counts is not None:
                for state, value in counts._asdict().items():
                    self.connections.labels(name, state).set(value)
        self.spool_bytes.set(await asyncio.to_thread(runtime.audit.spool.backlog))
        self._refresh_feed(runtime)
        with contextlib.suppress(SourceError, TimeoutError):
            async with asyncio.timeout(_SCRAPE_BUDGET_S):
                freshness = await central_queries.index_freshness(registry.central)
            for code in registry.provinces:
                entry = freshness.get(code)
                unknown = entry is None or entry.lag_ms is None
                self.index_lag_unknown.labels(code).set(1 if unknown else 0)
                if not unknown:
                    self.index_lag.labels(code).set(entry.lag_ms)


    def _refresh_feed(self, runtime: Any) -> None:
        if runtime.feed is None:
            return
        hub = runtime.feed.hub
        self.subscriptions.set(hub.subscribers)
        self.feed_events.set(hub.stats.events)
        self.feed_delivered.set(hub.stats.delivered)
        self.feed_lagging.set(hub.stats.lagging)
        for code, connected in hub.stats.connected.items():
            self.feed_connected.labels(code).set(1 if connected else 0)


def _operation_label(name: object) -> str:
    """A name shaped like a GraphQL operation name, else 'anonymous' (none) or 'other'."""
    if isinstance(name, str) and 0 < len(name) <= 64 and name.replace("_", "a").isalnum() and name.isascii():
        return name
    return "anonymous" if name in (None, "") else "other"


def _error_codes(body: bytes) -> list[str]:
    if len(body) > _MAX_ERROR_BODY:
        return []
    try:
        errors = json.loads(body).get("errors") or []
    except (ValueError, AttributeError):
        return []
    return [str((e.get("extensions") or {}).get("code", "UNKNOWN"))[:40] for e in errors if isinstance(e, dict)]


class MetricsMiddleware:
    """Times and counts every ``/graphql`` request; serves ``/metrics``."""

    def __init__(self, app: ASGIApp, metrics: GatewayMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path") != "/graphql":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status, chunks = 500, []

        async def capture(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body" and sum(map(len, chunks)) < _MAX_ERROR_BODY:
                chunks.append(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, capture)
        finally:
            self.metrics.observe(scope, status, b"".join(chunks), time.perf_counter() - started)


def metrics_endpoint(metrics: GatewayMetrics):  # type: ignore[no-untyped-def]
    async def endpoint(request: Request) -> Response:
        await metrics.refresh(request)
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    return endpoint


def mark_worker_gone(pid: int) -> None:
    """Forget a finished worker's live gauges (multiprocess mode only)."""
    if _MULTIPROCESS:
        multiprocess.mark_process_dead(pid)
