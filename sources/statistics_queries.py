"""Aggregations pushed down to the provinces: credit statistics and the cross-province tender view.

Each function is **one statement** against one province; the gateway runs them for all provinces
in parallel and merges the partial answers.  Nothing here returns rows in proportion to the size
of ``exchange.credit_record``: statistics come back as one row per group, bad-record counts as one
row per asked enterprise.

Behaviour-code roll-up (DOMAIN §3, 统分结合): the statistics statement receives the province's
local → national crosswalk as two parallel arrays and joins it in SQL, so a mapped local code is
counted under its national code's party and category *before* grouping.  Passing the crosswalk in
(rather than grouping by raw ``behaviour_code`` and rolling up in the gateway) keeps the result at
exactly one row per requested group, whatever the number of distinct codes, and lets the
``behaviour_code`` prefix filter see the rolled-up code.  The crosswalk is small (a few entries
per province), so the arrays cost nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from sources import central_queries
from sources.base import Source

# The one definition of "which records may this request see", shared with the lists so that a
# statistic never counts a record the same caller could not list.  It reads $2 (public_on) and
# $3 (drafts of this province allowed): every statement below keeps those two positions for it.
from sources.province_queries import VISIBLE_CLAUSE, Visibility
from sources.records import StatisticsGroupRow, TenderAwardRow

# National codes are `<party letter><version digit>-<category>-<item>` (建市[2007]9号): A1 … E1.
# Local code sets start with a province prefix (SH, JS, ZJ, AH or P + two digits), never this.
NATIONAL_CODE_PATTERN = "^[A-Z][0-9]-"


@dataclass(frozen=True)
class StatisticsGrouping:
    """Which code- and date-derived keys to group by (the province is the statement itself)."""

    party: bool = False
    category: bool = False
    year: bool = False
    polarity: bool = False


@dataclass(frozen=True)
class StatisticsFilter:
    """Record filter pushed down with the aggregation."""

    polarity: str | None = None
    decided_from: date | None = None
    decided_to: date | None = None
    code_prefix: str | None = None


# Ungrouped keys are the constant NULL, so one statement text serves every combination of
# dimensions (one prepared statement per pool) and no SQL is ever assembled from input.
# `code` is the rolled-up code; `national` says whether it is a national code.  A national code's
# party is its first segment and its category the first two (D1, D1-3); an unmapped local code
# `<XX>-<set>-<item>` has no national party, so its code set `<XX>-<set>` serves as both.
CREDIT_STATISTICS_SQL = f"""
WITH crosswalk AS (
    SELECT * FROM unnest($4::text[], $5::text[]) AS c(local_code, national_code)
), rolled AS (
    SELECT coalesce(c.national_code, r.behaviour_code) AS code,
           c.national_code IS NOT NULL OR r.behaviour_code ~ '{NATIONAL_CODE_PATTERN}' AS national,
           r.decision_date, r.polarity, r.fine
      FROM exchange.credit_record r
      LEFT JOIN crosswalk c ON c.local_code = r.behaviour_code
     WHERE {VISIBLE_CLAUSE}
       AND ($1::text IS NULL OR r.polarity = $1)
       AND ($6::date IS NULL OR r.decision_date >= $6)
       AND ($7::date IS NULL OR r.decision_date <= $7)
       AND ($8::text IS NULL OR starts_with(r.behaviour_code, $8) OR starts_with(c.national_code, $8))
)
SELECT CASE WHEN $9::boolean THEN CASE WHEN national THEN split_part(code, '-', 1)
                              ELSE substring(code FROM '^[^-]*(?:-[^-]*)?') END END AS party,
       CASE WHEN $10::boolean THEN substring(code FROM '^[^-]*(?:-[^-]*)?') END AS category,
       CASE WHEN $9::boolean OR $10::boolean THEN national END AS national,
       CASE WHEN $11::boolean THEN extract(year FROM decision_date)::int END AS year,
       CASE WHEN $12::boolean THEN polarity END AS polarity,
       count(*) AS records,
       coalesce(sum(fine), 0) AS fine_total
  FROM rolled
 GROUP BY 1, 2, 3, 4, 5
