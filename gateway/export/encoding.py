"""The bytes of a data package: rows as NDJSON or CSV, and the manifest line that ends it.

Both formats end with exactly one manifest line, the last line of the body, and the manifest's
``sha256`` covers every byte before it (the CSV header included, the manifest line excluded), as
the client receives them after undoing any ``Content-Encoding``:

    head -n -1 package | sha256sum      # equals: tail -n 1 package | sed 's/^#//' | jq -r .manifest.sha256

NDJSON: one JSON object per line, ``cursor`` first then the kind's fields; the manifest line is
``{"manifest": {...}}`` (no row has a ``manifest`` key).  CSV (RFC 4180, UTF-8, CRLF, a header
row): the manifest line is ``#`` followed by the same JSON; no row line can start with ``#``
because every row starts with its cursor (URL-safe base64).  In CSV a null is an empty field,
booleans are ``true``/``false``, a list of codes is joined by ``;`` and a list of objects (a
certificate's items) is JSON.
"""

from __future__ import annotations

import csv
import io
from typing import Any

import orjson


class NdjsonEncoder:
    media_type = "application/x-ndjson"
    extension = "ndjson"

    def __init__(self, fields: tuple[str, ...]) -> None:
        self.fields = fields

    def header(self) -> bytes:
        return b""

    def row(self, cursor: str, record: dict[str, Any]) -> bytes:
        return orjson.dumps({"cursor": cursor, **record}) + b"\n"

    def manifest(self, manifest: dict[str, Any]) -> bytes:
        return manifest_json(manifest) + b"\n"


class CsvEncoder:
    media_type = "text/csv; charset=utf-8"
    extension = "csv"

    def __init__(self, fields: tuple[str, ...]) -> None:
        self.fields = fields
        self._buffer = io.StringIO()
        self._writer = csv.writer(self._buffer, lineterminator="\r\n")

    def header(self) -> bytes:
        return self._line(["cursor", *self.fields])

    def row(self, cursor: str, record: dict[str, Any]) -> bytes:
        return self._line([cursor, *(csv_cell(record[name]) for name in self.fields)])

    def manifest(self, manifest: dict[str, Any]) -> bytes:
        return b"#" + manifest_json(manifest) + b"\r\n"

    def _line(self, cells: list[str]) -> bytes:
        self._writer.writerow(cells)
        text = self._buffer.getvalue()
        self._buffer.seek(0)
        self._buffer.truncate()
        return text.encode("utf-8")


def csv_cell(value: Any) -> str:
    """One value as CSV text (the rules of the module docstring)."""
    if value is None:
        return ""
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, list):
        if all(isinstance(item, str) for item in value):
            return ";".join(value)
        return orjson.dumps(value).decode()
    return str(value)


def manifest_json(manifest: dict[str, Any]) -> bytes:
    return orjson.dumps({"manifest": manifest})


ENCODERS = {"ndjson": NdjsonEncoder, "csv": CsvEncoder}
