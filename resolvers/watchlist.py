"""Early warning (预警): an official's watchlist (query and mutations) and ``watchlistAlerts``.

The watchlist lives in the central store, per official; a person is watched by ID type and number,
kept only as the person key (and the masked number, DOMAIN §6).  Adding a subject twice is one
entry.  Alerts (``resolvers.feed.alerts``) come from the live feed of every province; each alert is
audited like a query before it leaves (kind ``crosscheck`` for an enterprise, ``person`` for a
practitioner); when the audit trail cannot be written the subscription ends with
``AUDIT_UNAVAILABLE`` and the alert is withheld.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import datetime
from enum import Enum
from typing import Annotated

import strawberry

from domain.errors import BadUserInput, Forbidden
from domain.identifiers import IdentifierError, mask_id_number, normalise_id_number
from domain.person_key import person_key
from resolvers.context import Info
from resolvers.crosscheck.types import Finding, finding_of
from resolvers.feed.access import feed_access
from resolvers.feed.alerts import Alert, Watch, official_of
from resolvers.feed.stream import follow
from resolvers.feed.subscription import start_after
from resolvers.permissions import MaskPersonalId, PublishedOnly
from resolvers.roles import Role, requires
from resolvers.scalars import USCC, IdType, legacy_warning
from resolvers.types.common import Province, province
from resolvers.types.credit import BlacklistEntry, CreditRecord
from resolvers.types.enterprise import QualificationCertificate
from sources import watchlist_queries as wq
from sources.records import BlacklistRow, CreditRecordRow, QualificationCertificateRow

_OFFICIALS = (Role.REGULATOR, Role.REVIEWER)


@strawberry.enum(description="关注对象类型。 Kind of watched subject.")
class WatchKind(Enum):
    ENTERPRISE = strawberry.enum_value("enterprise", description="企业（统一社会信用代码）。 An enterprise (USCC).")
    PERSON = strawberry.enum_value("person", description="执业人员（人员密钥）。 A practitioner (person key).")


@strawberry.type(description="关注名单中的对象。 A subject on an official's watchlist.")
class WatchedSubject:
    kind: WatchKind = strawberry.field(description="对象类型。 Kind of subject.")
    uscc: str | None = strawberry.field(description="企业的信用代码。 The enterprise's USCC.")
    person_key: str | None = strawberry.field(description="人员密钥。 The practitioner's person key.")
    id_type: str | None = strawberry.field(description="证件类型。 ID document type of a practitioner.")
    id_number: str | None = strawberry.field(
        description="证件号码（始终脱敏，中心库不存全文）。 ID number, always masked (never stored in full centrally).",
        extensions=[MaskPersonalId()],  # no holder: nobody sees it in full (it is kept masked anyway)
    )
    added_at: datetime = strawberry.field(description="加入时间。 When it was added.")

    @classmethod
    def of(cls, row: wq.WatchRow) -> WatchedSubject:
        person = row.subject_kind == "person"
        return cls(
            kind=WatchKind(row.subject_kind), uscc=None if person else row.subject_key,
            person_key=row.subject_key if person else None, id_type=row.id_type, id_number=row.id_number_masked,
            added_at=row.added_at,
        )


@strawberry.enum(description="预警类别。 Why an alert was raised.")
class AlertKind(Enum):
    BAD_RECORD = strawberry.enum_value("BAD_RECORD", description="新发布的不良记录。 A bad record was published.")
    BLACKLISTED = strawberry.enum_value("BLACKLISTED", description="被列入黑名单。 Listed on a blacklist.")
    QUALIFICATION_INVALID = strawberry.enum_value(
        "QUALIFICATION_INVALID", description="资质证书不再有效（暂扣、撤回、注销）。 A certificate is no longer 有效.")
    CROSS_CHECK_FINDING = strawberry.enum_value(
        "CROSS_CHECK_FINDING", description="跨省核查出现新发现。 A cross-check shows a new finding.")


@strawberry.type(description="预警：关注对象在某省的变化及证据。 An alert about a watched subject, with its evidence.")
class WatchlistAlert:
    position: str = strawberry.field(
        description="可续传位置（作为 after 传回）。 Resumable position: pass it back as `after`.")
    kind: AlertKind = strawberry.field(description="预警类别。 Why the alert was raised.")
    province: Province = strawberry.field(description="发生变化的省份。 The province where it happened.")
    subject: WatchedSubject = strawberry.field(description="关注对象。 The watched subject.")
    record: CreditRecord | None = strawberry.field(
        description="不良记录（BAD_RECORD）。 The bad record.", extensions=[PublishedOnly()])
    blacklist_entry: BlacklistEntry | None = strawberry.field(
        description="名单记录（BLACKLISTED）。 The entry.", extensions=[PublishedOnly()])
    qualification: QualificationCertificate | None = strawberry.field(
        description="资质证书（QUALIFICATION_INVALID）。 The certificate.")
    findings: list[Finding] = strawberry.field(
        description="新的核查发现（CROSS_CHECK_FINDING）。 The new cross-check findings.")
    emitted_at: datetime = strawberry.field(description="变化写入省级库的时间。 When the change was written.")


def _subject_of(info: Info, uscc: USCC | None, id_type: IdType | None, id_number: str | None,
                key: str | None = None) -> wq.WatchRow:
    """The entry to add or remove: exactly one of a USCC, an ID (type and number) or a person key."""
    given = [uscc is not None, id_type is not None or id_number is not None, key is not None]
    if sum(given) != 1:
        raise BadUserInput("give exactly one of: uscc, idType with idNumber, personKey")
    if uscc is not None:
        info.context.warn(legacy_warning("uscc", uscc))
        return wq.WatchRow("enterprise", str(uscc), None, None, datetime.min)
    if key is not None:
        return wq.WatchRow("person", key.strip(), None, None, datetime.min)
    if id_type is None or id_number is None:
        raise BadUserInput("idType and idNumber must be given together")
    try:
        number = normalise_id_number(id_type, id_number)
    except IdentifierError as exc:
        raise BadUserInput(f"idNumber: {exc}") from None
    pk = person_key(info.context.person_key_secret, id_type, number)
    info.context.touch("person", pk)  # a look-up by ID number: audited like one
    return wq.WatchRow("person", pk, id_type, mask_id_number(number), datetime.min)


@strawberry.type(description="预警名单查询。 The caller's watchlist.")
class WatchlistQuery:
    @strawberry.field(
        description="本人的关注名单（限监管、审核人员）。 The caller's watchlist (officials only).",
        extensions=[requires(*_OFFICIALS)],
    )
    async def watchlist(self, info: Info) -> list[WatchedSubject]:
        rows = await wq.watched(info.context.sources.central, official_of(info.context.identity))
        return [WatchedSubject.of(r) for r in rows]


_USCC_ARG = strawberry.argument(description="企业信用代码。 The enterprise's USCC.")
_ID_TYPE_ARG = strawberry.argument(description="证件类型。 ID document type.")
_ID_NUMBER_ARG = strawberry.argument(description="证件号码。 ID number.")


@strawberry.type(description="预警名单维护。 Keeping the watchlist.")
class WatchlistMutation:
    @strawberry.mutation(
        description=(
            "加入关注名单（企业给信用代码，人员给证件类型和号码）；重复加入仍为一条。"
            " Watch an enterprise (uscc) or a practitioner (idType and idNumber); adding twice is one entry."
        ),
        extensions=[requires(*_OFFICIALS)],
    )
    async def watch(
        self, info: Info,
        uscc: Annotated[USCC | None, _USCC_ARG] = None,
        id_type: Annotated[IdType | None, _ID_TYPE_ARG] = None,
        id_number: Annotated[str | None, _ID_NUMBER_ARG] = None,
    ) -> WatchedSubject:
        entry = _subject_of(info, uscc, id_type, id_number)
        identity = info.context.identity
        limit = _max_watchlist(info)
        row = await wq.watch(info.context.sources.central, official_of(identity), entry, identity.org, limit)
        if row is None:
            raise BadUserInput(f"the watchlist is full ({limit} entries); remove one first")
        return WatchedSubject.of(row)

    @strawberry.mutation(
        description=(
            "移出关注名单（信用代码、证件或人员密钥）；返回是否曾在名单中。"
            " Stop watching (uscc, idType with idNumber, or personKey); whether it was on the list."
        ),
        extensions=[requires(*_OFFICIALS)],
    )
    async def unwatch(
        self, info: Info,
        uscc: Annotated[USCC | None, _USCC_ARG] = None,
        id_type: Annotated[IdType | None, _ID_TYPE_ARG] = None,
        id_number: Annotated[str | None, _ID_NUMBER_ARG] = None,
        person_key: Annotated[str | None, strawberry.argument(description="人员密钥。 Person key.")] = None,
    ) -> bool:
        entry = _subject_of(info, uscc, id_type, id_number, person_key)
        identity = info.context.identity
        return await wq.unwatch(info.context.sources.central, official_of(identity), entry.subject_kind,
                                entry.subject_key)


DEFAULT_MAX_WATCHLIST = 500


def _max_watchlist(info: Info) -> int:
    """``[feed] max_watchlist``, which the gateway puts on its context (``watchlist_limit``)."""
    limit = getattr(info.context, "watchlist_limit", None)
    return limit if isinstance(limit, int) else DEFAULT_MAX_WATCHLIST


@strawberry.type(description="预警订阅。 Early-warning subscription.")
class WatchlistSubscription:
    @strawberry.subscription(
        description=(
            "关注对象在任一省份出现新的不良记录、被列入黑名单、资质失效或新的核查发现时推送预警（限官员，逐条审计）。"
            " Alerts when a watched subject gets a new bad record, a blacklist entry, an invalid qualification or"
            " a new cross-check finding in any province (officials only; every alert is audited)."
        )
    )
    async def watchlist_alerts(
        self, info: Info,
        after: Annotated[str | None, strawberry.argument(
            description="从该位置之后续传。 Resume after this position (an alert's `position`).")] = None,
    ) -> AsyncGenerator[WatchlistAlert, None]:
        identity = info.context.identity
        if not identity.is_official:
            raise Forbidden("Forbidden: watchlistAlerts needs an official role (regulator or reviewer)")
        access = feed_access(info)
        watch = Watch(access, identity)
        await watch.refresh(force=True)
        async for got in follow(access, info.context.sources, watch.watches, start_after(after)):
            await watch.refresh()
            for alert in await watch.alerts(got.event):
                await access.audit(identity, _audited(alert), "watchlistAlerts", 1)
                info.context.today = access.clock.today()
                yield _alert_of(info, alert, got.position)


def _audited(alert: Alert) -> list[tuple[str, str]]:
    kind = "person" if alert.watch.subject_kind == "person" else "crosscheck"
    return [(kind, alert.watch.subject_key)]


def _alert_of(info: Info, alert: Alert, position: str) -> WatchlistAlert:
    event, code = alert.event, alert.event.province
    item = event.item
    return WatchlistAlert(
        position=position, kind=AlertKind(alert.kind), province=province(info, code),
        subject=WatchedSubject.of(alert.watch),
        record=CreditRecord.from_row(info, code, item) if isinstance(item, CreditRecordRow) else None,
        blacklist_entry=BlacklistEntry.from_row(info, code, item) if isinstance(item, BlacklistRow) else None,
        qualification=QualificationCertificate.from_row(info, code, item)
        if isinstance(item, QualificationCertificateRow) else None,
        findings=[finding_of(info, f) for f in alert.findings],
        emitted_at=event.emitted_at,
    )
