"""Opaque cursors and the merge of per-province keyset pages into one global order.

Each province is asked for ``first + 1`` rows strictly after the cursor in the same order; the
merged, de-duplicated prefix of length ``first`` is exactly the next page of the global order,
and ``hasNextPage`` is true iff the merge holds more than ``first`` distinct items.  No OFFSET.
``first`` itself is checked once, before execution, for every paged field (``PAGE_TOO_LARGE``,
``gateway.limits``), so a page function here can trust it.
"""

from __future__ import annotations

import base64
import json
from datetime import date
from typing import Any

import orjson

from domain.errors import BadUserInput


class CursorError(BadUserInput):
    """A client sent a cursor this gateway did not make."""

    def __init__(self, argument: str = "after") -> None:
        super().__init__(f"{argument}: invalid cursor (use an endCursor or edge cursor returned by this API)")


def encode(kind: str, payload: dict[str, Any]) -> str:
    # orjson writes the bytes json.dumps(separators=(",", ":"), ensure_ascii=False) would, encoded
    # as UTF-8 (so cursors made before stay valid), ~4x faster: a page makes a cursor per edge.
    return base64.urlsafe_b64encode(orjson.dumps({"k": kind, **payload})).decode()


def decode(kind: str, cursor: str) -> dict[str, Any]:
    try:
        payload = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (ValueError, UnicodeError):
        raise CursorError() from None
    if not isinstance(payload, dict) or payload.get("k") != kind:
        raise CursorError()
    return payload


def enterprise_cursor(uscc: str) -> str:
    return encode("e", {"u": uscc})


def decode_enterprise_cursor(cursor: str) -> str:
    uscc = decode("e", cursor).get("u")
    if not isinstance(uscc, str):
        raise CursorError()
    return uscc


def credit_cursor(decided: date, record_number: str, province: str) -> str:
    return encode("c", {"d": decided.isoformat(), "n": record_number, "p": province})


def decode_credit_cursor(cursor: str) -> tuple[date, str, str]:
    payload = decode("c", cursor)
    try:
        return date.fromisoformat(payload["d"]), str(payload["n"]), str(payload["p"])
    except (KeyError, TypeError, ValueError):
        raise CursorError() from None


def credit_sort_key(decided: date, record_number: str, province: str) -> tuple[int, str, str]:
    """Global order of credit records: newest decision first, then record number descending, then
    province code ascending (record numbers are only unique within a province)."""
    return (-decided.toordinal(), _descending(record_number), province)


def _descending(text: str) -> str:
    # Invert each code point so that ascending order of the result is descending order of text;
    # a terminator makes a prefix sort after its extensions, as it must when descending.
    return "".join(chr(0x10FFFF - ord(ch)) for ch in text) + chr(0x10FFFF)
