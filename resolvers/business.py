"""The cross-province business view (DOMAIN §5 question 9): which enterprises registered in one
province won tenders in another, and how many of them have bad records at home.

Two rounds, each one statement per province in parallel: the award provinces list their
cross-province awards; then every home province counts the standing bad records of all its
winners at once (``= ANY($1)``).  Statements per request: at most 2 per province, however many
winners there are.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Annotated

import strawberry

from domain.errors import BadUserInput
from domain.identifiers import province_of_division, uscc_division
from resolvers.context import Context, Info
from resolvers.federation import Gathered, gather, path_of
from resolvers.scalars import USCC
from resolvers.statistics import asked_provinces
from resolvers.types.common import Coverage, Province, coverage, province
from sources import statistics_queries as sq
from sources.records import TenderAwardRow

# Stated in the schema; ``first`` is checked once, before execution, against [limits] max_page_size.
MAX_WINNERS = 500
_PROVINCE_CODE = re.compile(r"^\d{2}0000$")

# An award as the gateway keeps it between the two rounds: (award province, award row).
Award = tuple[str, TenderAwardRow]


@strawberry.type(description="一次中标（招投标阶段备案）。 One tender award (中标 filing).")
class TenderAward:
    province: Province = strawberry.field(description="中标项目所在省份。 Province where the project is.")
    record_number: str = strawberry.field(description="中标备案编号。 Record number of the award filing.")
    project_number: str = strawberry.field(description="项目编号。 Project number.")
    project_name: str = strawberry.field(description="项目名称。 Project name.")
    amount: Decimal | None = strawberry.field(description="中标金额（万元）。 Award amount in 10k yuan.")
    awarded_on: date = strawberry.field(description="中标备案日期。 Date of the award filing.")

    @classmethod
    def of(cls, info: Info, award: Award) -> TenderAward:
        code, row = award
        return cls(
            province=province(info, code), record_number=row.record_number, project_number=row.project_number,
            project_name=row.project_name, amount=row.amount, awarded_on=row.filed_on,
        )


@strawberry.type(
    description="在注册地以外省份中标的企业。 An enterprise that won tenders outside its registering province."
)
class CrossProvinceWinner:
    uscc: USCC = strawberry.field(description="统一社会信用代码。 Unified social credit code.")
    name: str | None = strawberry.field(description="企业名称（中标省份登记）。 Name as listed where it won.")
    home_province: Province = strawberry.field(
        description="注册地省份（信用代码第3-8位）。 Registering province (USCC positions 3-8)."
    )
    awards: list[TenderAward] = strawberry.field(description="期间内的外省中标。 Its awards in the period.")
    award_amount: Decimal = strawberry.field(description="中标金额合计（万元）。 Sum of award amounts, 10k yuan.")
    bad_records_at_home: int | None = strawberry.field(
        description=(
            "注册地数据库中在期末处于公布期内的不良记录数（受访问权限限制）；注册地未接入或未答复时为 null。"
            " Bad records in the home province's database inside their publication window at the period's end"
            " (as the caller may see them); null when the home province is not configured or did not answer."
        )
    )


@strawberry.type(description="跨省中标汇总。 Summary of cross-province winners.")
class CrossProvinceSummary:
    winners: int = strawberry.field(description="外省中标企业数。 Number of winning enterprises.")
    awards: int = strawberry.field(description="中标次数。 Number of awards.")
    with_bad_records_at_home: int = strawberry.field(
        description="其中在注册地有不良记录的企业数。 Winners with at least one bad record at home."
    )
    unknown_at_home: int = strawberry.field(
        description=(
            "注册地未接入或未答复、无法判断的企业数。 Winners whose home province is not configured or did not"
            " answer, so their record at home is unknown."
        )
    )


@strawberry.type(
    description=(
        "跨省中标视图：注册在一省、在另一省中标的企业及其注册地不良记录。 Enterprises registered in one province"
        " that won tenders in another, with their bad records at home."
    )
)
class CrossProvinceWinners:
    period_from: date = strawberry.field(description="期间起（含）。 Start of the period, inclusive.")
    period_to: date = strawberry.field(description="期间止（含）。 End of the period, inclusive.")
    winners: list[CrossProvinceWinner] = strawberry.field(
        description=(
            "中标企业：注册地有不良记录者在前，再按信用代码。 Winners, those with bad records at home first,"
            " then by USCC; at most `first`."
        )
    )
    truncated: bool = strawberry.field(description="列表是否因 first 被截断。 Whether `first` cut the list.")
    summary: CrossProvinceSummary = strawberry.field(description="全部中标企业的汇总。 Summary over all winners.")
    coverage: Coverage = strawberry.field(
        description="中标省份与注册地省份的答复情况。 Which award and home provinces answered."
    )


def default_period(today: date, period_from: date | None, period_to: date | None) -> tuple[date, date]:
    """The period asked for; by default the 12 months up to ``to`` (itself today by default)."""
    end = period_to or today
    if period_from is not None:
        start = period_from
    else:  # same day one year earlier (28 Feb for 29 Feb), plus one: exactly twelve months inclusive
        start = (end.replace(year=end.year - 1, day=min(end.day, 28)) if (end.month, end.day) == (2, 29)
                 else end.replace(year=end.year - 1)) + timedelta(days=1)
    if start > end:
        raise BadUserInput("from must not be after to")
    return start, end


def home_of(uscc: str) -> str:
    """The registering province: the division code inside the USCC (DOMAIN §3)."""
    return province_of_division(uscc_division(uscc))


def group_awards(answers: Mapping[str, Sequence[TenderAwardRow]]) -> dict[str, list[Award]]:
    """Awards of every province by winner USCC, each winner's awards by date."""
    by_winner: dict[str, list[Award]] = {}
    for code, rows in answers.items():
        for row in rows:
            by_winner.setdefault(row.uscc, []).append((code, row))
    for awards in by_winner.values():
        awards.sort(key=lambda a: (a[1].filed_on, a[0], a[1].record_number))
    return by_winner


