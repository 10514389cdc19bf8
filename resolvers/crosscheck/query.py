"""Root fields of the cross-checks: gather facts, judge them, report with completeness."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Annotated, Any

import strawberry

from domain.errors import BadUserInput
from domain.identifiers import (
    IdentifierError,
    mask_id_number,
    normalise_id_number,
    province_of_division,
    uscc_division,
)
from domain.person_key import person_key
from resolvers.context import Context, Info
from resolvers.crosscheck import gather
from resolvers.crosscheck.facts import Listing
from resolvers.crosscheck.findings import Finding
from resolvers.crosscheck.types import CrossCheckReport, CrossCheckSubject, report_of
from resolvers.crosscheck.verdict import Verdict, judge_enterprise, judge_performance, judge_person, needs_rules
from resolvers.crosscheck.visibility import for_caller
from resolvers.federation import path_of
from resolvers.permissions import refuse_lookup_by_id_number
from resolvers.scalars import USCC, IdType, legacy_warning
from resolvers.types.person import shown_id_number

AsOf = Annotated[
    date | None,
    strawberry.argument(
        description=(
            "核查基准日，默认今天；公众只能基于今日公开的记录核查。 Date to judge every window and status at"
            " (default today); the public's check rests only on what is public today."
        )
    ),
]


def _verdict(got: gather.Gathering[Any], findings: list[Finding], rules_needed: bool = False) -> Verdict:
    return Verdict(
        found=got.found, asked=tuple(got.reach.asked), missing=tuple(got.reach.missing), findings=tuple(findings),
        rules_available=got.rules.available, rules_needed=rules_needed,
    )


def _home_name(listings: Sequence[Listing], uscc: str) -> str | None:
    """The name the registering province holds (else the first province's)."""
    home = province_of_division(uscc_division(uscc))
    row = next((x for x in listings if x.province == home), listings[0] if listings else None)
    return row.name if row else None


@strawberry.type(description="跨省核查入口（互查互用）。 Cross-province checks (mutual query and use).")
class CrossCheckQuery:
    @strawberry.field(
        description=(
            "企业跨省核查：黑名单、不良记录、资质、事故、数据一致性、申报业绩。"
            " Cross-check an enterprise in every province: blacklist, bad records, qualification, accidents,"
            " data conflicts, claimed performance."
        )
    )
    async def cross_check_enterprise(
        self, info: Info,
        uscc: Annotated[USCC, strawberry.argument(description="统一社会信用代码。 The enterprise's USCC.")],
        as_of: AsOf = None,
    ) -> CrossCheckReport:
        ctx, day = info.context, as_of or info.context.today
        ctx.warn(legacy_warning("uscc", uscc))
        uscc = USCC(str(uscc))
        ctx.touch("crosscheck", uscc)
        got = await gather.enterprise(ctx, path_of(info), uscc)
        facts = for_caller(ctx.identity, got.facts, ctx.today)
        findings = judge_enterprise(facts, got.rules, ctx.province_codes, day)
        verdict = _verdict(got, findings, needs_rules(facts.records, got.rules, day))
        subject = CrossCheckSubject(
            kind="enterprise", key=uscc, name=_home_name(got.facts.listings, uscc), project_number=None,
            found=got.found,
        )
        return report_of(info, verdict, subject, day)

    @strawberry.field(
        description=(
            "执业人员跨省核查（证件或注册编号二选一；按证件仅限监管、审核人员）：多项目兼任、挂证、黑名单、不良记录。"
            " Cross-check a practitioner, by ID (officials only) or by registration number (exactly one):"
            " concurrent project leads, certificate renting, blacklist, bad records."
        )
    )
    async def cross_check_person(
        self, info: Info,
        id_type: Annotated[IdType | None, strawberry.argument(description="证件类型。 ID document type.")] = None,
        id_number: Annotated[str | None, strawberry.argument(description="证件号码。 ID number.")] = None,
        registration_number: Annotated[
            str | None, strawberry.argument(description="注册编号。 Registration number (注册编号).")
        ] = None,
        as_of: AsOf = None,
    ) -> CrossCheckReport:
        ctx, day = info.context, as_of or info.context.today
        path, reach = path_of(info), gather.Reach()
        key, shown = await _person_subject(info, id_type, id_number, registration_number, reach)
        if key is None:  # an unknown registration number: nothing to check, but the look-up is audited
            ctx.touch("crosscheck", shown)
            verdict = Verdict(False, tuple(reach.asked), tuple(reach.missing), ())
            return report_of(info, verdict, CrossCheckSubject(
                kind="person", key=shown, name=None, project_number=None, found=False), day)
        ctx.touch("crosscheck", key)
        got = await gather.person(ctx, path, key, reach)
        facts = for_caller(ctx.identity, got.facts, ctx.today)
        findings = judge_person(facts, got.rules, ctx.province_codes, day)
        verdict = _verdict(got, findings, needs_rules(facts.records, got.rules, day))
        holder = next(iter(got.facts.holders), None)
        if id_number is not None:  # an ID number leaves the gateway masked unless the caller may see it
            shown = shown_id_number(info, holder, shown) if holder else mask_id_number(shown)
        name = got.facts.holders.get(holder) if holder else None
        subject = CrossCheckSubject(kind="person", key=shown, name=name, project_number=None, found=got.found)
        return report_of(info, verdict, subject, day)

    @strawberry.field(
        description=(
            "业绩核查：项目是否存在、已竣工验收备案、企业为参建单位、金额与日期相符。"
            " Verify claimed performance: the project exists with a completion filing, the enterprise took"
            " part, amounts and dates match."
        )
    )
    async def verify_performance(
        self, info: Info,
        uscc: Annotated[USCC, strawberry.argument(description="申报企业信用代码。 USCC of the claiming enterprise.")],
        project_number: Annotated[str, strawberry.argument(description="项目编号。 National project number.")],
        as_of: AsOf = None,
    ) -> CrossCheckReport:
        ctx, day = info.context, as_of or info.context.today
        number = project_number.strip()
        if not number:
            raise BadUserInput("projectNumber must not be empty")
        ctx.touch("crosscheck", uscc)
        got = await gather.performance(ctx, path_of(info), uscc, number)
        facts = got.facts
        findings = judge_performance(facts.claims, facts.projects, number, uscc, ctx.province_codes, day)
        subject = CrossCheckSubject(kind="performance", key=uscc, name=None, project_number=number, found=got.found)
        return report_of(info, _verdict(got, findings), subject, day)


async def _person_subject(
    info: Info, id_type: str | None, id_number: str | None, registration_number: str | None, reach: gather.Reach
) -> tuple[str | None, str]:
    """The person key and how the subject is shown, from exactly one of ID or registration number."""
    by_id = id_type is not None or id_number is not None
    if by_id:  # before any other check: the public's answer must not depend on the number it sent
        refuse_lookup_by_id_number(info)
    if by_id == (registration_number is not None):
        raise BadUserInput("give either idType and idNumber, or registrationNumber: exactly one of the two")
    ctx: Context = info.context
    if by_id:
        if id_type is None or id_number is None:
            raise BadUserInput("idType and idNumber must be given together")
        try:
            number = normalise_id_number(id_type, id_number)
        except IdentifierError as exc:
            raise BadUserInput(f"idNumber: {exc}") from None
        return person_key(ctx.person_key_secret, id_type, number), number
    registration = (registration_number or "").strip()
    if not registration:
        raise BadUserInput("registrationNumber must not be empty")
    return await gather.person_key_of_registration(ctx, path_of(info), registration, reach), registration
