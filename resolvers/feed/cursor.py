"""Feed cursors: an opaque string holding a position per province ({province: (txid, position)}).

A position is the province's own (its outbox), so a cursor taken on one replica resumes on any
other.  A province absent from a cursor is read from where the gateway stands when resuming.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping

from domain.errors import BadUserInput
from domain.provinces import is_province_code
from sources.feed_queries import FeedPosition

_PREFIX = "f1:"
_MAX_CURSOR = 4096


def encode(positions: Mapping[str, FeedPosition]) -> str:
    body = {code: [p.txid, p.position] for code, p in sorted(positions.items())}
    raw = json.dumps(body, separators=(",", ":")).encode()
    return _PREFIX + base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(cursor: str) -> dict[str, FeedPosition]:
    """The positions of a cursor this gateway produced; anything else is a BAD_USER_INPUT."""
    if len(cursor) > _MAX_CURSOR or not cursor.startswith(_PREFIX):
        raise _bad()
    text = cursor[len(_PREFIX):]
    try:
        body = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise _bad() from None
    if not isinstance(body, dict):
        raise _bad()
    positions: dict[str, FeedPosition] = {}
    for code, value in body.items():
        if not (is_province_code(code) and isinstance(value, list) and len(value) == 2
                and all(type(v) is int and 0 <= v < 2**63 for v in value)):
            raise _bad()
        positions[code] = FeedPosition(value[0], value[1])
    return positions


def _bad() -> BadUserInput:
    return BadUserInput("after: not a feed position (pass the `position` of an event this gateway sent)")