def usccs_by_home(usccs: Sequence[str], askable: Sequence[str]) -> dict[str, list[str]]:
    """The winners each askable home province should count bad records for."""
    grouped: dict[str, list[str]] = {code: [] for code in askable}
    for uscc in usccs:
        home = home_of(uscc)
        if home in grouped:
            grouped[home].append(uscc)
    return {code: usccs for code, usccs in grouped.items() if usccs}


async def _awards(ctx: Context, path: tuple[str | int, ...], provinces: list[str], period: tuple[date, date],
                  home: str | None) -> Gathered[Sequence[TenderAwardRow]]:
    async def fetch(code: str) -> Sequence[TenderAwardRow]:
        source = ctx.sources.provinces[code].source
        return await sq.cross_province_awards(source, code, period_from=period[0], period_to=period[1], home=home)

    return await gather(ctx, path, provinces, fetch)


async def _bad_counts(ctx: Context, path: tuple[str | int, ...], wanted: dict[str, list[str]],
                      as_of: date) -> Gathered[dict[str, int]]:
    visibility = ctx.identity.record_visibility(ctx.today)

    async def count(code: str) -> dict[str, int]:
        source = ctx.sources.provinces[code].source
        return await sq.bad_record_counts(source, wanted[code], as_of=as_of, visibility=visibility)

    return await gather(ctx, path, wanted, count)


def _winner(info: Info, uscc: str, awards: list[Award], counts: Mapping[str, int]) -> CrossProvinceWinner:
    return CrossProvinceWinner(
        uscc=USCC(uscc),
        name=next((row.enterprise_name for _, row in awards if row.enterprise_name), None),
        home_province=province(info, home_of(uscc)),
        awards=[TenderAward.of(info, a) for a in awards],
        award_amount=sum((row.amount or Decimal(0) for _, row in awards), Decimal(0)),
        bad_records_at_home=counts.get(uscc),
    )


