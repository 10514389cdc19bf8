"""Every planted case of the demo data is found by a cross-check (and the clean ones stay clean),
against the real seeded provincial databases."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest

from tests.conftest import Stack, gql
from tests.crosscheck import reports as r
from tests.tokens import bearer

# Planted enterprise case → the finding codes its cross-check must report (exactly).
ENTERPRISE_FINDINGS: dict[str, list[str]] = {
    "tri_province_enterprise": [],
    "dual_province_enterprise": [],
    "blacklist_active": ["ACTIVE_BAD_RECORD", "ACTIVE_BLACKLIST"],
    "blacklist_released": [],
    "blacklisted_active_elsewhere": ["ACTIVE_BAD_RECORD", "ACTIVE_BLACKLIST"],
    "accidents_two_provinces": ["ACTIVE_BAD_RECORD", "ACTIVE_BAD_RECORD", "CROSS_PROVINCE_ACCIDENTS"],
    "qualification_revoked_still_active": ["QUALIFICATION_INVALID"],
    "permit_expired_qualification": ["QUALIFICATION_INVALID"],
    "publication_windows": ["ACTIVE_BAD_RECORD"],
    "local_code_crosswalk": ["ACTIVE_BAD_RECORD"],
    "local_code_recognised": ["ACTIVE_BAD_RECORD"],
    "conflicting_registration": ["DATA_CONFLICT"],
    "performance_mismatch": ["CLAIMED_PERFORMANCE_NOT_FOUND"],
    "performance_phantom": ["CLAIMED_PERFORMANCE_NOT_FOUND"],
    "cross_province_winner_bad_home": ["ACTIVE_BAD_RECORD"],
    "cross_province_winner": [],
    "clean_enterprise": [],
}
PERSON_FINDINGS: dict[str, list[str]] = {
    "concurrent_project_manager": ["CONCURRENT_PROJECT_LEAD"],
    "dual_registration_person": ["MULTIPLE_EMPLOYERS"],
    "pm_adjacent_phases_exception": [],
    "chief_supervisor_many_projects": ["CONCURRENT_CHIEF_SUPERVISOR"],
    "clean_person": [],
}
PROJECT_CASES = {"permit_without_award"}  # found through the permit holder's cross-check, below


def days_ago(stack: Stack, days: int) -> str:
    return (stack.today - timedelta(days=days)).isoformat()


def test_every_planted_case_has_a_cross_check_test(stack: Stack) -> None:
    assert set(stack.showcase) == set(ENTERPRISE_FINDINGS) | set(PERSON_FINDINGS) | PROJECT_CASES


@pytest.mark.parametrize("case", sorted(ENTERPRISE_FINDINGS))
async def test_enterprise_case(client: httpx.AsyncClient, stack: Stack, case: str) -> None:
    planted = stack.case(case)
    found = r.report(await r.enterprise(client, planted["key"]["uscc"]))
    assert r.codes(found) == ENTERPRISE_FINDINGS[case]
    assert found["complete"] and found["coverage"]["complete"] and found["subject"]["found"]
    assert found["asOf"] == stack.today.isoformat()
    CHECKS.get(case, lambda *_: None)(found, planted)


@pytest.mark.parametrize("case", sorted(PERSON_FINDINGS))
async def test_person_case(client: httpx.AsyncClient, stack: Stack, case: str) -> None:
    planted = stack.case(case)
    found = r.report(await r.person(client, planted["key"]))
    assert r.codes(found) == PERSON_FINDINGS[case]
    assert found["complete"] and found["subject"]["found"]
    assert found["subject"]["key"] == planted["key"]["registrationNumber"]  # the public never gives an ID number
    CHECKS.get(case, lambda *_: None)(found, planted)


# ---- what each finding must show -----------------------------------------------------------------

def _blacklisted_elsewhere(found: dict[str, Any], planted: dict[str, Any]) -> None:
    where, _home = planted["provinces"]
    assert r.evidence_provinces(r.finding(found, "ACTIVE_BLACKLIST")) == {where}
    assert r.finding(found, "ACTIVE_BAD_RECORD", "D1-2-05")


def _accidents(found: dict[str, Any], planted: dict[str, Any]) -> None:
    accidents = r.finding(found, "CROSS_PROVINCE_ACCIDENTS")
    assert r.evidence_provinces(accidents) == set(planted["provinces"])
    assert accidents["severity"] == "HIGH"
    assert {e["note"] for e in accidents["evidence"]} == {"D1-3-04", "D1-4-05"}


def _qualification(found: dict[str, Any], planted: dict[str, Any]) -> None:
    home, away = planted["provinces"]
    lapsed = r.finding(found, "QUALIFICATION_INVALID")
    assert lapsed["severity"] == "CRITICAL"
    certificate = next(e for e in lapsed["evidence"] if planted["key"]["certificateNumber"] in e["recordIds"])
    assert certificate["province"]["code"] == home
    filed = {e["province"]["code"] for e in lapsed["evidence"] if e is not certificate}
    assert filed == {away} and any("施工许可" in e["note"] for e in lapsed["evidence"])


def _publication_windows(found: dict[str, Any], planted: dict[str, Any]) -> None:
    bad = r.finding(found, "ACTIVE_BAD_RECORD", "D1-2-04")  # not the expired, shortened, draft or revoked ones
    assert r.evidence_provinces(bad) == set(planted["provinces"]) and len(bad["evidence"]) == 2


def _crosswalk(found: dict[str, Any], planted: dict[str, Any]) -> None:
    home, market = planted["provinces"]
    mapped = r.finding(found, "ACTIVE_BAD_RECORD", "D1-5-01")
    assert r.evidence_provinces(mapped) == {home} and "JS-SG-02" in mapped["evidence"][0]["note"]
    assert [(i["code"], i["behaviourCode"]) for i in found["informational"]] == [
        ("UNRECOGNISED_LOCAL_RECORD", "SH-SG-01")
    ]
    assert r.evidence_provinces(found["informational"][0]) == {market}


def _recognised(found: dict[str, Any], planted: dict[str, Any]) -> None:
    home, market = planted["provinces"]
    recognised = r.finding(found, "ACTIVE_BAD_RECORD", "JS-ZB-02")
    assert r.evidence_provinces(recognised) == {home} and market in recognised["evidence"][0]["note"]
    assert [(i["code"], i["behaviourCode"]) for i in found["informational"]] == [
        ("UNRECOGNISED_LOCAL_RECORD", "JS-ZB-01")
    ]


def _conflict(found: dict[str, Any], planted: dict[str, Any]) -> None:
    conflict = r.finding(found, "DATA_CONFLICT")
    assert r.evidence_provinces(conflict) == set(planted["provinces"])
    assert "法定代表人" in conflict["evidence"][1]["note"] and "名称" in conflict["evidence"][1]["note"]


def _mismatch(found: dict[str, Any], planted: dict[str, Any]) -> None:
    claim = r.finding(found, "CLAIMED_PERFORMANCE_NOT_FOUND")
    assert planted["key"]["projectNumber"] in claim["explanationEn"]
    assert "claimed amount" in claim["explanationEn"] and "claimed completion" in claim["explanationEn"]
    assert r.evidence_provinces(claim) == set(planted["provinces"])  # filed at home, project elsewhere


def _phantom(found: dict[str, Any], planted: dict[str, Any]) -> None:
    claim = r.finding(found, "CLAIMED_PERFORMANCE_NOT_FOUND")
    assert planted["key"]["projectNumber"] in r.record_ids(claim)
    assert "holds no such project" in claim["explanationEn"]


def _clean(found: dict[str, Any], _: dict[str, Any]) -> None:
    assert found["findings"] == [] and found["informational"] == []
    assert found["statementEn"] == "Every province answered: no findings."


def _concurrent(found: dict[str, Any], planted: dict[str, Any]) -> None:
    lead = r.finding(found, "CONCURRENT_PROJECT_LEAD")
    assert r.evidence_provinces(lead) == set(planted["provinces"]) and len(lead["evidence"]) == 2
    assert planted["key"]["registrationNumber"] in r.record_ids(lead)


def _dual_registration(found: dict[str, Any], planted: dict[str, Any]) -> None:
    renting = r.finding(found, "MULTIPLE_EMPLOYERS")
    assert r.evidence_provinces(renting) == set(planted["provinces"])
    key = planted["key"]
    assert {key["registrationNumber"], key["otherRegistrationNumber"]} <= r.record_ids(renting)


def _adjacent_phases(found: dict[str, Any], _: dict[str, Any]) -> None:
    assert [i["code"] for i in found["informational"]] == ["DOCUMENTED_CONCURRENT_LEAD"]
    assert any("建管函" in e["note"] for e in found["informational"][0]["evidence"])


def _chief(found: dict[str, Any], planted: dict[str, Any]) -> None:
    chief = r.finding(found, "CONCURRENT_CHIEF_SUPERVISOR")
    assert len(chief["evidence"]) == 5 and r.evidence_provinces(chief) == set(planted["provinces"])


CHECKS = {
    "blacklisted_active_elsewhere": _blacklisted_elsewhere,
    "accidents_two_provinces": _accidents,
    "qualification_revoked_still_active": _qualification,
    "permit_expired_qualification": _qualification,
    "publication_windows": _publication_windows,
    "local_code_crosswalk": _crosswalk,
    "local_code_recognised": _recognised,
    "conflicting_registration": _conflict,
    "performance_mismatch": _mismatch,
    "performance_phantom": _phantom,
    "clean_enterprise": _clean,
    "clean_person": _clean,
    "concurrent_project_manager": _concurrent,
    "dual_registration_person": _dual_registration,
    "pm_adjacent_phases_exception": _adjacent_phases,
    "chief_supervisor_many_projects": _chief,
}


# ---- the project case and the person's other key ----------------------------------------------------

async def test_permit_without_award_is_found_on_the_permit_holder(client: httpx.AsyncClient, stack: Stack) -> None:
    number = stack.case("permit_without_award")["key"]["projectNumber"]
    found = r.report(await r.enterprise(client, await r.permit_holder(client, number)))
    conflicts = [f for f in found["findings"] if f["code"] == "DATA_CONFLICT"]
    assert len(conflicts) == 1 and f"project {number}" in conflicts[0]["evidence"][0]["note"]
    assert r.evidence_provinces(conflicts[0]) == set(stack.case("permit_without_award")["provinces"])


async def test_person_by_either_registration_number(client: httpx.AsyncClient, stack: Stack) -> None:
    key = stack.case("dual_registration_person")["key"]
    for number in (key["registrationNumber"], key["otherRegistrationNumber"]):
        found = r.report(await gql(client, r.PERSON_BY_REGISTRATION, g=number))
        assert r.codes(found) == ["MULTIPLE_EMPLOYERS"] and found["subject"]["key"] == number


# ---- the date asked about --------------------------------------------------------------------------------

async def test_as_of_a_past_date_sees_the_blacklist_of_that_day(client: httpx.AsyncClient, stack: Stack) -> None:
    uscc = stack.case("blacklist_released")["key"]["uscc"]  # listed 500 days ago, released after one year
    regulator = bearer(stack.settings, "regulator", "320000")
    found = r.report(await r.enterprise(client, uscc, days_ago(stack, 400), regulator))
    assert found["asOf"] == days_ago(stack, 400)
    assert r.codes(found) == ["ACTIVE_BAD_RECORD", "ACTIVE_BLACKLIST"]
    # The public's check rests on what is public today: a past date does not reopen the archive.
    public = r.report(await r.enterprise(client, uscc, days_ago(stack, 400)))
    assert public["findings"] == [] and public["complete"]


async def test_as_of_before_the_overlap_there_is_no_concurrent_lead(client: httpx.AsyncClient, stack: Stack) -> None:
    found = r.report(await r.person(client, stack.case("concurrent_project_manager")["key"], days_ago(stack, 200)))
    assert found["findings"] == [] and found["complete"]


async def test_as_of_before_the_late_filings(client: httpx.AsyncClient, stack: Stack) -> None:
    # Revoked 200 days ago; the first award elsewhere came 150 days ago.
    uscc = stack.case("qualification_revoked_still_active")["key"]["uscc"]
    found = r.report(await r.enterprise(client, uscc, days_ago(stack, 170)))
    assert r.codes(found) == [] and r.codes(found, "informational") == ["QUALIFICATION_NOT_VALID"]
