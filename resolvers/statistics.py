"""Federated credit statistics: one GROUP BY per province, all provinces in parallel, merged here.

The provinces aggregate (``sources.statistics_queries``); the gateway only adds up partial groups
that share a key.  With PROVINCE among the dimensions nothing needs adding at all; without it,
the same group from several provinces (e.g. D1-3 in 2025) is summed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import Enum
from typing import Annotated

import strawberry

from domain.errors import BadUserInput
from resolvers.context import Context, Info
from resolvers.federation import gather, path_of
from resolvers.types.common import Coverage, Province, coverage, province
from resolvers.types.credit import Polarity
from sources import statistics_queries as sq
from sources.errors import SourceError
from sources.records import StatisticsGroupRow


@strawberry.enum(description="统计维度。 A dimension credit statistics can be grouped by.")
class StatisticsDimension(Enum):
    PROVINCE = strawberry.enum_value("province", description="记录所在省份。 The province holding the record.")
    PARTY = strawberry.enum_value(
        "party", description="行为代码的主体类别，如 D1 施工。 Party of the behaviour code, e.g. D1 (施工)."
    )
    CATEGORY = strawberry.enum_value(
        "category", description="主体类别+行为类别，如 D1-3。 Party and category of the code, e.g. D1-3."
    )
    YEAR = strawberry.enum_value("year", description="决定日期的年份。 Year of the decision date.")
    POLARITY = strawberry.enum_value("polarity", description="良好或不良。 Good or bad.")


@strawberry.input(description="信用统计筛选。 Filter for credit statistics.")
class CreditStatisticsFilter:
    polarity: Polarity | None = strawberry.field(default=None, description="良好或不良。 Good or bad only.")
    decided_from: date | None = strawberry.field(default=None, description="决定日期起。 Decided on or after.")
    decided_to: date | None = strawberry.field(default=None, description="决定日期止。 Decided on or before.")
    provinces: list[str] | None = strawberry.field(default=None, description="仅这些省份。 Only these provinces.")
    behaviour_code: str | None = strawberry.field(
        default=None,
        description=(
            "行为代码前缀（本地代码或其对照的国家代码均可匹配），如 D1-3。"
            " Behaviour-code prefix, e.g. D1-3; matches a record's own code or the national code it maps to."
        ),
    )


@strawberry.type(
    description=(
        "分组键：只有参与分组的维度有值，其余为 null。 The key of a group: only the grouped dimensions are set,"
        " the others are null."
    )
)
class StatisticsKey:
    province: Province | None = strawberry.field(description="省份。 Province (PROVINCE).")
    party: str | None = strawberry.field(
        description=(
            "主体类别：国家代码如 D1；未对照的地方代码为其代码集，如 JS-ZB。"
            " Party: national like D1; an unmapped local code's own code set, e.g. JS-ZB (PARTY)."
        )
    )
    category: str | None = strawberry.field(
        description=(
            "行为类别：国家代码如 D1-3；未对照的地方代码为其代码集，如 JS-ZB。"
            " Category: national like D1-3; an unmapped local code's own code set, e.g. JS-ZB (CATEGORY)."
        )
    )
    national: bool | None = strawberry.field(
        description=(
            "是否国家标准代码（含经对照表归并的地方代码）；按 PARTY 或 CATEGORY 分组时有值。"
            " Whether party/category are national (local codes mapped through the crosswalk included);"
            " set when grouping by PARTY or CATEGORY."
        )
    )
    year: int | None = strawberry.field(description="决定年份。 Year of the decision (YEAR).")
    polarity: Polarity | None = strawberry.field(description="良好或不良。 Good or bad (POLARITY).")


@strawberry.type(description="一个统计分组。 One group of the statistics.")
class StatisticsGroup:
    key: StatisticsKey = strawberry.field(description="分组键。 The group's key.")
    count: int = strawberry.field(description="记录数。 Number of credit records.")
    fine_total: Decimal = strawberry.field(description="罚款合计（元）。 Sum of fines, in yuan.")


@strawberry.type(
    description=(
        "跨省信用记录统计（各省数据库内聚合，网关合并）。 Credit-record statistics across provinces, aggregated"
        " inside each provincial database and merged by the gateway."
    )
)
class CreditStatistics:
    group_by: list[StatisticsDimension] = strawberry.field(description="分组维度。 The dimensions grouped by.")
    groups: list[StatisticsGroup] = strawberry.field(description="各分组，按键排序。 The groups, ordered by key.")
    total: int = strawberry.field(description="记录总数。 Total number of records counted.")
    fine_total: Decimal = strawberry.field(description="罚款总额（元）。 Total of fines, in yuan.")
    crosswalk_applied: bool | None = strawberry.field(
        description=(
            "地方代码是否已按中心对照表归并到国家代码；中心库不可用时为 false（地方代码按未对照统计），"
            "结果与代码无关时为 null。 Whether local codes were rolled up through the central crosswalk: false"
            " when the central store failed (local codes then count as unmapped), null when the answer does"
            " not depend on codes."
        )
    )
    coverage: Coverage = strawberry.field(description="答复的完整性。 Which provinces answered.")


# (province, party, category, national, year, polarity): the merge key of a group.
GroupKey = tuple[str | None, str | None, str | None, bool | None, int | None, str | None]


@dataclass
class Tally:
    """A group's running count and fine total while partial answers are merged."""

    count: int = 0
    fine_total: Decimal = Decimal(0)