def _order(winner: CrossProvinceWinner) -> tuple[int, str]:
    bad = winner.bad_records_at_home
    return (-bad if bad is not None else 1, winner.uscc)  # bad at home first, unknown last


def _summary(winners: list[CrossProvinceWinner]) -> CrossProvinceSummary:
    return CrossProvinceSummary(
        winners=len(winners),
        awards=sum(len(w.awards) for w in winners),
        with_bad_records_at_home=sum(1 for w in winners if w.bad_records_at_home),
        unknown_at_home=sum(1 for w in winners if w.bad_records_at_home is None),
    )


def _checked_home(home_province: str | None) -> str | None:
    if home_province is not None and not _PROVINCE_CODE.match(home_province):
        raise BadUserInput(f"homeProvince must be a province-level division code like 320000, got {home_province!r}")
    return home_province  # any province, configured or not: out-of-Delta winners are winners too


async def cross_province_winners(
    info: Info, period_from: date | None, period_to: date | None, award_province: str | None,
    home_province: str | None, first: int,
) -> CrossProvinceWinners:
    ctx, path = info.context, path_of(info)
    period = default_period(ctx.today, period_from, period_to)
    home = _checked_home(home_province)
    award_provinces = asked_provinces(ctx, [award_province] if award_province is not None else None, "awardProvince")
    awards = await _awards(ctx, path, award_provinces, period, home)
    by_winner = group_awards(awards.answers)
    # A province that failed the first round is not asked again: its failure is already reported.
    askable = [c for c in ctx.province_codes if c not in awards.failed]
    counts = await _bad_counts(ctx, path, usccs_by_home(sorted(by_winner), askable), period[1])
    known = {uscc: n for answer in counts.answers.values() for uscc, n in answer.items()}
    winners = sorted((_winner(info, u, a, known) for u, a in by_winner.items()), key=_order)
    consulted = [c for c in ctx.province_codes if c in award_provinces or c in counts.answers or c in counts.failed]
    failed = set(awards.failed) | set(counts.failed)
    return CrossProvinceWinners(
        period_from=period[0], period_to=period[1], winners=winners[:first], truncated=len(winners) > first,
        summary=_summary(winners),
        coverage=coverage(info, [c for c in consulted if c not in failed], [c for c in consulted if c in failed]),
    )


_FROM = strawberry.argument(
    name="from", description="期间起，默认 to 前12个月。 Period start, inclusive; default 12 months before `to`."
)
_TO = strawberry.argument(description="期间止，默认今天。 Period end, inclusive; default today.")
_AWARD_PROVINCE = strawberry.argument(description="仅此中标省份。 Only awards in this (configured) province.")
_HOME_PROVINCE = strawberry.argument(
    description="仅注册在此省份的企业（可为未接入省份）。 Only winners registered in this province (configured or not)."
)
_FIRST = strawberry.argument(description=f"最多列出的企业数（1-{MAX_WINNERS}）。 Winners to list at most.")


@strawberry.type(description="业务监管入口。 Cross-province business entry points.")
class BusinessQuery:
    @strawberry.field(
        description=(
            "跨省中标企业：注册在一省、期间内在另一省中标，及其注册地不良记录。"
            " Enterprises registered in one province that won tenders in another in the period, with their bad"
            " records at home (one statement per award province, then one per home province)."
        )
    )
    async def cross_province_winners(
        self,
        info: Info,
        from_: Annotated[date | None, _FROM] = None,
        to: Annotated[date | None, _TO] = None,
        award_province: Annotated[str | None, _AWARD_PROVINCE] = None,
        home_province: Annotated[str | None, _HOME_PROVINCE] = None,
        first: Annotated[int, _FIRST] = 100,
    ) -> CrossProvinceWinners | None:
        return await cross_province_winners(info, from_, to, award_province, home_province, first)