"""


async def credit_statistics(
    source: Source, *, grouping: StatisticsGrouping, filter: StatisticsFilter, visibility: Visibility,
    crosswalk: Mapping[str, str],
) -> list[StatisticsGroupRow]:
    """One GROUP BY over this province's visible credit records; ``crosswalk`` is local → national.

    Groups: party, category, national, year, polarity (None unless grouped), records, fine_total.
    """
    locals_, nationals = list(crosswalk), list(crosswalk.values())
    rows = await source.fetch(
        CREDIT_STATISTICS_SQL,
        filter.polarity, *visibility.args(source.name), locals_, nationals,
        filter.decided_from, filter.decided_to, filter.code_prefix,
        grouping.party, grouping.category, grouping.year, grouping.polarity,
    )
    return [StatisticsGroupRow.from_record(row) for row in rows]


async def crosswalks(central: Source) -> dict[str, dict[str, str]]:
    """The central crosswalk (one statement) as province code → {local code: national code}."""
    by_province: dict[str, dict[str, str]] = {}
    for row in await central_queries.crosswalk(central):
        by_province.setdefault(row["province_code"].strip(), {})[row["local_code"]] = row["national_code"]
    return by_province


# ---- cross-province tender winners (DOMAIN §5 question 9) -------------------------------------

# A winner is "from another province" when the division code inside its USCC (positions 3-8)
# names another province; comparing the first two digits is the same test without a lookup.
CROSS_PROVINCE_AWARDS_SQL = """
SELECT s.record_number, s.project_number, p.name AS project_name, s.enterprise_uscc AS uscc,
       e.name AS enterprise_name, s.amount, s.filed_on
  FROM exchange.project_stage s
  JOIN exchange.project p USING (project_number)
  LEFT JOIN exchange.enterprise e ON e.uscc = s.enterprise_uscc
 WHERE s.stage = '中标'
   AND s.filed_on BETWEEN $1 AND $2
   AND substr(s.enterprise_uscc, 3, 2) <> $3
   AND ($4::text IS NULL OR substr(s.enterprise_uscc, 3, 2) = $4)
 ORDER BY s.enterprise_uscc, s.filed_on, s.record_number
"""


async def cross_province_awards(
    source: Source, province: str, *, period_from: date, period_to: date, home: str | None
) -> list[TenderAwardRow]:
    """Tender awards (中标) filed in ``province`` in the period to enterprises registered elsewhere.

    ``home`` (a province code) keeps only winners registered there.
    """
    rows = await source.fetch(
        CROSS_PROVINCE_AWARDS_SQL, period_from, period_to, province[:2], home[:2] if home else None
    )
    return [TenderAwardRow.from_record(row) for row in rows]


# Bad records counted at home: published, inside their publication window on `as_of`, and visible
# to the caller (the public additionally only sees what is inside its window today).  Drafts and
# revoked records are visible to some regulators but are not standing bad records, so never count.
BAD_RECORD_COUNTS_SQL = f"""
SELECT subject_uscc AS uscc, count(*) AS bad_records
  FROM exchange.credit_record
 WHERE subject_uscc = ANY($1::text[])
   AND polarity = 'bad' AND status = 'published'
   AND $4::date BETWEEN publish_from AND publish_to
   AND {VISIBLE_CLAUSE}
 GROUP BY subject_uscc
"""


async def bad_record_counts(
    source: Source, usccs: Sequence[str], *, as_of: date, visibility: Visibility
) -> dict[str, int]:
    """For every USCC asked (one statement), how many standing bad records this province holds."""
    rows = await source.fetch(BAD_RECORD_COUNTS_SQL, list(usccs), *visibility.args(source.name), as_of)
    counts = {uscc: 0 for uscc in usccs}
    counts.update({row["uscc"]: row["bad_records"] for row in rows})
    return counts
