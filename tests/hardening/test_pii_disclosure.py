"""Every full ID number that reaches an official is audited, lists included, and one official
takes at most ``full_id_numbers_per_hour`` of them (issue 8, item 3; DOMAIN §6).

Before: one ``enterprises(first: 100, filter: {registeredProvince: ...}) { ... registeredPersons {
idNumber } }`` handed a regulator every full number of the page and wrote no audit entry at all.
"""

from __future__ import annotations

import dataclasses
import json
import re
import time
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from domain.identifiers import normalise_id_number
from domain.person_key import person_key
from gateway.audit import AuditTrail
from gateway.disclosure import WINDOW_S, DisclosureLedger, Refusal
from gateway.settings import AuditSettings, Settings, SettingsError, settings_from_mapping
from tests.conftest import SECRET, Stack, running_app
from tests.tokens import ask, bearer

JS = "320000"
PAGE = """query Harvest($p: String!, $first: Int!) { enterprises(first: $first, filter: { registeredProvince: $p }) {
    edges { node { uscc registeredPersons { name idType idNumber registration { province { code } } } } } } }"""
FULL = re.compile(r"^\d{17}[\dX]$")  # a resident ID number in full


def _full(person: dict[str, Any]) -> bool:
    """Shown in full: a mask keeps at most the first 6 and last 4 characters (any ID type)."""
    return "*" not in person["idNumber"]


def _settings(stack: Stack, spool: Path, **limits: int) -> Settings:
    return dataclasses.replace(stack.settings, audit=AuditSettings(spool),
                               limits=dataclasses.replace(stack.settings.limits, **limits))


def _persons(body: dict[str, Any]) -> list[dict[str, Any]]:
    return [p for e in body["data"]["enterprises"]["edges"] for p in e["node"]["registeredPersons"]]


def _key(person: dict[str, Any]) -> str:
    return person_key(SECRET.encode(), person["idType"], normalise_id_number(person["idType"], person["idNumber"]))


async def _entries_of(app: Any, settings: Settings, actor: str) -> list[dict[str, Any]]:
    """The payloads of ``actor``'s entries in the central store, once the spool is delivered."""
    trail: AuditTrail = app.state.runtime.audit
    assert await trail.flush()
    conn = await asyncpg.connect(settings.central.dsn)
    try:
        rows = await conn.fetch("SELECT payload FROM central.audit_log WHERE actor = $1 ORDER BY seq", actor)
    finally:
        await conn.close()
    return [json.loads(r["payload"]) for r in rows]


async def test_every_full_number_of_a_page_is_audited(stack: Stack, tmp_path: Path) -> None:
    settings = _settings(stack, tmp_path / "spool")
    actor = f"harvester-{time.monotonic_ns()}"
    async with running_app(settings) as (app, client):
        body = await ask(client, PAGE, bearer(settings, "regulator", JS, sub=actor), p=JS, first=100)
        assert "errors" not in body
        persons = _persons(body)
        full = {_key(p) for p in persons if _full(p)}
        assert len(full) >= 10, "the page should show the regulator many full numbers"
        entries = await _entries_of(app, settings, actor)
    assert len(entries) == 1, entries
    subjects = entries[0]["subjects"]
    assert {s["key"] for s in subjects if s.get("fullIdNumber")} == full
    assert all(s["kind"] == "person" for s in subjects) and len({s["key"] for s in subjects}) == len(subjects)
    text = json.dumps(entries[0], ensure_ascii=False)
    assert not any(p["idNumber"] in text for p in persons)  # by person key, never by number


async def test_masked_numbers_are_not_disclosures(stack: Stack, tmp_path: Path) -> None:
    """A regulator of Jiangsu listing Shanghai's enterprises sees Shanghai's persons masked."""
    settings = _settings(stack, tmp_path / "spool")
    actor = f"looker-{time.monotonic_ns()}"
    async with running_app(settings) as (app, client):
        body = await ask(client, PAGE, bearer(settings, "regulator", JS, sub=actor), p="310000", first=20)
        shown = {_key(p) for p in _persons(body) if _full(p)}
        entries = await _entries_of(app, settings, actor)
    disclosed = {s["key"] for e in entries for s in e["subjects"] if s.get("fullIdNumber")}
    assert disclosed == shown  # only the Jiangsu-registered ones among them, if any


async def test_past_the_hourly_budget_the_answer_is_withheld(stack: Stack, tmp_path: Path) -> None:
    budget = 5
    settings = _settings(stack, tmp_path / "spool", full_id_numbers_per_hour=budget)
    actor = f"bulk-{time.monotonic_ns()}"
    headers = bearer(settings, "regulator", JS, sub=actor)
    async with running_app(settings) as (app, client):
        body = await ask(client, PAGE, headers, p=JS, first=100)
        assert body["data"] is None
        (error,) = body["errors"]
        assert error["extensions"]["code"] == "DISCLOSURE_LIMIT" and f"{budget} of your {budget}" in error["message"]
        assert not re.search(r"\d{17}[\dX]", json.dumps(body))  # not one number left the gateway
        assert await _entries_of(app, settings, actor) == []  # nothing reached the official
        # One person is within the budget; seeing them again in the hour costs nothing more.
        one = """query($g: String!) { personByRegistration(registrationNumber: $g) { idNumber } }"""
        registration = stack.case("dual_registration_person")["key"]["otherRegistrationNumber"]
        for _ in range(3):
            shown = await ask(client, one, headers, g=registration)
            assert FULL.match(shown["data"]["personByRegistration"]["idNumber"]), shown
        # Another official has a budget of their own.
        other = await ask(client, PAGE, bearer(settings, "regulator", JS, sub=f"{actor}-b"), p=JS, first=1)
        assert "errors" not in other


def test_the_ledger_is_a_sliding_hour_of_distinct_persons() -> None:
    now = [0.0]
    ledger = DisclosureLedger(3, clock=lambda: now[0])
    assert ledger.reserve("a", ["k1", "k2"]) == ["k1", "k2"]
    assert ledger.reserve("a", ["k1", "k2", "k3"]) == ["k3"]  # k1, k2 again: free
    refused = ledger.reserve("a", ["k4"])
    assert isinstance(refused, Refusal) and (refused.wanted, refused.remaining) == (1, 0)
    assert refused.retry_after_s is not None and 0 < refused.retry_after_s <= WINDOW_S + 1
    assert isinstance(ledger.reserve("a", ["k5", "k6", "k7", "k8"]), Refusal)
    assert ledger.reserve("b", ["k4"]) == ["k4"]  # per official
    now[0] = WINDOW_S + 1  # the first three leave the window
    assert ledger.reserve("a", ["k4"]) == ["k4"] and ledger.disclosed("a") == 1
    ledger.release("a", ["k4"])  # an answer that was not sent after all
    assert ledger.disclosed("a") == 0


@pytest.mark.parametrize(("value", "loaded"), [(None, 200), (7, 7), (0, None)])
def test_the_budget_is_configuration(value: int | None, loaded: int | None) -> None:
    raw: dict[str, Any] = {
        "gateway": {"person_key_secret": SECRET}, "central": {"dsn": "postgresql://u@central/db"},
        "provinces": [{"code": JS, "short_name": "苏", "name": "江苏省", "dsn": "postgresql://u@js/db"}],
        "limits": {} if value is None else {"full_id_numbers_per_hour": value},
    }
    if loaded is None:
        with pytest.raises(SettingsError, match="full_id_numbers_per_hour"):
            settings_from_mapping(raw, {})
    else:
        assert settings_from_mapping(raw, {}).limits.full_id_numbers_per_hour == loaded
