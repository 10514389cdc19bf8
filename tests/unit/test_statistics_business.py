"""The gateway side of crossProvinceWinners: the default period, grouping awards by winner, asking
each home province only about its own winners."""

from __future__ import annotations

from datetime import date

import pytest

from domain.errors import BadUserInput
from resolvers.business import default_period, group_awards, home_of, usccs_by_home
from sources.records import TenderAwardRow

JS = "91320707468935960G"
ZJ = "91330502987465112N"
BJ = "91110000600037479C"  # registered outside the configured provinces


def test_default_period_is_the_twelve_months_up_to_today() -> None:
    assert default_period(date(2026, 11, 21), None, None) == (date(2025, 11, 22), date(2026, 11, 21))
    assert default_period(date(2026, 11, 21), None, date(2024, 2, 29)) == (date(2023, 3, 1), date(2024, 2, 29))
    assert default_period(date(2026, 11, 21), date(2020, 1, 1), None) == (date(2020, 1, 1), date(2026, 11, 21))


def test_period_must_not_run_backwards() -> None:
    with pytest.raises(BadUserInput, match="from must not be after to"):
        default_period(date(2026, 11, 21), date(2026, 1, 2), date(2026, 1, 1))


def test_home_is_the_division_inside_the_uscc() -> None:
    assert (home_of(JS), home_of(ZJ), home_of(BJ)) == ("320000", "330000", "110000")


def test_awards_are_grouped_by_winner_in_date_order() -> None:
    def award(number: str, uscc: str, day: int) -> TenderAwardRow:
        return TenderAwardRow(record_number=number, project_number="P", project_name="项目", uscc=uscc,
                              enterprise_name=None, amount=None, filed_on=date(2026, 1, day))

    grouped = group_awards({"310000": [award("b", JS, 9), award("c", ZJ, 1)], "330000": [award("a", JS, 3)]})
    assert [(code, row.record_number) for code, row in grouped[JS]] == [("330000", "a"), ("310000", "b")]
    assert len(grouped[ZJ]) == 1


def test_each_home_province_is_asked_only_about_its_winners() -> None:
    assert usccs_by_home([JS, ZJ, BJ], ["310000", "320000", "330000"]) == {"320000": [JS], "330000": [ZJ]}
    assert usccs_by_home([JS, ZJ], ["330000"]) == {"330000": [ZJ]}  # a failed province is not askable
