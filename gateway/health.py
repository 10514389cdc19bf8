"""Health endpoints for the people who run the gateway and for their orchestrator.

- ``/livez``: the process runs and its event loop answers (restart it when this fails).
- ``/readyz``: ready to serve: started (inside its lifespan, not shutting down) and at least one
  province reachable within a short budget; JSON with each source's state, breaker and index lag;
  HTTP 503 when not ready (take it out of the load balancer, do not restart it).
- ``/healthz``: an alias of ``/readyz`` (what load balancers usually probe).

No DSN, host name or driver message appears in an answer: only source names and states.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from gateway.runtime import Runtime, runtime_of
from sources import central_queries
from sources import province_queries as q
from sources.base import Source
from sources.config import CENTRAL
from sources.errors import SourceError
from sources.registry import breaker_state

READY_BUDGET_S = 1.0  # a probe that takes longer counts as unreachable: readiness must answer fast


async def livez(_: Request) -> JSONResponse:
    # The process id tells which worker answered when several share the port.
    return JSONResponse({"status": "live", "pid": os.getpid()})


async def readyz(request: Request) -> JSONResponse:
    runtime = runtime_of(request.scope)
    if runtime is None or runtime.closing:
        return JSONResponse({"status": "unavailable", "reason": "not started or shutting down"}, status_code=503)
    sources = await _source_states(runtime)
    ready = any(s["reachable"] for s in sources if s["source"] != CENTRAL)
    body = {"status": "ok" if ready else "unavailable", "sources": sources}
    if not ready:
        body["reason"] = "no province is reachable"
    return JSONResponse(body, status_code=200 if ready else 503)


async def _source_states(runtime: Runtime) -> list[dict[str, Any]]:
    registry = runtime.registry
    named = registry.named()
    reachable, lags = await asyncio.gather(
        asyncio.gather(*(_reachable(source) for _, source in named)), _index_lags(registry.central)
    )
    return [
        {
            "source": name,
            "reachable": ok,
            "breaker": breaker_state(source),
            **({"indexLagMs": lags.get(name)} if name != CENTRAL else {}),
        }
        for (name, source), ok in zip(named, reachable, strict=True)
    ]


async def _reachable(source: Source) -> bool:
    try:
        async with asyncio.timeout(READY_BUDGET_S):
            return await q.ping(source)
    except (SourceError, TimeoutError):
        return False


async def _index_lags(central: Source) -> dict[str, float | None]:
    with contextlib.suppress(SourceError, TimeoutError):
        async with asyncio.timeout(READY_BUDGET_S):
            freshness = await central_queries.index_freshness(central)
            return {code: round(f.lag_ms, 1) if f.lag_ms is not None else None for code, f in freshness.items()}
    return {}
