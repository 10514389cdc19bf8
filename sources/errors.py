"""The error tree of the source layer, a branch of the gateway's one tree (``domain.errors``).

::

    SourceError                 (code SOURCE_ERROR: the source answered with an unexpected error)
     ├── SourceUnavailable      (code SOURCE_UNAVAILABLE: cannot connect, connection lost, breaker open)
     └── SourceTimeout          (code SOURCE_TIMEOUT: no answer within the source's timeout)

Each carries the source name and a client-safe message.  The underlying driver exception is kept
as ``__cause__`` for the server log only: it may contain SQL, host names or DSNs.  The classes are
defined in ``domain.errors`` (so the table of codes sees them) and re-exported here, where the
source layer and its callers have always imported them from.
"""

from __future__ import annotations

from domain.errors import SourceError, SourceTimeout, SourceUnavailable

__all__ = ["SourceError", "SourceTimeout", "SourceUnavailable"]
