"""Query tests as data: each ``cases/*.graphql`` file states, in its header, the showcase case it
runs on, its variables, and the statements per source it may issue.  The statement counts are what
catches an N+1 regression: they depend on the depth of the query, never on the length of a list.

Header lines: ``# case: NAME`` (optional), ``# variables: {JSON}`` (``"$key.FIELD"`` takes a field
of the case's key), and ``# statements: {JSON}`` (exact) or ``# statements-max: {JSON}`` (bound).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import Stack, gql, statements

CASES = sorted((Path(__file__).parent / "cases").glob("*.graphql"))


def _header(text: str) -> dict[str, str]:
    fields = {}
    for line in text.splitlines():
        if line.startswith("# ") and ": " in line:
            name, _, value = line[2:].partition(": ")
            fields[name] = value
    return fields


def _variables(header: dict[str, str], stack: Stack) -> dict[str, Any]:
    key = stack.case(header["case"])["key"] if "case" in header else {}
    raw = json.loads(header.get("variables", "{}"))
    return {name: key[value[5:]] if str(value).startswith("$key.") else value for name, value in raw.items()}


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
async def test_query_case(path: Path, client: httpx.AsyncClient, stack: Stack) -> None:
    text = path.read_text(encoding="utf-8")
    header = _header(text)
    body = await gql(client, text, **_variables(header, stack))
    assert "errors" not in body, body.get("errors")
    assert all(value is not None for value in body["data"].values())
    sent = statements(body)
    if "statements" in header:
        assert sent == json.loads(header["statements"])
    else:
        bound = json.loads(header["statements-max"])
        assert all(sent[source] <= limit for source, limit in bound.items()), sent
