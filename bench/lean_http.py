"""A lean HTTP/1.1 client for the measured requests, as ``wrk`` is for the issue's figures.

The gateway's latency is measured from outside, and on this 2-core machine the load generator
shares the cores with the gateway and the databases: whatever the client spends per request is
timed as gateway latency and taken from the gateway's CPU.  httpx builds a request object, runs
h11's state machine and its decoder chain per request (~0.2-0.3 ms of a 3 ms answer).  This client
keeps one keep-alive connection per worker, writes the request bytes it made once per body, and
reads the status line, the headers it needs (``Content-Length``, ``Transfer-Encoding``,
``Content-Encoding``) and the body.  It asks for brotli as browsers do and decodes it, so the
body can be checked for errors.  Checks of the answers themselves use httpx (``bench.verify``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from types import TracebackType
from urllib.parse import urlsplit

import brotli
import orjson

_READ_LIMIT = 1 << 20


class HTTPError(RuntimeError):
    """The server's answer could not be read as HTTP/1.1."""


class Response:
    __slots__ = ("body", "status")

    def __init__(self, status: int, body: bytes) -> None:
        self.status = status
        self.body = body


class LeanClient:
    """POSTs of JSON to one server over at most ``connections`` keep-alive connections."""

    def __init__(self, url: str, connections: int, headers: Mapping[str, str] | None = None) -> None:
        parts = urlsplit(url)
        if parts.scheme != "http" or parts.hostname is None:
            raise ValueError(f"only http:// URLs are supported, got {url!r}")
        self._host, self._port = parts.hostname, parts.port or 80
        extra = "".join(f"{name}: {value}\r\n" for name, value in (headers or {}).items())
        self._head = (
            f"Host: {parts.netloc}\r\nContent-Type: application/json\r\nAccept: application/json\r\n"
            f"Accept-Encoding: br\r\n{extra}"
        ).encode()
        self._idle: asyncio.LifoQueue[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = asyncio.LifoQueue()
        self._open: list[asyncio.StreamWriter] = []
        self._room = connections

    async def __aenter__(self) -> LeanClient:
        return self

    async def __aexit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        for writer in self._open:
            writer.close()

    async def post_json(self, path: str, payload: object) -> Response:
        body = orjson.dumps(payload)
        request = b"POST %s HTTP/1.1\r\n%sContent-Length: %d\r\n\r\n%s" % (path.encode(), self._head, len(body), body)
        reused, (reader, writer) = await self._connection()
        try:
            writer.write(request)
            response = await _read_response(reader)
        except asyncio.IncompleteReadError as exc:
            self._drop(writer)
            if not reused or exc.partial:
                raise
            # The server closed a keep-alive connection as it sat idle (its keep-alive timeout) and
            # the close crossed this request: nothing was answered, so it goes once more on a new one.
            reader, writer = await self._new_connection()
            try:
                writer.write(request)
                response = await _read_response(reader)
            except BaseException:
                self._drop(writer)
                raise
        except BaseException:
            self._drop(writer)
            raise
        self._idle.put_nowait((reader, writer))
        return response

    async def _connection(self) -> tuple[bool, tuple[asyncio.StreamReader, asyncio.StreamWriter]]:
        """(reused, connection): an idle one still open, else a new one while there is room."""
        while True:
            if self._idle.empty() and self._room > 0:
                return False, await self._new_connection()
            reader, writer = await self._idle.get()
            if not reader.at_eof() and not writer.is_closing():
                return True, (reader, writer)
            self._drop(writer)  # closed by the server while idle

    async def _new_connection(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        self._room -= 1
        try:
            reader, writer = await asyncio.open_connection(self._host, self._port, limit=_READ_LIMIT)
        except BaseException:
            self._room += 1
            raise
        self._open.append(writer)
        return reader, writer

    def _drop(self, writer: asyncio.StreamWriter) -> None:
        writer.close()
        if writer in self._open:
            self._open.remove(writer)
            self._room += 1


async def _read_response(reader: asyncio.StreamReader) -> Response:
    head = await reader.readuntil(b"\r\n\r\n")
    status_line, *lines = head[:-4].split(b"\r\n")
    try:
        status = int(status_line.split(b" ", 2)[1])
    except (IndexError, ValueError):
        raise HTTPError(f"not an HTTP status line: {status_line[:80]!r}") from None
    headers = {}
    for line in lines:
        name, _, value = line.partition(b":")
        headers[name.strip().lower()] = value.strip()
    if headers.get(b"transfer-encoding", b"").lower() == b"chunked":
        body = await _read_chunked(reader)
    else:
        body = await reader.readexactly(int(headers.get(b"content-length", b"0")))
    encoding = headers.get(b"content-encoding", b"").lower()
    if encoding == b"br":
        body = brotli.decompress(body)
    elif encoding not in (b"", b"identity"):
        raise HTTPError(f"unexpected Content-Encoding {encoding!r}")
    return Response(status, body)


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    parts = []
    while True:
        size = int((await reader.readuntil(b"\r\n")).split(b";", 1)[0], 16)
        if size == 0:
            await reader.readuntil(b"\r\n")  # no trailers are sent: the empty line that ends the body
            return b"".join(parts)
        parts.append(await reader.readexactly(size))
        await reader.readexactly(2)
