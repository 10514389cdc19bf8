"""Reading data packages as a provincial system would: split off the manifest (the last line),
check the body against its sha256, parse the rows; and walking the GraphQL lists to compare."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from dataclasses import dataclass
from typing import Any

import httpx

from tests.tokens import ask


@dataclass(frozen=True)
class Package:
    """One downloaded package: its rows (dicts, ``cursor`` first), its manifest, its raw body."""

    rows: list[dict[str, Any]]
    manifest: dict[str, Any]
    body: bytes


def split(body: bytes) -> tuple[bytes, bytes]:
    """The bytes the checksum covers and the manifest line (the last line)."""
    cut = body.rstrip(b"\r\n").rfind(b"\n") + 1
    return body[:cut], body[cut:]


def read_package(body: bytes, fmt: str = "ndjson") -> Package:
    """Parse a package and verify it the way ``deploy/EXPORT_FORMAT.md`` says (asserting)."""
    covered, last = split(body)
    text = last.decode().strip()
    if fmt == "csv":
        assert text.startswith("#"), text[:80]
        text = text[1:]
    manifest = json.loads(text)["manifest"]
    assert manifest["sha256"] == hashlib.sha256(covered).hexdigest()
    assert manifest["bytes"] == len(covered)
    rows = ndjson_rows(covered) if fmt == "ndjson" else csv_rows(covered)
    assert manifest["rows"] == len(rows)
    assert manifest["cursor"] == (rows[-1]["cursor"] if rows else manifest["after"])
    return Package(rows, manifest, body)


def ndjson_rows(covered: bytes) -> list[dict[str, Any]]:
    return [json.loads(line) for line in covered.decode().splitlines() if line]


def csv_rows(covered: bytes) -> list[dict[str, Any]]:
    return list(csv.DictReader(io.StringIO(covered.decode(), newline="")))


async def export(client: httpx.AsyncClient, kind: str, headers: dict[str, str] | None = None,
                 fmt: str = "ndjson", **params: Any) -> Package:
    """GET a package (HTTP 200 asserted) and verify it."""
    response = await client.get(f"/export/{kind}", params={"format": fmt, **params}, headers=headers or {})
    assert response.status_code == 200, response.text
    return read_package(response.content, fmt)


async def walk(client: httpx.AsyncClient, query: str, field: str, headers: dict[str, str] | None = None,
               **variables: Any) -> list[dict[str, Any]]:
    """Every edge of a GraphQL list, page after page."""
    edges: list[dict[str, Any]] = []
    after = None
    while True:
        body = await ask(client, query, headers, after=after, **variables)
        assert "errors" not in body, body["errors"]
        page = body["data"][field]
        assert page["coverage"]["complete"]
        edges += page["edges"]
        if not page["pageInfo"]["hasNextPage"]:
            return edges
        after = page["pageInfo"]["endCursor"]


def flat(node: dict[str, Any]) -> dict[str, Any]:
    """A GraphQL node with its provinces as codes, as the package writes them."""
    out = {}
    for key, value in node.items():
        if isinstance(value, dict) and set(value) == {"code"}:
            value = value["code"]
        elif isinstance(value, list) and value and isinstance(value[0], dict) and set(value[0]) == {"code"}:
            value = [v["code"] for v in value]
        out[key] = value
    return out


def without_cursor(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in row.items() if k != "cursor"}
