"""Query tests as data: each ``cases/*.graphql`` file states, in its header, the showcase case it
runs on, its variables, the roles it is asked as, and the statements per source it may issue.  The
statement counts are what catches an N+1 regression: they depend on the depth of the query, never
on the length of a list.  The whole answer (``data``, and ``errors`` if any) must equal the
expected JSON stored beside the case: ``NAME.json``, or ``NAME.ROLE.json`` per role when the case
names its roles.

Header lines: ``# case: NAME`` (optional), ``# variables: {JSON}`` (``"$key.FIELD"`` takes a field
of the case's key), ``# roles: [JSON]`` (optional, names from ``tests.tokens.ROLE_CASES``; default
the public only), and ``# statements: {JSON}`` (exact) or ``# statements-max: {JSON}`` (bound).

Regenerate the expected answers after an intended change (then read the diff before committing)::

    YRD_UPDATE_EXPECTED=1 .venv/bin/pytest tests/queries/test_query_cases.py    # or: make query-cases
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import Stack, statements
from tests.tokens import ROLE_CASES, ask, headers_for

CASES_DIR = Path(__file__).parent / "cases"
CASES = sorted(CASES_DIR.glob("*.graphql"))
UPDATE = os.environ.get("YRD_UPDATE_EXPECTED") == "1"
# An expected answer must say something: at least this many non-null leaf values.
MIN_LEAVES = 5


def _header(text: str) -> dict[str, str]:
    fields = {}
    for line in text.splitlines():
        if line.startswith("# ") and ": " in line:
            name, _, value = line[2:].partition(": ")
            fields[name] = value
    return fields


def _roles(header: dict[str, str]) -> list[str] | None:
    """The roles a case names, or ``None`` for a case asked only as the public."""
    if "roles" not in header:
        return None
    roles = json.loads(header["roles"])
    assert roles and set(roles) <= set(ROLE_CASES), roles
    return roles


def _runs() -> list[tuple[Path, str, Path]]:
    """(case, role, expected answer) for every role every case is asked as."""
    runs = []
    for path in CASES:
        roles = _roles(_header(path.read_text(encoding="utf-8")))
        if roles is None:
            runs.append((path, "public", path.with_suffix(".json")))
        else:
            runs += [(path, role, path.with_suffix(f".{role}.json")) for role in roles]
    return runs


RUNS = _runs()


def _variables(header: dict[str, str], stack: Stack) -> dict[str, Any]:
    key = stack.case(header["case"])["key"] if "case" in header else {}
    raw = json.loads(header.get("variables", "{}"))
    return {name: key[value[5:]] if str(value).startswith("$key.") else value for name, value in raw.items()}


def _answer(body: dict[str, Any]) -> dict[str, Any]:
    """What is compared: the data and the errors, never the timings in ``extensions``."""
    return {key: body[key] for key in ("data", "errors") if key in body}


def _leaves(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return [leaf for item in value.values() for leaf in _leaves(item)]
    if isinstance(value, list):
        return [leaf for item in value for leaf in _leaves(item)]
    return [value]


def _assert_meaningful(answer: dict[str, Any]) -> None:
    """Guards the expected files themselves: a case whose answer is all nulls proves nothing."""
    data = answer.get("data") or {}
    assert data and all(value is not None for value in data.values()), answer
    assert sum(leaf is not None for leaf in _leaves(data)) >= MIN_LEAVES, answer


def _render(answer: dict[str, Any]) -> str:
    return json.dumps(answer, ensure_ascii=False, indent=2) + "\n"


def _check_statements(header: dict[str, str], sent: dict[str, int]) -> None:
    if "statements" in header:
        assert sent == json.loads(header["statements"])
    else:
        bound = json.loads(header["statements-max"])
        assert all(sent[source] <= limit for source, limit in bound.items()), sent


@pytest.mark.parametrize(("path", "role", "expected"), RUNS, ids=[e.stem for _, _, e in RUNS])
async def test_query_case(path: Path, role: str, expected: Path, client: httpx.AsyncClient, stack: Stack) -> None:
    text = path.read_text(encoding="utf-8")
    header = _header(text)
    body = await ask(client, text, headers_for(stack.settings, role), **_variables(header, stack))
    answer = _answer(body)
    _assert_meaningful(answer)
    if UPDATE:
        expected.write_text(_render(answer), encoding="utf-8")
    assert expected.exists(), f"no expected answer {expected.name}: run with YRD_UPDATE_EXPECTED=1"
    assert answer == json.loads(expected.read_text(encoding="utf-8"))
    _check_statements(header, statements(body))


def test_every_expected_file_belongs_to_a_run() -> None:
    """A renamed case or a dropped role must not leave a stale expected answer behind (runs after
    the cases, so that a fresh regeneration passes)."""
    assert set(CASES_DIR.glob("*.json")) == {expected for _, _, expected in RUNS}
