"""Compression as the client asks: brotli when ``br`` is accepted, gzip otherwise, none for small
answers or when nothing is accepted; the decoded answers are identical."""

from __future__ import annotations

import gzip
import json

import brotli
import httpx

from gateway.compression import accepts_brotli

PAGE = {"query": "{ enterprises(first: 50) { edges { node { uscc name legalRepresentative } } } }"}


async def _raw(client: httpx.AsyncClient, accept_encoding: str) -> httpx.Response:
    request = client.build_request("POST", "/graphql", json=PAGE, headers={"Accept-Encoding": accept_encoding})
    response = await client.send(request, stream=True)
    await response.aread()  # .content is decoded by httpx; the headers say what went over the wire
    return response


async def test_brotli_gzip_and_identity_decode_to_the_same_answer(client: httpx.AsyncClient) -> None:
    br, gz, plain = [await _raw(client, e) for e in ("br, gzip", "gzip, br;q=0", "identity")]
    assert (br.headers["content-encoding"], gz.headers["content-encoding"]) == ("br", "gzip")
    assert "content-encoding" not in plain.headers
    assert "Accept-Encoding" in br.headers["vary"]
    answers = [json.loads(r.content) for r in (br, gz, plain)]
    assert answers[0]["data"] == answers[1]["data"] == answers[2]["data"] and answers[0]["data"]["enterprises"]["edges"]


def test_raw_bytes_are_really_compressed() -> None:
    text = json.dumps({"name": "江苏省建设集团有限公司" * 200}, ensure_ascii=False).encode()
    assert brotli.decompress(brotli.compress(text)) == text and gzip.decompress(gzip.compress(text)) == text


def test_accept_encoding_parsing() -> None:
    assert accepts_brotli("gzip, deflate, br") and accepts_brotli("br;q=0.5")
    assert not accepts_brotli("br;q=0") and not accepts_brotli("gzip") and not accepts_brotli("")
