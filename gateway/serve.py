"""Serving the gateway over HTTP: the one place uvicorn is started.

Both ``yrd-gateway serve`` (``gateway.cli``) and ``yrd-gateway demo`` (``gateway.demo``) end
here, so neither command module needs the other.
"""

from __future__ import annotations

import uvicorn

from gateway.app import create_app
from gateway.settings import Settings


def serve(settings: Settings, host: str, port: int) -> None:
    """Run the gateway built from ``settings`` on ``host:port`` until interrupted."""
    # No access log line per request: at portal rates it costs more than the request's own work.
    uvicorn.run(create_app(settings), host=host, port=port, log_level="info", access_log=False)
