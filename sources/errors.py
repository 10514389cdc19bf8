"""The error tree of the source layer.

::

    SourceError                 (code SOURCE_ERROR: the source answered with an unexpected error)
     ├── SourceUnavailable      (code SOURCE_UNAVAILABLE: cannot connect, connection lost, breaker open)
     └── SourceTimeout          (code SOURCE_TIMEOUT: no answer within the source's timeout)

Each carries the source name and a client-safe message.  The underlying driver exception is kept
as ``__cause__`` for the server log only: it may contain SQL, host names or DSNs.
"""

from __future__ import annotations


class SourceError(Exception):
    """A source failed; ``message`` is safe to show to clients."""

    code = "SOURCE_ERROR"
    status = "error"

    def __init__(self, source: str, message: str, *, sent: bool = True) -> None:
        super().__init__(f"{source}: {message}")
        self.source = source
        self.message = message
        # False when the statement never left the gateway (circuit open): not counted as sent.
        self.sent = sent


class SourceUnavailable(SourceError):
    """The source cannot be reached (down, refusing connections, or its circuit is open)."""

    code = "SOURCE_UNAVAILABLE"
    status = "unavailable"


class SourceTimeout(SourceError):
    """The source did not answer within its configured timeout."""

    code = "SOURCE_TIMEOUT"
    status = "timeout"
