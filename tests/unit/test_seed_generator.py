"""The demo-data generator: deterministic, valid identifiers, the publication rules, every planted
cross-province case present, and a background clean enough that only planted cases are findings."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from datetime import date, timedelta
from functools import cached_property
from typing import Any

import pytest
from demo_data.behaviour import ACCIDENT_CODES
from demo_data.generator import generate
from demo_data.model import Dataset
from demo_data.projects import STAGES

from domain.identifiers import (
    IdentifierError,
    province_of_division,
    validate_resident_id,
    validate_uscc,
)
from domain.person_key import person_key
from domain.provinces import ProvinceInfo
from domain.publication import blacklist_is_active, record_is_public
from sources.tables import EXCHANGE_COLUMNS

ANCHOR = date(2026, 5, 1)
SECRET = b"unit-test-secret"
SCALE = 0.05
SH, JS, ZJ, AH = (
    ProvinceInfo("310000", "沪", "上海市"), ProvinceInfo("320000", "苏", "江苏省"),
    ProvinceInfo("330000", "浙", "浙江省"), ProvinceInfo("340000", "皖", "安徽省"),
)
DELTA = (SH, JS, ZJ)
ALL_CASES = {
    "tri_province_enterprise", "dual_province_enterprise", "concurrent_project_manager",
    "pm_adjacent_phases_exception", "dual_registration_person", "blacklist_active", "blacklist_released",
    "blacklisted_active_elsewhere", "publication_windows", "local_code_crosswalk", "local_code_recognised",
    "qualification_revoked_still_active", "accidents_two_provinces", "conflicting_registration",
    "permit_without_award", "permit_expired_qualification", "performance_mismatch", "performance_phantom",
    "chief_supervisor_many_projects", "cross_province_winner_bad_home", "cross_province_winner",
    "clean_enterprise", "clean_person",
}
NATIONAL_CODE = re.compile(r"^[A-E]1-[1-5G]-\d{2}$")
LOCAL_CODE = re.compile(r"^(SH|JS|ZJ|AH|P\d\d)-[A-Z]{2}-\d{2}$")


def make(provinces: tuple[ProvinceInfo, ...] = DELTA, scale: float = SCALE, seed: int = 11) -> Dataset:
    return generate(provinces, scale=scale, seed=seed, anchor=ANCHOR, secret=SECRET)


class View:
    """Rows as dicts, per province and across provinces, with the lookups the checks need."""

    def __init__(self, dataset: Dataset) -> None:
        self.ds = dataset
        self._rows: dict[tuple[str, str], list[dict[str, Any]]] = {}

    def rows(self, province: str, table: str) -> list[dict[str, Any]]:
        key = (province, table)
        if key not in self._rows:
            columns = EXCHANGE_COLUMNS[table]
            self._rows[key] = [dict(zip(columns, row, strict=True)) for row in self.ds.rows(province, table)]
        return self._rows[key]

    def all(self, table: str) -> Iterator[tuple[str, dict[str, Any]]]:
        for spec in self.ds.provinces:
            for row in self.rows(spec.code, table):
                yield spec.code, row

    def subject(self, case: str) -> str:
        """The USCC, person key or project number a showcase case is about."""
        key = self.ds.case(case)["key"]
        if "uscc" in key:
            return key["uscc"]
        if "projectNumber" in key:
            return key["projectNumber"]
        return person_key(SECRET, key["idType"], key["idNumber"])

    @cached_property
    def completed(self) -> set[str]:
        return {r["project_number"] for _, r in self.all("project_stage") if r["stage"] == "竣工验收备案"}

    @cached_property
    def listed_in(self) -> dict[str, list[str]]:
        found: dict[str, list[str]] = defaultdict(list)
        for province, row in self.all("enterprise"):
            found[row["uscc"]].append(province)
        return found

    def active(self, role: str) -> dict[str, list[tuple[str, dict[str, Any]]]]:
        """Open tenures on unfinished projects without a change document, by person key."""
        found: dict[str, list[tuple[str, dict[str, Any]]]] = defaultdict(list)
        for province, row in self.all("key_personnel"):
            open_ended = row["end_date"] is None and row["change_document"] is None
            if row["role"] == role and open_ended and row["project_number"] not in self.completed:
                found[row["person_key"]].append((province, row))
        return found


@pytest.fixture(scope="module")
def view() -> View:
    return View(make())


# ---- determinism and scale ----------------------------------------------------------------------

def test_same_seed_gives_identical_data() -> None:
    assert make() == make()


def test_another_seed_gives_other_data() -> None:
    first, second = make(seed=1), make(seed=2)
    assert first.province_rows != second.province_rows
    assert first.showcase != second.showcase


def test_planted_cases_do_not_depend_on_scale() -> None:
    assert make(scale=0.05).showcase == make(scale=0.2).showcase == make(scale=0).showcase


def test_row_counts_grow_with_scale() -> None:
    small, large = make(scale=0.05), make(scale=0.3)
    for spec in DELTA:
        for table in ("enterprise", "person", "project", "credit_record", "project_stage", "registration"):
            assert len(large.rows(spec.code, table)) > 2 * len(small.rows(spec.code, table)), table
        planted = len(make(scale=0).rows(spec.code, "credit_record"))
        assert len(large.rows(spec.code, "credit_record")) - planted == round(5000 * 0.3)


# ---- identifiers --------------------------------------------------------------------------------

def test_valid_usccs_pass_every_check_and_name_their_registering_province(view: View) -> None:
    configured = {spec.code for spec in view.ds.provinces}
    for province, row in view.all("enterprise"):
        uscc = row["uscc"]
        assert row["registered_division"] == uscc[2:8]
        if not row["uscc_valid"]:
            with pytest.raises(IdentifierError, match="check character"):
                validate_uscc(uscc)
            continue
        assert validate_uscc(uscc) == uscc and uscc.startswith("91")
        home = province_of_division(uscc[2:8])
        if home in configured:
            assert home in view.listed_in[uscc], f"{uscc} is not listed in its registering province"
        else:
            assert row["entered_on"] is not None and home != province


def test_a_few_rows_are_flagged_in_every_province(view: View) -> None:
    for spec in view.ds.provinces:
        flagged = [r for r in view.rows(spec.code, "enterprise") if not r["uscc_valid"]]
        assert 1 <= len(flagged) <= 5


def test_enterprise_divisions_are_real_codes_of_the_province(view: View) -> None:
    divisions = {row[0] for row in view.ds.central_rows["division"]}
    for province, row in view.all("enterprise"):
        if province_of_division(row["registered_division"]) == province:
            assert row["registered_division"] in divisions


def test_resident_ids_are_valid_and_match_the_person(view: View) -> None:
    configured = {spec.prefix for spec in view.ds.provinces}
    foreign = 0
    for _, row in view.all("person"):
        assert row["person_key"] == person_key(SECRET, row["id_type"], row["id_number"])
        if row["id_type"] != "居民身份证":
            foreign += 1
            continue
        number = validate_resident_id(row["id_number"])
        assert number[:2] in configured
        assert number[6:14] == row["birth_date"].strftime("%Y%m%d")
        assert date(1960, 1, 1) <= row["birth_date"] <= date(1995, 12, 31)
        assert (int(number[16]) % 2 == 1) == (row["gender"] == "男")
    assert foreign >= len(view.ds.provinces)


def test_project_numbers_permits_and_stage_order(view: View) -> None:
    for province, project in view.all("project"):
        number = project["project_number"]
        assert re.fullmatch(r"\d{16}", number) and number[:6] == project["location_division"]
        assert province_of_division(number[:6]) == province
    stages: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for _, row in view.all("project_stage"):
        stages[row["project_number"]].append(row)
    for number, rows in stages.items():
        ordered = sorted(rows, key=lambda r: STAGES.index(r["stage"]))
        assert [r["filed_on"] for r in ordered] == sorted(r["filed_on"] for r in rows)
        assert ordered[0]["stage"] == "报建" and ordered[-1]["filed_on"] <= ANCHOR
        assert number[6:12] == ordered[0]["filed_on"].strftime("%y%m%d")
        for row in rows:
            if row["stage"] == "施工许可":
                assert re.fullmatch(r"\d{18}", row["record_number"]) and row["record_number"][:6] == number[:6]


# ---- publication rules ----------------------------------------------------------------------------

def test_publication_windows_follow_the_rules(view: View) -> None:
    statuses = set()
    for _, r in view.all("credit_record"):
        statuses.add(r["status"])
        assert date(2005, 1, 1) <= r["decision_date"] <= ANCHOR
        assert 1 <= (r["publish_from"] - r["decision_date"]).days <= 7
        length = r["publish_to"] - r["publish_from"]
        if r["polarity"] == "good":
            assert timedelta(days=3 * 365 - 2) <= length <= timedelta(days=3 * 366)
        elif r["internal_note"] and "缩短" in r["internal_note"]:
            assert timedelta(days=88) <= length < timedelta(days=183) or r["publish_to"] == r["penalty_until"]
        else:
            assert length >= timedelta(days=180)
            assert length <= timedelta(days=3 * 366) or r["publish_to"] == r["penalty_until"]
        if r["penalty_until"]:
            assert r["publish_to"] >= r["penalty_until"]
    assert statuses == {"draft", "reviewed", "published", "revoked"}


def test_blacklists_run_for_one_year(view: View) -> None:
    for _, r in view.all("blacklist_entry"):
        assert r["planned_release"] == r["listed_on"].replace(year=r["listed_on"].year + 1)
        assert (r["released_on"] is None) == (r["planned_release"] > ANCHOR)


def test_every_behaviour_code_is_in_the_dictionary(view: View) -> None:
    dictionary = {(code, province) for code, province, *_ in view.ds.central_rows["behaviour_code"]}
    for province, r in view.all("credit_record"):
        code = r["behaviour_code"]
        assert (code, "000000") in dictionary or (code, province) in dictionary, code
        assert NATIONAL_CODE.match(code) or LOCAL_CODE.match(code)
    crosswalk = view.ds.central_rows["code_crosswalk"]
    assert all((p, national) and (national, "000000") in dictionary for p, _, national in crosswalk)


# ---- planted cases ------------------------------------------------------------------------------

def test_every_planted_case_is_in_the_showcase(view: View) -> None:
    assert {case["case"] for case in view.ds.showcase} == ALL_CASES
    for case in view.ds.showcase:
        assert case["title_zh"] and case["title_en"] and case["kind"] in {"enterprise", "person", "project"}
        primary = {"enterprise": "uscc", "person": "registrationNumber", "project": "projectNumber"}[case["kind"]]
        assert f'"{case["key"][primary]}"' in case["query"]
        assert set(case["provinces"]) <= {spec.code for spec in view.ds.provinces}


def test_enterprises_active_in_two_and_three_provinces(view: View) -> None:
    assert sorted(view.listed_in[view.subject("tri_province_enterprise")]) == ["310000", "320000", "330000"]
    assert len(view.listed_in[view.subject("dual_province_enterprise")]) == 2


def test_manager_on_two_unfinished_projects_and_the_documented_exception(view: View) -> None:
    tenures = view.active("项目负责人")[view.subject("concurrent_project_manager")]
    assert len({province for province, _ in tenures}) == 2
    exception = view.subject("pm_adjacent_phases_exception")
    rows = [r for _, r in view.all("key_personnel") if r["person_key"] == exception]
    names = {p["project_number"]: p["name"] for _, p in view.all("project")}
    assert len(rows) == 2 and all(r["end_date"] is None for r in rows)
    assert sorted(names[r["project_number"]][-2:] for r in rows) == ["一期", "二期"]
    assert len(view.active("项目负责人")[exception]) == 1  # the second phase carries its approval


def test_guazheng_person_is_held_and_registered_in_two_provinces(view: View) -> None:
    key = view.subject("dual_registration_person")
    held = [p for p, r in view.all("person") if r["person_key"] == key]
    registrations = [(p, r) for p, r in view.all("registration") if r["person_key"] == key]
    assert len(held) == 2 and {p for p, _ in registrations} == set(held)
    assert {r["category"] for _, r in registrations} == {"一级注册建造师"}
    assert len({r["employer_uscc"] for _, r in registrations}) == 2


def test_blacklist_cases(view: View) -> None:
    def entries(case: str) -> list[tuple[str, dict[str, Any]]]:
        return [(p, r) for p, r in view.all("blacklist_entry") if r["subject_uscc"] == view.subject(case)]

    def active(row: dict[str, Any]) -> bool:
        return blacklist_is_active(row["listed_on"], row["planned_release"], row["released_on"], ANCHOR)

    assert [active(r) for _, r in entries("blacklist_active")] == [True]
    assert [active(r) for _, r in entries("blacklist_released")] == [False]
    (where, listing), = entries("blacklisted_active_elsewhere")
    later = [p for p, s in view.all("project_stage")
             if s["enterprise_uscc"] == view.subject("blacklisted_active_elsewhere")
             and s["stage"] == "中标" and s["filed_on"] > listing["listed_on"]]
    assert active(listing) and later and where not in later


def test_publication_window_case_has_public_hidden_and_workflow_records(view: View) -> None:
    uscc = view.subject("publication_windows")
    records = [r for _, r in view.all("credit_record") if r["subject_uscc"] == uscc]
    public = [record_is_public(r["status"], r["publish_from"], r["publish_to"], ANCHOR) for r in records]
    assert any(public) and not all(public)
    assert {"draft", "reviewed", "revoked", "published"} <= {r["status"] for r in records}
    expired = [r for r in records if r["status"] == "published" and r["publish_to"] < ANCHOR]
    assert len(expired) >= 2


def test_local_codes_crosswalk_and_recognition(view: View) -> None:
    mapped = {(p, local) for p, local, _ in view.ds.central_rows["code_crosswalk"]}
    codes = {(p, r["behaviour_code"]) for p, r in view.all("credit_record")
             if r["subject_uscc"] == view.subject("local_code_crosswalk")}
    assert any(c in mapped for c in codes) and any(c not in mapped for c in codes)
    recognised = {(row[2], row[3]) for row in view.ds.central_rows["recognition_decision"] if row[7] is None}
    agency_codes = {(p, r["behaviour_code"]) for p, r in view.all("credit_record")
                    if r["subject_uscc"] == view.subject("local_code_recognised")}
    assert any(c in recognised for c in agency_codes) and any(c not in recognised for c in agency_codes)


def test_revoked_qualification_then_filings_elsewhere(view: View) -> None:
    case = view.ds.case("qualification_revoked_still_active")
    cert = next(r for _, r in view.all("qualification_certificate")
                if r["certificate_number"] == case["key"]["certificateNumber"])
    assert cert["status"] == "撤回"
    later = {s["stage"] for p, s in view.all("project_stage")
             if s["enterprise_uscc"] == cert["uscc"] and s["filed_on"] > cert["status_changed_on"]}
    assert {"合同备案", "施工许可"} <= later


def test_two_accidents_within_a_year_in_two_provinces(view: View) -> None:
    uscc = view.subject("accidents_two_provinces")
    accidents = [(p, r) for p, r in view.all("credit_record")
                 if r["subject_uscc"] == uscc and r["behaviour_code"] in ACCIDENT_CODES]
    assert len({p for p, _ in accidents}) == 2
    days = sorted(r["decision_date"] for _, r in accidents)
    assert (days[-1] - days[0]).days <= 365


def test_conflicting_registration_and_permit_without_award(view: View) -> None:
    rows = [r for _, r in view.all("enterprise") if r["uscc"] == view.subject("conflicting_registration")]
    assert len({r["name"] for r in rows}) == 2 and len({r["legal_representative"] for r in rows}) == 2
    number = view.subject("permit_without_award")
    stages = {s["stage"] for _, s in view.all("project_stage") if s["project_number"] == number}
    assert "施工许可" in stages and not stages & {"中标", "合同备案"}


def test_performance_claims_mismatch_and_phantom(view: View) -> None:
    mismatch = view.ds.case("performance_mismatch")["key"]
    claim = next(r for _, r in view.all("performance") if r["project_number"] == mismatch["projectNumber"])
    completion = next(s for _, s in view.all("project_stage")
                      if s["project_number"] == mismatch["projectNumber"] and s["stage"] == "竣工验收备案")
    assert claim["amount"] != completion["amount"] and claim["completed_on"] != completion["filed_on"]
    phantom = view.ds.case("performance_phantom")["key"]["projectNumber"]
    assert any(r["project_number"] == phantom for _, r in view.all("performance"))
    assert not any(r["project_number"] == phantom for _, r in view.all("project"))


def test_chief_supervisor_on_several_projects_across_provinces(view: View) -> None:
    tenures = view.active("总监理工程师")[view.subject("chief_supervisor_many_projects")]
    assert len(tenures) >= 4 and len({p for p, _ in tenures}) >= 3


def test_cross_province_winners_within_twelve_months(view: View) -> None:
    for case in ("cross_province_winner_bad_home", "cross_province_winner"):
        uscc = view.subject(case)
        home = province_of_division(uscc[2:8])
        wins = [p for p, s in view.all("project_stage") if s["enterprise_uscc"] == uscc and s["stage"] == "中标"
                and p != home and s["filed_on"] >= ANCHOR - timedelta(days=365)]
        bad_home = [r for r in view.rows(home, "credit_record")
                    if r["subject_uscc"] == uscc and r["polarity"] == "bad"
                    and record_is_public(r["status"], r["publish_from"], r["publish_to"], ANCHOR)]
        assert wins and bool(bad_home) == (case == "cross_province_winner_bad_home")


def test_clean_subjects_have_nothing_against_them(view: View) -> None:
    uscc, key = view.subject("clean_enterprise"), view.subject("clean_person")
    assert len(view.listed_in[uscc]) == 1
    assert not [r for _, r in view.all("credit_record") if r["polarity"] == "bad" and r["subject_uscc"] == uscc]
    assert not [r for _, r in view.all("blacklist_entry") if r["subject_uscc"] == uscc]
    assert not [r for _, r in view.all("credit_record") if r["subject_person_key"] == key]
    assert not view.active("项目负责人").get(key)


# ---- the background never repeats a finding -------------------------------------------------------

def test_only_planted_managers_run_two_sites_at_once(view: View) -> None:
    busy = {key for key, tenures in view.active("项目负责人").items() if len(tenures) > 1}
    assert busy == {view.subject("concurrent_project_manager")}
    overloaded = {key for key, tenures in view.active("总监理工程师").items() if len(tenures) > 2}
    assert overloaded == {view.subject("chief_supervisor_many_projects")}


def test_only_the_planted_person_is_registered_twice(view: View) -> None:
    employers: dict[tuple[str, str], set[str]] = defaultdict(set)
    for _, r in view.all("registration"):
        if r["status"] == "有效":
            employers[(r["person_key"], r["category"])].add(r["employer_uscc"])
    assert {key for (key, _), found in employers.items() if len(found) > 1} == {
        view.subject("dual_registration_person")
    }


def test_only_planted_enterprises_disagree_or_file_on_dead_certificates(view: View) -> None:
    facts: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for _, r in view.all("enterprise"):
        facts[r["uscc"]].add((r["name"], r["legal_representative"]))
    assert {u for u, f in facts.items() if len(f) > 1} == {view.subject("conflicting_registration")}
    dead = {}
    for _, c in view.all("qualification_certificate"):
        if c["status"] != "有效":
            dead[c["uscc"]] = c["status_changed_on"]
        elif c["valid_until"] < ANCHOR:
            dead[c["uscc"]] = c["valid_until"]
    late = {s["enterprise_uscc"] for _, s in view.all("project_stage")
            if s["enterprise_uscc"] in dead and s["filed_on"] > dead[s["enterprise_uscc"]]}
    assert late == {view.subject("qualification_revoked_still_active"), view.subject("permit_expired_qualification")}


def test_only_planted_projects_and_claims_are_inconsistent(view: View) -> None:
    stages: dict[str, set[str]] = defaultdict(set)
    completions = {}
    for _, s in view.all("project_stage"):
        stages[s["project_number"]].add(s["stage"])
        if s["stage"] == "竣工验收备案":
            completions[s["project_number"]] = (s["amount"], s["filed_on"])
    without_award = {n for n, found in stages.items() if "施工许可" in found and "中标" not in found}
    assert without_award == {view.subject("permit_without_award")}
    bad_claims = {r["uscc"] for _, r in view.all("performance")
                  if completions.get(r["project_number"]) != (r["amount"], r["completed_on"])}
    assert bad_claims == {view.subject("performance_mismatch"), view.subject("performance_phantom")}


def test_only_planted_enterprises_have_safety_or_quality_records_in_two_provinces(view: View) -> None:
    serious: dict[str, list[tuple[str, date]]] = defaultdict(list)
    for province, r in view.all("credit_record"):
        if r["subject_uscc"] and r["polarity"] == "bad" and re.match(r"^D1-[34]-", r["behaviour_code"]):
            serious[r["subject_uscc"]].append((province, r["decision_date"]))
    pairs = {u for u, found in serious.items() if len({p for p, _ in found}) > 1}
    assert pairs == {view.subject("accidents_two_provinces")}


def test_blacklisted_enterprises_win_elsewhere_only_where_planted(view: View) -> None:
    listed = {(p, r["subject_uscc"]): r["listed_on"]
              for p, r in view.all("blacklist_entry") if r["released_on"] is None}
    winners = {
        s["enterprise_uscc"] for p, s in view.all("project_stage") if s["stage"] == "中标"
        for (where, uscc), on in listed.items()
        if uscc == s["enterprise_uscc"] and where != p and s["filed_on"] > on
    }
    assert winners == {view.subject("blacklisted_active_elsewhere")}


# ---- provinces as configuration -------------------------------------------------------------------

def test_anhui_joins_as_a_fourth_province() -> None:
    dataset = make((SH, JS, ZJ, AH))
    view = View(dataset)
    assert {case["case"] for case in dataset.showcase} == ALL_CASES
    divisions = {row[0]: row[1] for row in dataset.central_rows["division"]}
    assert divisions["340100"] == "合肥市"
    anhui = view.rows("340000", "enterprise")
    assert len(anhui) > 40
    assert all(r["registered_division"] in divisions for r in anhui if r["registered_division"].startswith("34"))


def test_unknown_province_gets_generic_division_codes() -> None:
    jiangxi = ProvinceInfo("360000", "赣", "江西省")
    dataset = make((JS, jiangxi))
    divisions = {row[0]: row[1] for row in dataset.central_rows["division"]}
    assert divisions["360100"] == "江西第一市" and divisions["360102"] == "城东区"
    for row in dataset.rows("360000", "enterprise"):
        division = row[EXCHANGE_COLUMNS["enterprise"].index("registered_division")]
        assert division in divisions or not division.startswith("36")
    local = [row for row in dataset.central_rows["behaviour_code"] if row[1] == "360000"]
    assert local and all(row[0].startswith("P36-") for row in local)


def test_a_single_province_gets_the_cases_it_can_hold() -> None:
    dataset = make((JS,))
    cases = {case["case"] for case in dataset.showcase}
    assert {"clean_enterprise", "publication_windows", "blacklist_active", "pm_adjacent_phases_exception"} <= cases
    assert "tri_province_enterprise" not in cases


@pytest.mark.parametrize(
    ("provinces", "scale", "anchor", "message"),
    [
        ((JS, JS), 0.1, ANCHOR, "unique"),
        ((JS,), -1.0, ANCHOR, "scale"),
        ((), 0.1, ANCHOR, "at least one"),
        ((JS,), 0.1, date(2001, 1, 1), "anchor"),
    ],
)
def test_bad_arguments_are_rejected(provinces: tuple, scale: float, anchor: date, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        generate(provinces, scale=scale, seed=1, anchor=anchor, secret=SECRET)


def test_province_spec_checks_its_code() -> None:
    with pytest.raises(ValueError, match="division code"):
        ProvinceInfo("3200", "苏", "江苏省")
