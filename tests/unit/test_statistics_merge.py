"""The gateway side of creditStatistics: merging partial groups, ordering, grouping flags."""

from __future__ import annotations

from decimal import Decimal

from resolvers.statistics import StatisticsDimension, Tally, _sort_key, grouping_of, merge_partials
from sources.records import StatisticsGroupRow


def _row(party: str | None, records: int, fine: str = "0", year: int | None = None) -> StatisticsGroupRow:
    return StatisticsGroupRow(party=party, category=None, national=party is not None and party[1].isdigit(),
                              year=year, polarity=None, records=records, fine_total=Decimal(fine))


def test_same_group_from_several_provinces_is_added_up() -> None:
    merged = merge_partials(
        {"310000": [_row("D1", 2, "100"), _row("SH-ZB", 1)], "320000": [_row("D1", 3, "50.50")]}, by_province=False
    )
    assert merged[(None, "D1", None, True, None, None)] == Tally(5, Decimal("150.50"))
    assert merged[(None, "SH-ZB", None, False, None, None)] == Tally(1, Decimal(0))


def test_grouping_by_province_keeps_provinces_apart() -> None:
    merged = merge_partials({"310000": [_row("D1", 2)], "320000": [_row("D1", 3)]}, by_province=True)
    assert {k[0]: t.count for k, t in merged.items()} == {"310000": 2, "320000": 3}


def test_no_answers_no_groups() -> None:
    assert merge_partials({}, by_province=True) == {}


def test_keys_sort_by_their_parts_with_null_last() -> None:
    keys = [("320000", "D1", None, True, 2025, None), ("310000", "E1", None, True, 2024, None),
            ("310000", "D1", None, True, None, None), ("310000", "D1", None, True, 2026, None)]
    assert sorted(keys, key=_sort_key) == [keys[3], keys[2], keys[1], keys[0]]


def test_grouping_flags_follow_the_dimensions() -> None:
    grouping = grouping_of([StatisticsDimension.CATEGORY, StatisticsDimension.YEAR, StatisticsDimension.PROVINCE])
    assert (grouping.party, grouping.category, grouping.year, grouping.polarity) == (False, True, True, False)
    assert grouping_of([]) == grouping_of([StatisticsDimension.PROVINCE])  # the province is the statement itself
