"""Cross-check rules over credit records and blacklist entries (pure, no database)."""

from __future__ import annotations

from datetime import date, timedelta

from resolvers.crosscheck.facts import Listed, Record
from resolvers.crosscheck.findings import Code, Severity
from resolvers.crosscheck.rules_records import active_bad_records, active_blacklist, cross_province_accidents
from resolvers.recognition import Decision, RecognitionRules

SH, JS, ZJ = "310000", "320000", "330000"
ALL = [SH, JS, ZJ]
TODAY = date(2026, 6, 1)
RULES = RecognitionRules(
    national=frozenset({"D1-2-04", "D1-3-04", "D1-4-05"}),
    crosswalk={(JS, "JS-SG-02"): "D1-5-01", (ZJ, "ZJ-SJ-01"): "C1-3-03"},
    decisions=(Decision(SH, JS, "JS-ZB-02", "上海市住建委", "互认", date(2019, 1, 1)),),
)


def record(province: str, code: str, decided: date, *, polarity: str = "bad", days: int = 365, n: str = "") -> Record:
    start = decided + timedelta(days=3)
    number = n or f"{province}-{code}-{decided}"
    return Record(province, number, polarity, code, None, decided, None, start, start + timedelta(days=days))


def listed(province: str, on: date, released: date | None = None) -> Listed:
    return Listed(province, f"HMD-{province}", "转包", "住建厅", on, on.replace(year=on.year + 1), released)


def codes(findings: list) -> list[tuple[Code, str | None]]:
    return [(f.code, f.behaviour_code) for f in findings]


# ---- blacklist ---------------------------------------------------------------------------------

def test_active_blacklist_from_listing_day_until_release_exclusive() -> None:
    entry = listed(JS, date(2026, 1, 10))
    assert active_blacklist([entry], date(2026, 1, 9)) == []
    found = active_blacklist([entry], date(2026, 1, 10))
    assert codes(found) == [(Code.ACTIVE_BLACKLIST, None)] and found[0].severity is Severity.CRITICAL
    assert active_blacklist([entry], date(2027, 1, 10)) == []  # the planned release day is free


def test_early_release_ends_the_listing() -> None:
    entry = listed(JS, date(2026, 1, 10), released=date(2026, 3, 1))
    assert active_blacklist([entry], date(2026, 2, 28)) and not active_blacklist([entry], date(2026, 3, 1))


def test_blacklist_evidence_names_every_listing_province() -> None:
    found = active_blacklist([listed(JS, date(2026, 1, 1)), listed(ZJ, date(2026, 2, 1))], TODAY)
    assert [e.province for e in found[0].evidence] == [JS, ZJ]


# ---- bad records ---------------------------------------------------------------------------------

def test_bad_records_inside_their_window_grouped_by_national_code() -> None:
    found = active_bad_records(
        [record(SH, "D1-2-04", date(2026, 1, 5)), record(JS, "D1-2-04", date(2026, 3, 1))], RULES, ALL, TODAY
    )
    assert codes(found) == [(Code.ACTIVE_BAD_RECORD, "D1-2-04")]
    assert [e.province for e in found[0].evidence] == [SH, JS]


def test_windows_are_judged_at_the_date_asked() -> None:
    old = record(SH, "D1-2-04", date(2024, 1, 5), days=200)
    assert active_bad_records([old], RULES, ALL, TODAY) == []
    assert codes(active_bad_records([old], RULES, ALL, date(2024, 5, 1))) == [(Code.ACTIVE_BAD_RECORD, "D1-2-04")]
    assert active_bad_records([old], RULES, ALL, date(2024, 1, 6)) == []  # decided, not yet published


def test_good_records_are_never_findings() -> None:
    assert active_bad_records([record(JS, "D1-G-02", date(2026, 1, 5), polarity="good")], RULES, ALL, TODAY) == []


def test_crosswalked_local_record_counts_under_its_national_code() -> None:
    found = active_bad_records([record(JS, "JS-SG-02", date(2026, 1, 5))], RULES, ALL, TODAY)
    assert codes(found) == [(Code.ACTIVE_BAD_RECORD, "D1-5-01")]
    assert "JS-SG-02" in (found[0].evidence[0].note or "")


def test_local_record_recognised_by_decision_is_a_finding_under_its_own_code() -> None:
    found = active_bad_records([record(JS, "JS-ZB-02", date(2026, 1, 5))], RULES, ALL, TODAY)
    assert codes(found) == [(Code.ACTIVE_BAD_RECORD, "JS-ZB-02")]
    assert SH in (found[0].evidence[0].note or "")


def test_unrecognised_local_record_is_only_informational() -> None:
    found = active_bad_records([record(JS, "JS-ZB-01", date(2026, 1, 5))], RULES, ALL, TODAY)
    assert codes(found) == [(Code.UNRECOGNISED_LOCAL_RECORD, "JS-ZB-01")]
    assert found[0].informational


def test_without_rules_local_records_are_unknown_national_ones_still_count() -> None:
    down = RecognitionRules.unavailable()
    found = active_bad_records(
        [record(JS, "JS-SG-02", date(2026, 1, 5)), record(JS, "D1-2-04", date(2026, 1, 5))], down, ALL, TODAY
    )
    assert sorted(codes(found), key=str) == [
        (Code.ACTIVE_BAD_RECORD, "D1-2-04"), (Code.RECOGNITION_UNKNOWN, "JS-SG-02"),
    ]


# ---- accidents -------------------------------------------------------------------------------------

def test_two_serious_records_in_two_provinces_within_twelve_months() -> None:
    records = [record(SH, "D1-3-04", date(2025, 8, 15)), record(JS, "D1-4-05", date(2026, 3, 1))]
    found = cross_province_accidents(records, RULES, TODAY)
    assert codes(found) == [(Code.CROSS_PROVINCE_ACCIDENTS, None)] and found[0].severity is Severity.HIGH
    assert [e.province for e in found[0].evidence] == [SH, JS]


def test_accidents_in_one_province_only_are_that_province_s_business() -> None:
    records = [record(SH, "D1-3-04", date(2025, 8, 15)), record(SH, "D1-4-05", date(2026, 3, 1), n="2")]
    assert cross_province_accidents(records, RULES, TODAY) == []


def test_accidents_more_than_twelve_months_apart_from_the_date_asked_do_not_count() -> None:
    records = [record(SH, "D1-3-04", date(2025, 5, 31)), record(JS, "D1-4-05", date(2026, 3, 1))]
    assert cross_province_accidents(records, RULES, TODAY) == []
    assert cross_province_accidents(records, RULES, date(2026, 5, 30))


def test_crosswalk_equivalents_of_quality_codes_count() -> None:
    records = [record(ZJ, "ZJ-SJ-01", date(2026, 1, 1)), record(JS, "D1-4-05", date(2026, 3, 1))]
    found = cross_province_accidents(records, RULES, TODAY)
    assert found and found[0].evidence[0].note == "ZJ-SJ-01 → C1-3-03"


def test_other_categories_are_not_accidents() -> None:
    records = [record(SH, "D1-2-04", date(2026, 1, 1)), record(JS, "D1-4-05", date(2026, 3, 1))]
    assert cross_province_accidents(records, RULES, TODAY) == []
