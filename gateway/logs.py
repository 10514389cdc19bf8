"""Logs as JSON lines with the request id, and nothing in them that must not be there.

One line per event: ``ts``, ``level``, ``logger``, ``message``, ``request_id`` (when inside a
request).  An exception is logged as its class and where it was raised, never as a traceback or
its message: driver messages can hold SQL text, host names or DSNs, and tracebacks show values.

The request id comes from the caller's ``X-Request-ID`` when it is a short token, else it is
generated; it is returned in the ``X-Request-ID`` response header and in ``extensions.requestId``.
"""

from __future__ import annotations

import contextvars
import logging
import re
import sys
import time
import uuid
from typing import Any

import orjson
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

REQUEST_ID: contextvars.ContextVar[str | None] = contextvars.ContextVar("yrd_request_id", default=None)
_ACCEPTED_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")


class JsonFormatter(logging.Formatter):
    """One JSON object per line; exceptions reduced to their class and origin."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = REQUEST_ID.get()
        if request_id is not None:
            entry["request_id"] = request_id
        if record.exc_info and record.exc_info[1] is not None:
            entry["error"] = _described(record.exc_info[1])
        return orjson.dumps(entry).decode()


def _described(exc: BaseException) -> dict[str, str]:
    """The exception's class and the innermost frame it came from (file, function and line)."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    where = (
        f"{tb.tb_frame.f_code.co_filename.rsplit('/', 1)[-1]}:{tb.tb_frame.f_code.co_name}:{tb.tb_lineno}" if tb else ""
    )
    return {"type": type(exc).__name__, "where": where}


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is when a line is logged, not what it was when the handler
    was made (a command run in-process, as the tests do, must not keep a replaced stream)."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property  # type: ignore[override]
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _: Any) -> None:
        pass


def configure_logging(level: int = logging.INFO) -> None:
    """JSON lines on stderr for every logger (the CLI calls this; calling it again adds no second
    handler, and handlers others put on the root logger stay)."""
    handler = _StderrHandler()
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    for previous in [h for h in root.handlers if isinstance(h, _StderrHandler)]:
        root.removeHandler(previous)
    root.addHandler(handler)
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True


def request_id_of(scope: Scope) -> str | None:
    return scope.get("state", {}).get("yrd_request_id")


class RequestIdMiddleware:
    """Gives every HTTP request an id (the caller's ``X-Request-ID`` if acceptable) for logs and answers."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _incoming_id(scope) or uuid.uuid4().hex
        scope.setdefault("state", {})["yrd_request_id"] = request_id
        token = REQUEST_ID.set(request_id)

        async def with_header(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)["X-Request-ID"] = request_id
            await send(message)

        try:
            await self.app(scope, receive, with_header)
        finally:
            REQUEST_ID.reset(token)


def _incoming_id(scope: Scope) -> str | None:
    for name, value in scope.get("headers", []):
        if name == b"x-request-id":
            text = value.decode("latin-1")
            return text if _ACCEPTED_ID.fullmatch(text) else None
    return None
