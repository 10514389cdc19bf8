"""The package as a provincial system reads it: CSV equal to NDJSON, the manifest's checksum and
counts recomputed, resuming from a cursor mid-way yields exactly the rest, gzip as asked."""

from __future__ import annotations

import gzip
import json

import httpx
import pytest

from gateway.export.encoding import csv_cell
from gateway.export.kinds import KINDS
from tests.conftest import Stack
from tests.export.packages import export, read_package
from tests.tokens import headers_for

ALL_KINDS = list(KINDS)


@pytest.mark.parametrize("kind", ALL_KINDS)
async def test_csv_parses_and_matches_ndjson(client: httpx.AsyncClient, stack: Stack, kind: str) -> None:
    headers = headers_for(stack.settings, "regulator_sh")
    ndjson = await export(client, kind, headers)
    as_csv = await export(client, kind, headers, fmt="csv")
    assert as_csv.rows and len(as_csv.rows) == len(ndjson.rows)
    assert list(as_csv.rows[0]) == ["cursor", *KINDS[kind].fields]  # the header row, in field order
    assert as_csv.rows == [{k: csv_cell(v) for k, v in row.items()} for row in ndjson.rows]
    assert {k: v for k, v in as_csv.manifest.items() if k not in _PER_RESPONSE} == {
        k: v for k, v in ndjson.manifest.items() if k not in _PER_RESPONSE
    }


_PER_RESPONSE = {"exportId", "format", "sha256", "bytes", "generatedAt"}


async def test_descriptions_with_commas_quotes_and_newlines_survive_csv(client: httpx.AsyncClient) -> None:
    as_csv = await export(client, "credit-records", fmt="csv")
    ndjson = await export(client, "credit-records")
    assert any("," in r["description"] or "，" in r["description"] for r in ndjson.rows)
    assert [r["description"] for r in as_csv.rows] == [r["description"] for r in ndjson.rows]


@pytest.mark.parametrize("kind", ALL_KINDS)
@pytest.mark.parametrize("fmt", ["ndjson", "csv"])
async def test_resume_from_a_cursor_yields_exactly_the_rest(
    client: httpx.AsyncClient, stack: Stack, kind: str, fmt: str
) -> None:
    headers = headers_for(stack.settings, "regulator_js")
    whole = await export(client, kind, headers, fmt=fmt)
    assert len(whole.rows) >= 3
    for cut in (1, len(whole.rows) // 2, len(whole.rows) - 1):
        rest = await export(client, kind, headers, fmt=fmt, after=whole.rows[cut - 1]["cursor"])
        assert rest.rows == whole.rows[cut:]
        assert rest.manifest["after"] == whole.rows[cut - 1]["cursor"]
        assert rest.manifest["complete"] is True
    end = await export(client, kind, headers, fmt=fmt, after=whole.manifest["cursor"])
    assert end.rows == [] and end.manifest["cursor"] == whole.manifest["cursor"]


async def test_manifest_counts_and_coverage(client: httpx.AsyncClient) -> None:
    package = await export(client, "credit-records", polarity="BAD")
    manifest = package.manifest
    by_province = {code: sum(1 for r in package.rows if r["province"] == code) for code in manifest["counts"]}
    assert manifest["counts"] == by_province and sum(by_province.values()) == manifest["rows"]
    assert manifest["coverage"]["complete"] and manifest["coverage"]["missing"] == []
    assert [p["rows"] for p in manifest["coverage"]["provinces"]] == list(by_province.values())
    assert manifest["filters"] == {"polarity": "BAD"} and manifest["kind"] == "credit-records"
    assert manifest["fields"][0] == "cursor" and manifest["failed"] == []
    assert all(r["polarity"] == "BAD" for r in package.rows)


async def test_an_empty_export_still_has_its_manifest(client: httpx.AsyncClient) -> None:
    package = await export(client, "credit-records", decidedFrom="2999-01-01")
    assert package.rows == [] and package.manifest["rows"] == 0 and package.manifest["complete"] is True
    assert package.body.count(b"\n") == 1


async def test_enterprise_counts_say_which_provinces_each_row_came_from(client: httpx.AsyncClient) -> None:
    package = await export(client, "enterprises")
    for code, count in package.manifest["counts"].items():
        assert count == sum(1 for r in package.rows if code in r["presence"])


async def test_gzip_when_asked(client: httpx.AsyncClient) -> None:
    plain = await client.get("/export/credit-records", headers={"Accept-Encoding": "identity"})
    async with client.stream("GET", "/export/credit-records", headers={"Accept-Encoding": "gzip"}) as zipped:
        raw = b"".join([chunk async for chunk in zipped.aiter_raw()])
    assert zipped.headers["content-encoding"] == "gzip" and "content-encoding" not in plain.headers
    assert len(raw) < len(plain.content) / 3
    unzipped = read_package(gzip.decompress(raw))
    # Same rows, same checksum: the checksum is of the uncompressed body.
    assert unzipped.rows == read_package(plain.content).rows
    assert unzipped.manifest["sha256"] == read_package(plain.content).manifest["sha256"]


@pytest.mark.parametrize(("accept", "fmt"), [
    (None, "ndjson"), ("text/csv", "csv"), ("application/x-ndjson", "ndjson"), ("application/ndjson", "ndjson"),
    ("text/csv;q=0.5, application/x-ndjson", "ndjson"), ("application/json;q=1, text/csv;q=0.2", "csv"),
    ("*/*", "ndjson"),
])
async def test_format_from_accept(client: httpx.AsyncClient, accept: str | None, fmt: str) -> None:
    response = await client.get("/export/enterprises", headers={"Accept": accept} if accept else {})
    assert response.status_code == 200
    media = {"ndjson": "application/x-ndjson", "csv": "text/csv; charset=utf-8"}[fmt]
    assert response.headers["content-type"] == media
    read_package(response.content, fmt)
    assert response.headers["cache-control"] == "no-store"
    assert f'.{fmt}"' in response.headers["content-disposition"]


async def test_format_parameter_wins_over_accept(client: httpx.AsyncClient) -> None:
    response = await client.get("/export/enterprises?format=csv", headers={"Accept": "application/x-ndjson"})
    assert response.headers["content-type"].startswith("text/csv")


async def test_unknown_formats_are_refused_clearly(client: httpx.AsyncClient) -> None:
    not_acceptable = await client.get("/export/enterprises", headers={"Accept": "application/xml"})
    assert not_acceptable.status_code == 406
    assert "text/csv" in not_acceptable.json()["errors"][0]["message"]
    bad = await client.get("/export/enterprises?format=xlsx")
    assert bad.status_code == 400 and bad.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
    assert "ndjson, csv" in bad.json()["errors"][0]["message"]


async def test_each_ndjson_line_is_one_json_object(client: httpx.AsyncClient) -> None:
    response = await client.get("/export/qualifications")
    lines = response.content.decode().split("\n")
    assert lines[-1] == "" and all(isinstance(json.loads(line), dict) for line in lines[:-1])
