"""Mutual recognition rules (互认), without a database."""

from __future__ import annotations

from datetime import date

import pytest

from resolvers.recognition import (
    Basis,
    Decision,
    RecognitionRules,
    category_of,
    rules_from_rows,
)
from sources.records import CodePayload, CrosswalkPayload, DecisionPayload

SH, JS, ZJ = "310000", "320000", "330000"
ALL = [SH, JS, ZJ]
DAY = date(2026, 6, 1)

RECOGNISED = Decision(SH, JS, "JS-ZB-02", "上海市住房和城乡建设管理委员会", "互认办法", date(2019, 1, 1), None, 1)
LAPSED = Decision(ZJ, JS, "JS-ZB-02", "浙江省住房和城乡建设厅", "互认办法", date(2018, 1, 1), date(2021, 12, 31), 2)
RULES = RecognitionRules(
    national=frozenset({"D1-2-04", "D1-5-01", "D1-G-02"}),
    crosswalk={(JS, "JS-SG-02"): "D1-5-01"},
    decisions=(RECOGNISED, LAPSED),
)


def _bases(grants: list) -> dict[str, Basis]:
    return {g.province: g.basis for g in grants}


@pytest.mark.parametrize("code", ["D1-1-01", "E1-4-02", "A1-5-01", "D1-G-02", "B1-3-02"])
def test_national_pattern_is_national_without_the_dictionary(code: str) -> None:
    assert RecognitionRules.unavailable().national_code(code, JS) == code


@pytest.mark.parametrize("code", ["JS-SG-02", "D1-1-1", "F1-1-01", "d1-1-01", "D1-12-01", "SH-ZB-01"])
def test_other_shapes_are_not_national_by_pattern(code: str) -> None:
    assert RecognitionRules.unavailable().national_code(code, JS) is None


def test_national_code_is_itself_then_crosswalk_then_none() -> None:
    assert RULES.national_code("D1-2-04", ZJ) == "D1-2-04"
    assert RULES.national_code("JS-SG-02", JS) == "D1-5-01"
    assert RULES.national_code("JS-SG-02", ZJ) is None  # the crosswalk entry is Jiangsu's, not Zhejiang's
    assert RULES.national_code("JS-ZB-02", JS) is None  # recognised by a decision, still no national code


def test_national_record_counts_everywhere_issuing_province_first() -> None:
    grants = RULES.grants("D1-2-04", ZJ, ALL, DAY)
    assert [g.province for g in grants] == [ZJ, SH, JS]
    assert _bases(grants) == {ZJ: Basis.ISSUING_PROVINCE, SH: Basis.NATIONAL_STANDARD, JS: Basis.NATIONAL_STANDARD}


def test_crosswalked_local_code_counts_everywhere_through_the_crosswalk() -> None:
    assert _bases(RULES.grants("JS-SG-02", JS, ALL, DAY)) == {
        JS: Basis.ISSUING_PROVINCE, SH: Basis.CROSSWALK, ZJ: Basis.CROSSWALK,
    }


def test_decision_counts_only_where_and_while_in_effect() -> None:
    today = _bases(RULES.grants("JS-ZB-02", JS, ALL, DAY))
    assert today == {JS: Basis.ISSUING_PROVINCE, SH: Basis.DECISION}
    back_then = RULES.grants("JS-ZB-02", JS, ALL, date(2020, 6, 1))
    assert _bases(back_then) == {JS: Basis.ISSUING_PROVINCE, SH: Basis.DECISION, ZJ: Basis.DECISION}
    assert next(g for g in back_then if g.province == ZJ).decision == LAPSED


def test_decision_ends_are_inclusive() -> None:
    assert LAPSED.in_effect(date(2018, 1, 1)) and LAPSED.in_effect(date(2021, 12, 31))
    assert not LAPSED.in_effect(date(2017, 12, 31)) and not LAPSED.in_effect(date(2022, 1, 1))
    assert RECOGNISED.in_effect(date(2099, 1, 1))  # open-ended


def test_a_decision_names_its_origin() -> None:
    # Zhejiang's own ZB-02 is not covered by Shanghai's decision about Jiangsu's.
    assert RULES.grants("JS-ZB-02", ZJ, ALL, DAY) == RULES.grants("JS-ZB-02", ZJ, ALL, DAY)[:1]


def test_the_latest_overlapping_decision_is_shown() -> None:
    later = Decision(SH, JS, "JS-ZB-02", "新决定", "再次确认", date(2024, 1, 1), None, 3)
    rules = RecognitionRules(decisions=(RECOGNISED, later))
    assert rules.decision_for("JS-ZB-02", JS, SH, DAY) == later
    assert rules.decision_for("JS-ZB-02", JS, SH, date(2020, 1, 1)) == RECOGNISED


def test_unknown_local_code_counts_only_where_issued_and_says_so() -> None:
    down = RecognitionRules.unavailable()
    assert not down.available and not down.is_known("JS-SG-02") and down.is_known("D1-2-04")
    assert _bases(down.grants("JS-SG-02", JS, ALL, DAY)) == {JS: Basis.ISSUING_PROVINCE}
    assert _bases(down.grants("D1-2-04", JS, ALL, DAY)) == {
        JS: Basis.ISSUING_PROVINCE, SH: Basis.NATIONAL_STANDARD, ZJ: Basis.NATIONAL_STANDARD,
    }


def test_good_behaviour_awards_follow_the_same_rule() -> None:
    assert len(RULES.recognised_elsewhere("D1-G-02", JS, ALL, DAY)) == 2  # a national award counts everywhere
    assert RULES.recognised_elsewhere("JS-LH-01", JS, ALL, DAY) == []  # a local award only at home


def test_rules_from_central_rows() -> None:
    rules = rules_from_rows(
        [CodePayload("D1-2-04", "000000"), CodePayload("JS-ZB-01", JS)],
        [CrosswalkPayload(province_code=JS, local_code="JS-SG-02", national_code="D1-5-01")],
        [DecisionPayload(id=7, recognising_province=SH + " ", origin_province=JS, local_code="JS-ZB-02",
                         decided_by="x", basis="y", effective_from=date(2019, 1, 1), effective_to=None)],
    )
    assert rules.national == frozenset({"D1-2-04"})
    assert rules.crosswalk == {(JS, "JS-SG-02"): "D1-5-01"}
    assert rules.decisions[0].recognising == SH and rules.decisions[0].id == 7


def test_category_of_national_codes() -> None:
    assert category_of("D1-3-04") == "3"
    assert category_of("D1-G-02") == "G"
    assert category_of("JS-SG") == ""
