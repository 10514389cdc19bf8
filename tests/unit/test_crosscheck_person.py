"""Cross-check rules over key positions and registrations, and the verdict (pure, no database)."""

from __future__ import annotations

from datetime import date

from resolvers.crosscheck.facts import Record, RegistrationFact, Tenure
from resolvers.crosscheck.findings import Code, Finding, Severity
from resolvers.crosscheck.rules_person import concurrent_chief, concurrent_leads, multiple_employers
from resolvers.crosscheck.verdict import Verdict, needs_rules
from resolvers.recognition import RecognitionRules

SH, JS, ZJ = "310000", "320000", "330000"
TODAY = date(2026, 6, 1)
PM, CHIEF = "项目负责人", "总监理工程师"


def tenure(province: str, project: str, start: date, *, role: str = PM, end: date | None = None,
           document: str | None = None, completed: date | None = None) -> Tenure:
    return Tenure(province, project, role, "苏1322018000012", start, end, document, completed)


def reg(province: str, employer: str, *, category: str = "一级注册建造师", status: str = "有效",
        until: date = date(2028, 1, 1)) -> RegistrationFact:
    return RegistrationFact(province, f"{province}-{employer}", category, employer, date(2020, 1, 1), until, status)


def codes(findings: list[Finding]) -> list[Code]:
    return [f.code for f in findings]


# ---- project managers ----------------------------------------------------------------------------

def test_two_unfinished_projects_in_two_provinces() -> None:
    found = concurrent_leads([tenure(SH, "P1", date(2025, 1, 1)), tenure(JS, "P2", date(2026, 3, 1))], TODAY)
    assert codes(found) == [Code.CONCURRENT_PROJECT_LEAD] and found[0].severity is Severity.HIGH
    assert [e.province for e in found[0].evidence] == [SH, JS]


def test_completed_ended_or_not_yet_started_tenures_do_not_overlap() -> None:
    assert concurrent_leads([tenure(SH, "P1", date(2025, 1, 1), completed=date(2026, 1, 1)),
                             tenure(JS, "P2", date(2026, 3, 1))], TODAY) == []
    assert concurrent_leads([tenure(SH, "P1", date(2025, 1, 1), end=date(2026, 2, 1), document="变更备案"),
                             tenure(JS, "P2", date(2026, 3, 1))], TODAY) == []
    assert concurrent_leads([tenure(SH, "P1", date(2025, 1, 1)), tenure(JS, "P2", date(2026, 7, 1))], TODAY) == []


def test_the_overlap_is_judged_at_the_date_asked() -> None:
    tenures = [tenure(SH, "P1", date(2025, 1, 1), completed=date(2026, 1, 1)), tenure(JS, "P2", date(2025, 6, 1))]
    assert concurrent_leads(tenures, TODAY) == []
    assert codes(concurrent_leads(tenures, date(2025, 9, 1))) == [Code.CONCURRENT_PROJECT_LEAD]


def test_documented_adjacent_phases_are_informational() -> None:
    found = concurrent_leads([
        tenure(JS, "P1", date(2025, 1, 1)),
        tenure(JS, "P2", date(2026, 1, 1), document="同一项目相邻标段…（宁建管函〔2026〕12号）"),
    ], TODAY)
    assert codes(found) == [Code.DOCUMENTED_CONCURRENT_LEAD] and found[0].informational


def test_other_roles_do_not_count_as_leads() -> None:
    assert concurrent_leads([tenure(SH, "P1", date(2025, 1, 1), role=CHIEF),
                             tenure(JS, "P2", date(2026, 3, 1), role=CHIEF)], TODAY) == []


def test_chief_supervisor_up_to_three_projects_is_allowed() -> None:
    three = [tenure(SH, f"P{i}", date(2025, 1, i + 1), role=CHIEF) for i in range(3)]
    assert concurrent_chief(three, TODAY) == []
    four = [*three, tenure(ZJ, "P9", date(2026, 1, 1), role=CHIEF)]
    assert codes(concurrent_chief(four, TODAY)) == [Code.CONCURRENT_CHIEF_SUPERVISOR]


# ---- registrations ---------------------------------------------------------------------------------

def test_one_category_two_employers_is_certificate_renting() -> None:
    found = multiple_employers([reg(SH, "A"), reg(JS, "B")], TODAY)
    assert codes(found) == [Code.MULTIPLE_EMPLOYERS]


def test_lawful_registrations_are_no_finding() -> None:
    assert multiple_employers([reg(SH, "A"), reg(SH, "A", category="注册造价工程师")], TODAY) == []  # two categories
    assert multiple_employers([reg(SH, "A"), reg(JS, "B", status="注销")], TODAY) == []
    assert multiple_employers([reg(SH, "A"), reg(JS, "B", until=date(2026, 1, 1))], TODAY) == []


# ---- verdict -------------------------------------------------------------------------------------------

INFO = Finding(Code.UNRECOGNISED_LOCAL_RECORD, Severity.INFO, "提示", "note")
HIGH = Finding(Code.MULTIPLE_EMPLOYERS, Severity.HIGH, "问题", "problem")
NAMES = {JS: "江苏省（320000）"}


def test_complete_without_findings_says_so() -> None:
    verdict = Verdict(True, (SH, JS, ZJ), (), (INFO,))
    assert verdict.complete and verdict.problems == [] and verdict.informational == [INFO]
    assert verdict.statement(NAMES)[1] == "Every province answered: no findings."


def test_incomplete_never_says_no_findings() -> None:
    verdict = Verdict(True, (SH, JS, ZJ), (JS,), ())
    zh, en = verdict.statement(NAMES)
    assert not verdict.complete and verdict.answered == [SH, ZJ]
    assert "江苏省（320000）未答复" in zh and "no findings" not in en and "cannot be concluded" in en


def test_missing_rules_make_a_report_incomplete_only_when_needed() -> None:
    assert Verdict(True, (SH,), (), (HIGH,), rules_available=False, rules_needed=False).complete
    verdict = Verdict(True, (SH,), (), (HIGH,), rules_available=False, rules_needed=True)
    assert not verdict.complete and "recognition rules" in verdict.statement(NAMES)[1]


def test_rules_are_needed_for_local_bad_records_that_matter_on_the_date() -> None:
    down = RecognitionRules.unavailable()
    local = Record(JS, "1", "bad", "JS-SG-02", None, date(2026, 1, 1), None, date(2026, 1, 3), date(2027, 1, 2))
    national = Record(JS, "2", "bad", "D1-2-04", None, date(2026, 1, 1), None, date(2026, 1, 3), date(2027, 1, 2))
    assert needs_rules([local], down, TODAY) and not needs_rules([national], down, TODAY)
    assert not needs_rules([local], RecognitionRules(), TODAY)
    assert not needs_rules([local], down, date(2029, 1, 1))  # long out of its window and of the accident rule


def test_not_found_anywhere() -> None:
    assert "none of them knows" in Verdict(False, (SH, JS), (), ()).statement(NAMES)[1]
