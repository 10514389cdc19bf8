"""Serving the gateway over HTTP: the one place uvicorn is started.

Both ``yrd-gateway serve`` (``gateway.cli``) and ``yrd-gateway demo`` (``gateway.demo``) end
here, so neither command module needs the other.

uvicorn is configured from ``[server]`` so that no client can hold a connection for free:

* the request line and headers must arrive within ``header_timeout_ms`` (uvicorn has no such
  deadline of its own: a slowloris client trickling header bytes is never disconnected), and be at
  most ``max_header_bytes`` (a 400 beyond it; see ``HeaderDeadlineProtocol``);
* the body must arrive within ``body_timeout_ms`` (``gateway.admission``);
* an idle keep-alive connection is closed after ``keep_alive_ms``; beyond ``max_connections``
  uvicorn answers 503.

uvicorn's own proxy-header handling is off (by default it believes ``X-Forwarded-For`` from
loopback): the client address is resolved once, in admission, from ``[server] trusted_proxies``.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket

import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from gateway.app import create_app
from gateway.metrics import mark_worker_gone
from gateway.settings import ServerSettings, Settings


class HeaderDeadlineProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol (llhttp, in C: about 0.2 ms a request less than h11 on a page of
    50) with two bounds on each request's line and headers:

    * a deadline, armed when the connection opens and when a response completes with no pipelined
      request waiting (the next request may follow on a keep-alive connection), disarmed once the
      headers are complete; at the deadline the connection is closed;
    * a size: the bytes received while a request's headers are incomplete may not exceed
      ``max_header_bytes`` (httptools would gather a header that never ends); beyond it, HTTP 400
      and the connection is closed.  A read holding the end of one request's body and the start of
      the next (pipelining) counts whole: a conservative error, never an unbounded header."""

    header_timeout_s: float = 10.0
    max_header_bytes: int = 16 * 1024
    _header_deadline: asyncio.TimerHandle | None = None
    _in_headers: bool = False
    _header_bytes: int = 0

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_header_deadline()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm_header_deadline()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self._in_headers and not self.transport.is_closing():
            self._header_bytes += len(data)
            if self._header_bytes > self.max_header_bytes:
                self._disarm_header_deadline()
                self.send_400_response(f"Request headers are larger than {self.max_header_bytes} bytes")

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._in_headers, self._header_bytes = True, 0

    def on_headers_complete(self) -> None:
        self._in_headers = False
        self._disarm_header_deadline()  # the headers are in: the body has its own deadline
        super().on_headers_complete()

    def handle_websocket_upgrade(self) -> None:
        self._disarm_header_deadline()  # the connection now belongs to the WebSocket protocol
        super().handle_websocket_upgrade()

    def on_response_complete(self) -> None:
        if not self.transport.is_closing() and not self.pipeline:
            self._arm_header_deadline()  # a pipelined request waiting has its headers in already
        super().on_response_complete()

    def _arm_header_deadline(self) -> None:
        self._disarm_header_deadline()
        self._header_deadline = self.loop.call_later(self.header_timeout_s, self._header_deadline_passed)

    def _disarm_header_deadline(self) -> None:
        if self._header_deadline is not None:
            self._header_deadline.cancel()
            self._header_deadline = None

    def _header_deadline_passed(self) -> None:
        self._header_deadline = None
        if not self.transport.is_closing():
            self.logger.info("closing a connection whose request headers took over %g s", self.header_timeout_s)
            self.transport.close()


def protocol_for(server: ServerSettings) -> type[HeaderDeadlineProtocol]:
    """The protocol class with this configuration's header deadline and size."""
    timeout_s = server.header_timeout_ms / 1000
    return type("GatewayHttpProtocol", (HeaderDeadlineProtocol,),
                {"header_timeout_s": timeout_s, "max_header_bytes": server.max_header_bytes})


GRACEFUL_SHUTDOWN_S = 20


def server_config(settings: Settings, host: str, port: int) -> uvicorn.Config:
    """The uvicorn configuration for the gateway built from ``settings`` (tests start it too)."""
    s = settings.server
    return uvicorn.Config(
        create_app(settings), host=host, port=port, log_level="info",
        access_log=False,  # no line per request: at portal rates it costs more than the request's own work
        http=protocol_for(s), proxy_headers=False,
        timeout_keep_alive=s.keep_alive_ms / 1000,  # type: ignore[arg-type]  # call_later takes seconds as float
        limit_concurrency=s.max_connections,
        # Logging is configured once, as JSON lines (gateway.logs); uvicorn keeps its hands off.
        log_config=None,
        # No `server: uvicorn` banner: what runs behind the gateway is nobody's business.
        server_header=False,
        # On SIGTERM uvicorn stops accepting, lets in-flight requests finish within this deadline,
        # then the lifespan closes the runtime (index sync, audit spool flush, pools).
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_S,
    )


def serve(settings: Settings, host: str, port: int, workers: int = 1) -> None:
    """Run the gateway built from ``settings`` on ``host:port`` until interrupted; with ``workers``
    > 1, that many processes share the listening socket (each with its own pools)."""
    # CPython's default collection thresholds: the application freezes its start-up heap
    # (gateway.app), and a request no longer allocates an object per field.  The thresholds once
    # raised here (50,000, 20, 50) bought no latency or throughput any more and made the resident
    # set creep ~0.2 MB a minute under steady load (20 minutes at 212 requests/s: +5.2%, still
    # rising), where the defaults hold it flat (8 minutes at 210 requests/s: +0.1%).
    if workers > 1:
        _serve_workers(settings, host, port, workers)
        return
    server = uvicorn.Server(server_config(settings, host, port))
    server.run()
    if not server.started:
        raise SystemExit(3)  # uvicorn.run's exit status when the server could not start


def _serve_workers(settings: Settings, host: str, port: int, workers: int) -> None:
    """Pre-fork: one listening socket, ``workers`` children each running its own uvicorn server
    and runtime.  The index sync runs in every child but works once: per province one leader holds
    the advisory lock, the others stand by.  SIGTERM/SIGINT are passed on; each child shuts down
    gracefully and the parent waits for all of them."""
    listener = socket.create_server((host, port), backlog=2048)
    listener.set_inheritable(True)
    children = [_fork_worker(settings, host, port, listener) for _ in range(workers)]
    listener.close()

    def pass_on(signum: int, _frame: object) -> None:
        for pid in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signum)

    signal.signal(signal.SIGTERM, pass_on)
    signal.signal(signal.SIGINT, pass_on)
    failed = False
    for pid in children:
        _, status = os.waitpid(pid, 0)
        failed |= os.waitstatus_to_exitcode(status) not in (0, -signal.SIGTERM, -signal.SIGINT)
        mark_worker_gone(pid)
    if failed:
        raise SystemExit(3)


def _fork_worker(settings: Settings, host: str, port: int, listener: socket.socket) -> int:
    pid = os.fork()
    if pid:
        return pid
    code = 3
    try:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)  # uvicorn installs its own handlers
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        server = uvicorn.Server(server_config(settings, host, port))
        server.run(sockets=[listener])
        code = 0 if server.started else 3
    finally:
        os._exit(code)
