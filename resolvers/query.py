"""The root Query: every entry point of the read path."""

from __future__ import annotations

import asyncio

import strawberry

from domain.errors import BadUserInput
from domain.identifiers import IdentifierError, normalise_id_number
from domain.person_key import person_key
from resolvers.context import Info
from resolvers.federation import path_of, rows_across
from resolvers.lists import CreditRecordFilter, EnterpriseFilter, credit_records_page, enterprises_page
from resolvers.permissions import PublishedOnly, refuse_lookup_by_id_number
from resolvers.scalars import USCC, IdType, legacy_warning
from resolvers.subjects import load_enterprise, load_person, load_project
from resolvers.types.common import Connection, Province
from resolvers.types.credit import CreditRecord
from resolvers.types.enterprise import Enterprise
from resolvers.types.person import Person
from resolvers.types.project import Project
from sources import province_queries as q


@strawberry.type(description="读取入口。 Read entry points of the federated read path.")
class ReadQuery:
    @strawberry.field(description="已配置的省份及其健康状况（实时探测）。 Configured provinces, each probed now.")
    async def provinces(self, info: Info) -> list[Province]:
        entries = list(info.context.sources.provinces.values())
        results = await asyncio.gather(*(q.ping(e.source) for e in entries), return_exceptions=True)
        return [Province.of(e.info, probed=r is True) for e, r in zip(entries, results, strict=True)]

    @strawberry.field(description="按信用代码查询企业（所有省份）。 One enterprise by USCC, from every province.")
    async def enterprise(self, info: Info, uscc: USCC) -> Enterprise | None:
        info.context.warn(legacy_warning("uscc", uscc))
        return await load_enterprise(info.context, path_of(info), str(uscc), Enterprise.lists_selected(info))

    @strawberry.field(description="企业列表（按信用代码排序，跨省分页）。 Enterprises across provinces in USCC order.")
    async def enterprises(
        self, info: Info, filter: EnterpriseFilter | None = None, first: int = 20, after: str | None = None
    ) -> Connection[Enterprise]:
        return await enterprises_page(info, filter, first, after)

    @strawberry.field(
        description=(
            "按证件查询执业人员（仅限监管、审核人员，留痕审计；公众请用注册编号）。 A registered practitioner by ID"
            " type and number: officials only, audited; the public uses personByRegistration (FORBIDDEN otherwise)."
        )
    )
    async def person(self, info: Info, id_type: IdType, id_number: str) -> Person | None:
        refuse_lookup_by_id_number(info)
        try:
            number = normalise_id_number(id_type, id_number)
        except IdentifierError as exc:
            raise BadUserInput(f"idNumber: {exc}") from None
        key = person_key(info.context.person_key_secret, id_type, number)
        return await load_person(info.context, info, key)

    @strawberry.field(description="按注册编号查询执业人员。 A practitioner by registration number (注册编号).")
    async def person_by_registration(self, info: Info, registration_number: str) -> Person | None:
        number = registration_number.strip()
        if not number:
            raise BadUserInput("registrationNumber must not be empty")
        ctx = info.context
        home = next((c for c, p in ctx.sources.provinces.items() if number.startswith(p.info.short_name)), None)
        candidates = [home] if home else ctx.province_codes
        key = await _person_key_of_registration(info, number, candidates)
        if key is None and home:  # the prefix is a hint, not a promise: ask the others too
            key = await _person_key_of_registration(info, number, [c for c in ctx.province_codes if c != home])
        return await load_person(ctx, info, key, home) if key else None

    @strawberry.field(description="按全国项目编号查询项目。 A project by national project number.")
    async def project(self, info: Info, number: str) -> Project | None:
        if not number.strip():
            raise BadUserInput("number must not be empty")
        return await load_project(info, number.strip())

    @strawberry.field(
        description="信用记录列表（跨省合并，最新在前）。 Credit records across provinces, newest first.",
        extensions=[PublishedOnly()],
    )
    async def credit_records(
        self, info: Info, filter: CreditRecordFilter | None = None, first: int = 20, after: str | None = None
    ) -> Connection[CreditRecord]:
        return await credit_records_page(info, filter, first, after)


async def _person_key_of_registration(info: Info, number: str, provinces: list[str]) -> str | None:
    gathered = await rows_across(info.context, path_of(info), provinces, q.REGISTRATIONS_BY_NUMBER, number)
    for rows in gathered.answers.values():
        if rows:
            return rows[0].person_key
    return None
