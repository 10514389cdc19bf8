"""``GET /export/{kind}``: the data package as one streamed HTTP response.

Before the response starts: the kind, the format, the filters and the cursor are checked (HTTP
404/406/400, a JSON body shaped like a GraphQL error, ``BAD_USER_INPUT`` for a bad filter), then
every asked province's first page is fetched (a province that cannot answer is HTTP 503/504
naming it: nothing can be delivered in order without it; ``provinces=`` leaves it out).  Then rows
stream in the global order; the body always ends with the manifest line (``gateway.export.encoding``),
whose ``complete`` is false, naming the province, when one fails mid-way.

Admission is ``/graphql``'s own (:class:`ExportOrGraphQL` puts both behind one ``Admission``): the
same bearer tokens, and one rate-limit budget per caller for both paths.  Exports running at once
are bounded per caller and per process (``gateway.export.slots``) before any province is asked.  An official's export
(``Identity.audited``) is one audit entry, written when the export ends (also when the client
breaks off): its filters, its counts, its checksum.  When that entry cannot be written the
manifest says ``complete: false`` with ``AUDIT_UNAVAILABLE``, so no verifying system loads it.

Compression is left to ``gateway.compression`` (Starlette's gzip, or brotli): both compress a
streamed body chunk by chunk with a flush per chunk, so nothing is buffered whole; the checksum is
of the uncompressed bytes.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import anyio
import orjson
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from domain.errors import BadRequest, BadUserInput, GatewayError, InternalError, SourceTimeout, SourceUnavailable
from gateway.audit import make_payload
from gateway.errors import graphql_error
from gateway.export.encoding import ENCODERS, CsvEncoder, NdjsonEncoder
from gateway.export.kinds import KINDS, ExportKind, Plan, Viewer
from gateway.export.merge import WAIT, ProvinceFailed, ProvinceStream, close_all, merged, prime
from gateway.export.params import NotAcceptable, export_format
from gateway.export.slots import RETRY_AFTER_S, ExportSlots
from gateway.runtime import Runtime, runtime_of
from gateway.settings import Settings
from resolvers.identity import PUBLIC, Identity
from sources.errors import SourceError

log = logging.getLogger("yrd.export")

# Rows per province per page: memory is about two pages per province, whatever the export's size.
PAGE_ROWS = 1000
# Bytes gathered before a chunk is sent (also sent early whenever the merge must wait for a page).
CHUNK_BYTES = 64 * 1024


class ExportOrGraphQL:
    """The application behind ``/graphql``'s admission: ``/export/…`` to the export endpoint,
    everything else to the GraphQL view."""

    def __init__(self, graphql: ASGIApp, settings: Settings) -> None:
        self.graphql = graphql
        self.export = ExportEndpoint(settings)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith("/export/"):
            await self.export(scope, receive, send)
        else:
            await self.graphql(scope, receive, send)


class ExportEndpoint:
    """The ASGI endpoint; the caller's identity comes from admission (``yrd_identity``)."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._slots = ExportSlots(settings.limits.max_exports, settings.limits.max_exports_per_caller)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        try:
            give_back = self._slots.take(_caller(request))
        except GatewayError as error:
            await error_response(error, {"Retry-After": str(RETRY_AFTER_S)})(scope, receive, send)
            return
        try:
            await self._export(request, scope, receive, send)
        finally:
            give_back()

    async def _export(self, request: Request, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            export = await self._prepare(request)
        except GatewayError as error:
            await error_response(error)(scope, receive, send)
            return
        body = export.body()
        response = StreamingResponse(body, media_type=export.encoder.media_type, headers=export.headers())
        try:
            await response(scope, receive, send)
        finally:
            # The body's own ``finally`` (the audit entry of a broken-off export) runs now, not
            # whenever the garbage collector finds the generator; shielded from the cancellation
            # that a client's disconnect brings.
            with anyio.CancelScope(shield=True):
                await body.aclose()

    async def _prepare(self, request: Request) -> Export:
        runtime = runtime_of(request.scope)
        if runtime is None:
            raise RuntimeError("the gateway is not running: requests are served inside create_app's lifespan")
        kind = KINDS.get(request.path_params.get("kind") or request.url.path.removeprefix("/export/"))
        if kind is None:
            raise UnknownKind(f"No export of that kind; the kinds are: {', '.join(KINDS)}")
        fmt = export_format(request.query_params, request.headers.get("accept"))
        plan = kind.read(request.query_params, list(runtime.registry.provinces))
        identity: Identity = getattr(request.state, "yrd_identity", PUBLIC)
        viewer = Viewer(identity, self._settings.clock.today())
        streams = [
            ProvinceStream(kind, code, runtime.registry.provinces[code].source, plan, viewer, PAGE_ROWS)
            for code in plan.provinces
        ]
        try:
            await prime(streams)
        except BaseException:
            close_all(streams)
            raise
        client = request.client.host if request.client else None
        return Export(kind, plan, viewer, ENCODERS[fmt](kind.fields), fmt, streams, runtime, client)


def _caller(request: Request) -> str:
    """Whose exports these are: the authenticated subject, else the address (as the rate limit counts)."""
    identity: Identity = getattr(request.state, "yrd_identity", PUBLIC)
    return identity.rate_key or f"addr:{request.client.host if request.client else 'unknown'}"


class UnknownKind(BadRequest):
    """``/export/{kind}`` names no kind (answered HTTP 404)."""


_STATUS: list[tuple[type[GatewayError], int]] = [
    (UnknownKind, 404), (NotAcceptable, 406), (BadUserInput, 400), (SourceUnavailable, 503),
    (SourceTimeout, 504), (SourceError, 502), (BadRequest, 400),
]


def error_response(error: GatewayError, headers: dict[str, str] | None = None) -> Response:
    """A refused export: the GraphQL error shape (``errors[0].extensions.code``) and its status."""
    status = next((code for cls, code in _STATUS if isinstance(error, cls)), error.http_status)
    body = {"errors": [graphql_error(error).formatted]}
    return Response(orjson.dumps(body), status_code=status, media_type="application/json",
                    headers={"Cache-Control": "no-store", **(headers or {})})


@dataclass
class Tally:
    """What has been sent so far: bytes (and their digest), rows, rows per province, last cursor."""

    provinces: list[str]
    cursor: str | None
    rows: int = 0
    size: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    failed: list[dict[str, Any]] = field(default_factory=list)
    digest: Any = field(default_factory=hashlib.sha256)

    def take(self, buffer: bytearray) -> bytes:
        chunk = bytes(buffer)
        buffer.clear()
        self.digest.update(chunk)
        self.size += len(chunk)
        return chunk

    @property
    def complete(self) -> bool:
        return not self.failed


@dataclass
class Export:
    """One export in progress."""

    kind: ExportKind[Any]
    plan: Plan
    viewer: Viewer
    encoder: NdjsonEncoder | CsvEncoder
    format: str
    streams: Sequence[ProvinceStream]
    runtime: Runtime
    client: str | None
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    started: datetime = field(default_factory=lambda: datetime.now(UTC))

    def headers(self) -> dict[str, str]:
        name = f"{self.kind.name}-{self.viewer.today.isoformat()}.{self.encoder.extension}"
        return {
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store" if self.viewer.identity.is_public else "private, no-store",
            "Vary": "Accept, Authorization, Accept-Encoding",
            "X-Export-Id": self.id,
            "X-Content-Type-Options": "nosniff",
        }

    async def body(self) -> AsyncIterator[bytes]:
        """The rows, then the manifest; the audit entry of an official's export on every ending."""
        tally = Tally(self.plan.provinces, self.plan.after, counts=dict.fromkeys(self.plan.provinces, 0))
        sealed = False
        try:
            buffer = bytearray(self.encoder.header())
            async for chunk in self._rows(tally, buffer):
                yield chunk
            if buffer:
                yield tally.take(buffer)
            audit_failure = await self._audit(tally, ended="end")
            if audit_failure is not None:
                tally.failed.append(audit_failure)
            sealed = True
            yield self.encoder.manifest(self.manifest(tally))
        finally:
            close_all(self.streams)
            if not sealed:
                await self._audit(tally, ended="broken off")

    async def _rows(self, tally: Tally, buffer: bytearray) -> AsyncIterator[bytes]:
        kind, plan, viewer, encoder = self.kind, self.plan, self.viewer, self.encoder
        try:
            async for group in merged(kind, self.streams):
                if group is WAIT:
                    if buffer:
                        yield tally.take(buffer)
                    continue
                tally.cursor = kind.cursor(*group[-1])
                buffer += encoder.row(tally.cursor, kind.record(group, plan, viewer))
                tally.rows += 1
                for code, _ in group:
                    tally.counts[code] += 1
                if len(buffer) >= CHUNK_BYTES:
                    yield tally.take(buffer)
        except ProvinceFailed as failure:
            log.warning("export %s of %s stopped: province %s failed (%s)", self.id, kind.name, failure.code,
                        failure.error.code)
            error = failure.error
            tally.failed.append({"province": failure.code, "code": error.code, "message": error.message})
        except Exception as exc:  # never a silent short file: the manifest says it stopped
            error_id = uuid.uuid4().hex[:12]
            log.error("export %s failed unexpectedly (reference %s)", self.id, error_id, exc_info=exc)
            tally.failed.append({"province": None, "code": InternalError.code, "errorId": error_id,
                                 "message": f"Internal error (reference {error_id})"})

    def manifest(self, tally: Tally) -> dict[str, Any]:
        missing = [f["province"] for f in tally.failed if f.get("province")]
        return {
            "exportId": self.id,
            "kind": self.kind.name,
            "format": self.format,
            "filters": self.plan.filters,
            "after": self.plan.after,
            "asOf": self.viewer.today.isoformat(),
            "generatedAt": self.started.isoformat(timespec="seconds"),
            "fields": ["cursor", *self.kind.fields],
            "complete": tally.complete,
            "rows": tally.rows,
            "counts": tally.counts,
            "coverage": {
                "complete": not missing,
                "answered": [c for c in tally.provinces if c not in missing],
                "missing": missing,
                "provinces": [
                    {"province": c, "status": "failed" if c in missing else "answered", "rows": tally.counts[c]}
                    for c in tally.provinces
                ],
            },
            "failed": tally.failed,
            "cursor": tally.cursor,
            "sha256": tally.digest.hexdigest(),
            "bytes": tally.size,
            "warnings": self.plan.warnings,
        }

    async def _audit(self, tally: Tally, *, ended: str) -> dict[str, Any] | None:
        """One audit entry for an official's export; the failure to put in the manifest, if any."""
        identity = self.viewer.identity
        if not identity.audited:
            return None
        payload = export_audit_payload(self, tally, ended)
        try:
            with anyio.CancelScope(shield=True):
                await self.runtime.audit.record(payload)
        except OSError:
            log.exception("audit spool write failed for export %s", self.id)
            return {"province": None, "code": "AUDIT_UNAVAILABLE",
                    "message": "The audit trail cannot be written; do not load this package"}
        return None


def export_audit_payload(export: Export, tally: Tally, ended: str) -> str:
    """The audit entry of one export: the subject is the export, by its id, and an ``export``
    member holds its filters and counts."""
    details = {"export": {
        "kind": export.kind.name, "format": export.format, "filters": export.plan.filters,
        "after": export.plan.after, "cursor": tally.cursor, "rows": tally.rows, "counts": tally.counts,
        "complete": tally.complete and ended == "end", "ended": ended, "failed": tally.failed,
        "sha256": tally.digest.hexdigest() if ended == "end" else None,
    }}
    return make_payload(
        export.viewer.identity, [("export", export.id)], client=export.client,
        operation=f"export {export.kind.name}", result_count=tally.rows, at=export.started, details=details,
    )