def merge_partials(partials: Mapping[str, Sequence[StatisticsGroupRow]], by_province: bool) -> dict[GroupKey, Tally]:
    """Add up the provinces' partial groups; the province is part of the key only if grouped by."""
    merged: dict[GroupKey, Tally] = {}
    for code, groups in partials.items():
        for group in groups:
            key = (code if by_province else None, group.party, group.category, group.national, group.year,
                   group.polarity)
            tally = merged.setdefault(key, Tally())
            tally.count += group.records
            tally.fine_total += group.fine_total
    return merged


def _sort_key(key: GroupKey) -> tuple[tuple[bool, object], ...]:
    # None (an ungrouped dimension) is the same in every key of one answer; still sort it safely.
    return tuple((part is None, part if part is not None else 0) for part in key)


def grouping_of(dimensions: Iterable[StatisticsDimension]) -> sq.StatisticsGrouping:
    wanted = set(dimensions)
    return sq.StatisticsGrouping(
        party=StatisticsDimension.PARTY in wanted,
        category=StatisticsDimension.CATEGORY in wanted,
        year=StatisticsDimension.YEAR in wanted,
        polarity=StatisticsDimension.POLARITY in wanted,
    )


def _pushed_filter(f: CreditStatisticsFilter) -> sq.StatisticsFilter:
    if f.decided_from and f.decided_to and f.decided_from > f.decided_to:
        raise BadUserInput("filter.decidedFrom must not be after filter.decidedTo")
    prefix = f.behaviour_code.strip() if f.behaviour_code is not None else None
    if prefix == "":
        raise BadUserInput("filter.behaviourCode must not be empty")
    return sq.StatisticsFilter(
        polarity=f.polarity.value if f.polarity else None, decided_from=f.decided_from, decided_to=f.decided_to,
        code_prefix=prefix,
    )


def asked_provinces(ctx: Context, wanted: list[str] | None, argument: str) -> list[str]:
    """Every configured province, or the requested ones (in configuration order); unknown codes are input errors
    naming ``argument``."""
    configured = ctx.province_codes
    if wanted is None:
        return configured
    unknown = sorted(set(wanted) - set(configured))
    if unknown:
        raise BadUserInput(f"{argument}: not configured: {', '.join(unknown)}")
    return [code for code in configured if code in wanted]


async def _crosswalk(ctx: Context, path: tuple[str | int, ...]) -> dict[str, dict[str, str]] | None:
    """The crosswalk, or None (reported) when the central store fails: statistics still answer."""
    try:
        return await sq.crosswalks(ctx.sources.central)
    except SourceError as exc:
        ctx.report(exc, path)
        return None


async def credit_statistics(
    info: Info, group_by: list[StatisticsDimension], filter: CreditStatisticsFilter | None
) -> CreditStatistics:
    ctx, path = info.context, path_of(info)
    f = filter or CreditStatisticsFilter()
    dimensions = list(dict.fromkeys(group_by))
    pushed, grouping = _pushed_filter(f), grouping_of(dimensions)
    provinces = asked_provinces(ctx, f.provinces, "filter.provinces")
    needs_codes = grouping.party or grouping.category or pushed.code_prefix is not None
    # The crosswalk comes first (the province statements need it); skipped when codes do not matter.
    crosswalk = await _crosswalk(ctx, path) if needs_codes else {}
    visibility = ctx.identity.record_visibility(ctx.today)

    async def aggregate(code: str) -> Sequence[StatisticsGroupRow]:
        return await sq.credit_statistics(
            ctx.sources.provinces[code].source, grouping=grouping, filter=pushed, visibility=visibility,
            crosswalk=(crosswalk or {}).get(code, {}),
        )

    gathered = await gather(ctx, path, provinces, aggregate)
    merged = merge_partials(gathered.answers, StatisticsDimension.PROVINCE in dimensions)
    answered = [c for c in provinces if c in gathered.answers]
    return CreditStatistics(
        group_by=dimensions,
        groups=[_group(info, key, merged[key]) for key in sorted(merged, key=_sort_key)],
        total=sum(t.count for t in merged.values()),
        fine_total=sum((t.fine_total for t in merged.values()), Decimal(0)),
        crosswalk_applied=(crosswalk is not None) if needs_codes else None,
        coverage=coverage(info, answered, [c for c in provinces if c in gathered.failed]),
    )


def _group(info: Info, key: GroupKey, tally: Tally) -> StatisticsGroup:
    code, party, category, national, year, polarity = key
    return StatisticsGroup(
        key=StatisticsKey(
            province=province(info, code) if code else None, party=party, category=category, national=national,
            year=year, polarity=Polarity(polarity) if polarity else None,
        ),
        count=tally.count,
        fine_total=tally.fine_total,
    )


@strawberry.type(description="统计入口。 Statistics entry points.")
class StatisticsQuery:
    @strawberry.field(
        description=(
            "跨省信用记录统计：各省一条 GROUP BY 语句并行执行，地方代码经中心对照表归并。"
            " Credit-record statistics across provinces: one GROUP BY statement per province in parallel,"
            " local codes rolled up through the central crosswalk."
        )
    )
    async def credit_statistics(
        self,
        info: Info,
        group_by: Annotated[
            list[StatisticsDimension],
            strawberry.argument(description="分组维度（可为空）。 Dimensions to group by (may be empty)."),
        ],
        filter: Annotated[
            CreditStatisticsFilter | None, strawberry.argument(description="记录筛选。 Which records to count.")
        ] = None,
    ) -> CreditStatistics | None:
        return await credit_statistics(info, group_by, filter)
