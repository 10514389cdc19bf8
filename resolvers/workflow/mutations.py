"""The workflow's mutations: 采集 collect → submit → 审核 review → 发布 publish → revoke, a published
bad record's window shortened or extended, and blacklist listings and releases.

Every mutation writes only into the caller's own province (the token's), in one transaction with
its idempotency receipt and its history row; it names the version it read (optimistic
concurrency) and a client key (idempotency).  Which step is allowed when, and by whom, is
``domain.workflow``; the windows are ``domain.publication``; the input checks are ``checks``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Awaitable, Callable, Mapping
from datetime import date
from enum import Enum
from typing import Annotated, Any

import asyncpg
import strawberry

from domain.errors import BadUserInput, Forbidden, InvalidTransition, NotFound, VersionConflict
from domain.publication import (
    blacklist_release,
    check_adjusted_end,
    check_window,
    default_window,
)
from domain.workflow import AUTHORING, NEEDS_REASON, RULES, Step, check_four_eyes, next_status
from resolvers.context import Info
from resolvers.roles import Role, requires
from resolvers.types.credit import Polarity
from resolvers.workflow import checks
from resolvers.workflow.types import (
    BlacklistEntryChange,
    BlacklistEntryInput,
    CreditRecordChange,
    CreditRecordEdit,
    CreditRecordInput,
    ReviewDecision,
)
from sources import workflow_queries as wq
from sources.base import Source
from sources.workflow_queries import Actor, ClientKey, JsonRow

_KEY = "幂等键（8–128 个字符，如 UUID）。 Idempotency key (8–128 characters, e.g. a UUID)."
_VERSION = "读取时的版本号。 The version you read (VERSION_CONFLICT if it changed since)."
_NUMBER = "本省的记录编号。 Record number in your province."
_REASON = "理由（写入修改记录）。 The reason, kept in the history."
# Fields whose change makes the rules' default window another one (see CreditRecordEdit).
_WINDOW_INPUTS = ("decision_date", "penalty_until", "polarity")


def _needs(step: Step) -> Any:
    """The ``@requires`` extension for a step, from the one table of who may take it."""
    return requires(Role(RULES[step].role))


@strawberry.type
class WorkflowMutation:
    @strawberry.mutation(
        description=(
            "采集：新建诚信行为记录草稿（公布期按规则计算或校验）。"
            " Collect: create a credit record as a draft in your province (its window computed or checked)."
        ),
        extensions=[_needs(Step.CREATE)],
    )
    async def create_credit_record(
        self, info: Info,
        input: Annotated[CreditRecordInput, strawberry.argument(description="新记录。 The new record.")],
        client_key: Annotated[str, strawberry.argument(description=_KEY)],
    ) -> CreditRecordChange:
        code, source = _own_province(info)
        by = info.context.identity.subject

        async def checked() -> wq.Work:
            values = await _draft_values(info, input, code)
            return lambda conn: wq.insert_credit_record(conn, code, values, by)

        key = _client_key("createCreditRecord", client_key, input)
        written = await wq.write_checked(source, _actor(info, code), key, Step.CREATE.value, None, checked)
        return CreditRecordChange.of(info, code, written.row, written.replayed)

    @strawberry.mutation(
        description="修改草稿（仅草稿可改）。 Edit a draft (only a draft can be edited).",
        extensions=[_needs(Step.EDIT)],
    )
    async def edit_credit_record(
        self, info: Info,
        record_number: Annotated[str, strawberry.argument(description=_NUMBER)],
        expected_version: Annotated[int, strawberry.argument(description=_VERSION)],
        edit: Annotated[CreditRecordEdit, strawberry.argument(description="要改的字段。 The fields to change.")],
        client_key: Annotated[str, strawberry.argument(description=_KEY)],
    ) -> CreditRecordChange:
        async def checked() -> Callable[[JsonRow], Mapping[str, Any]]:
            changes = await _edit_values(info, edit, _own_province(info)[0])
            return lambda row: _edited(row, changes)

        return await _step(
            info, "editCreditRecord", Step.EDIT, record_number, expected_version, client_key, None,
            arguments=edit, checked=checked,
        )

    @strawberry.mutation(
        description="提交审核。 Submit a draft for review by a second person.", extensions=[_needs(Step.SUBMIT)]
    )
    async def submit_credit_record(
        self, info: Info,
        record_number: Annotated[str, strawberry.argument(description=_NUMBER)],
        expected_version: Annotated[int, strawberry.argument(description=_VERSION)],
        client_key: Annotated[str, strawberry.argument(description=_KEY)],
    ) -> CreditRecordChange:
        return await _step(info, "submitCreditRecord", Step.SUBMIT, record_number, expected_version, client_key)

    @strawberry.mutation(
        description=(
            "审核（四眼原则：作者、修改人、提交人不能审核自己的记录）；退回须说明理由。"
            " Review (four eyes: no author, editor or submitter reviews their own record); a rejection"
            " sends the record back to draft with its reason."
        ),
        extensions=[_needs(Step.APPROVE)],
    )
    async def review_credit_record(
        self, info: Info,
        record_number: Annotated[str, strawberry.argument(description=_NUMBER)],
        expected_version: Annotated[int, strawberry.argument(description=_VERSION)],
        decision: Annotated[ReviewDecision, strawberry.argument(description="审核结论。 The decision.")],
        client_key: Annotated[str, strawberry.argument(description=_KEY)],
        reason: Annotated[str | None, strawberry.argument(description=_REASON)] = None,
    ) -> CreditRecordChange:
        step = Step.APPROVE if decision is ReviewDecision.APPROVE else Step.REJECT
        return await _step(
            info, "reviewCreditRecord", step, record_number, expected_version, client_key, reason,
            arguments={"decision": decision.value},
        )

    @strawberry.mutation(
        description="发布已审核的记录。 Publish a reviewed record.", extensions=[_needs(Step.PUBLISH)]
    )
    async def publish_credit_record(
        self, info: Info,
        record_number: Annotated[str, strawberry.argument(description=_NUMBER)],
        expected_version: Annotated[int, strawberry.argument(description=_VERSION)],
        client_key: Annotated[str, strawberry.argument(description=_KEY)],
    ) -> CreditRecordChange:
        published = await _step(info, "publishCreditRecord", Step.PUBLISH, record_number, expected_version, client_key)
        _warn_on_publication(info, published)
        return published

    @strawberry.mutation(
        description="撤销已发布的记录（须说明理由）。 Revoke a published record, with a reason.",
        extensions=[_needs(Step.REVOKE)],
    )
    async def revoke_credit_record(
        self, info: Info,
        record_number: Annotated[str, strawberry.argument(description=_NUMBER)],
        expected_version: Annotated[int, strawberry.argument(description=_VERSION)],
        reason: Annotated[str, strawberry.argument(description=_REASON)],
        client_key: Annotated[str, strawberry.argument(description=_KEY)],
    ) -> CreditRecordChange:
        return await _step(info, "revokeCreditRecord", Step.REVOKE, record_number, expected_version, client_key, reason)

    @strawberry.mutation(
        description=(
            "整改后缩短或延长已发布不良记录的公布期：缩短不少于3个月，延长不超过3年，且不短于处罚期。"
            " After rectification, shorten or extend a published bad record's window: never below 3 months,"
            " never past 3 years, never shorter than the penalty."
        ),
        extensions=[_needs(Step.ADJUST_WINDOW)],
    )
    async def adjust_credit_record_window(
        self, info: Info,
        record_number: Annotated[str, strawberry.argument(description=_NUMBER)],
        expected_version: Annotated[int, strawberry.argument(description=_VERSION)],
        publish_to: Annotated[date, strawberry.argument(description="新的公布截止日期。 The new window end.")],
        reason: Annotated[str, strawberry.argument(description=_REASON)],
        client_key: Annotated[str, strawberry.argument(description=_KEY)],
    ) -> CreditRecordChange:
        def adjusted(row: JsonRow) -> dict[str, Any]:
            current = row["publish_to"]
            check_adjusted_end(row["polarity"], row["publish_from"], row["penalty_until"], current, publish_to)
            return {"publish_to": publish_to}

        return await _step(
            info, "adjustCreditRecordWindow", Step.ADJUST_WINDOW, record_number, expected_version, client_key,
            reason, adjusted, arguments={"publish_to": publish_to},
        )

    @strawberry.mutation(
        description=(
            "列入黑名单（计划移出日期为列入满一年）。"
            " List a subject on the blacklist (its planned release is one year after listing)."
        ),
        extensions=[requires(Role.REGULATOR)],
    )
    async def list_blacklist_entry(
        self, info: Info,
        input: Annotated[BlacklistEntryInput, strawberry.argument(description="列入内容。 The listing.")],
        client_key: Annotated[str, strawberry.argument(description=_KEY)],
    ) -> BlacklistEntryChange:
        code, source = _own_province(info)
        short_name, by = info.context.province(code).short_name, info.context.identity.subject

        async def checked() -> wq.Work:
            values = await _listing_values(info, input)
            return lambda conn: wq.insert_blacklist_entry(conn, short_name, values, by)

        key = _client_key("listBlacklistEntry", client_key, input)
        written = await wq.write_checked(source, _actor(info, code), key, "list", None, checked)
        return BlacklistEntryChange.of(info, code, written.row, written.replayed)

    @strawberry.mutation(
        description="移出黑名单（须说明理由）。 Release a blacklist entry, with a reason.",
        extensions=[requires(Role.REGULATOR)],
    )
    async def release_blacklist_entry(
        self, info: Info,
        entry_number: Annotated[str, strawberry.argument(description="名单编号。 Entry number in your province.")],
        expected_version: Annotated[int, strawberry.argument(description=_VERSION)],
        reason: Annotated[str, strawberry.argument(description=_REASON)],
        client_key: Annotated[str, strawberry.argument(description=_KEY)],
        released_on: Annotated[
            date | None, strawberry.argument(description="移出日期，默认今天。 Release date (default today).")
        ] = None,
    ) -> BlacklistEntryChange:
        code, source = _own_province(info)
        today = info.context.today
        day = released_on or today
        key = _client_key("releaseBlacklistEntry", client_key, {"entry": entry_number, "on": day, "why": reason})
        why = checks.text("reason", reason, required=True)

        async def work(conn: asyncpg.Connection) -> JsonRow:
            entry = _current(await wq.lock_blacklist_entry(conn, entry_number), "blacklist entry", entry_number,
                             code, expected_version)
            if entry["released_on"] is not None:
                released = entry["released_on"]
                raise InvalidTransition(f"blacklist entry {entry_number} was already released on {released}")
            if not entry["listed_on"] <= day <= today:
                raise BadUserInput(f"releasedOn must be between its listing ({entry['listed_on']}) and today ({today})")
            return await wq.release_blacklist_entry(conn, entry_number, day)

        written = await wq.write_once(source, _actor(info, code), key, "release", why, work)
        return BlacklistEntryChange.of(info, code, written.row, written.replayed)


# ---- the shared steps ----------------------------------------------------------------------------

def _own_province(info: Info) -> tuple[str, Source]:
    """Officials write only in their token's province, which must be configured here."""
    identity = info.context.identity
    holder = info.context.sources.provinces.get(identity.province or "")
    if holder is None:
        raise Forbidden(f"your token's province {identity.province} is not configured on this gateway")
    return holder.info.code, holder.source


def _actor(info: Info, province: str) -> Actor:
    ctx = info.context
    return Actor(ctx.identity.subject, ctx.identity.org, province, ctx.client, ctx.request_id)


def _client_key(mutation: str, key: str, arguments: Any) -> ClientKey:
    """The key with a digest of the arguments: the same key for other arguments is refused."""
    canonical = json.dumps(_plain(arguments), sort_keys=True, ensure_ascii=False, default=str)
    return ClientKey(checks.client_key(key), mutation, hashlib.sha256(canonical.encode()).hexdigest())


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, Enum):
        return value.value
    return value


async def _step(
    info: Info, mutation: str, step: Step, record_number: str, expected_version: int, client_key: str,
    reason: str | None = None, changes_for: Callable[[JsonRow], Mapping[str, Any]] | None = None,
    arguments: Any = None, checked: Callable[[], Awaitable[Callable[[JsonRow], Mapping[str, Any]]]] | None = None,
) -> CreditRecordChange:
    """One workflow step on one record: locked, at the version the caller read, from a status that
    allows the step, four eyes for a review; then the new status and ``changes_for(row)``.
    ``checked`` checks the input (it may consult other stores) and gives ``changes_for``; it runs
    only when the key is new: a retry gets its first result whatever the checks would say now."""
    code, source = _own_province(info)
    identity = info.context.identity
    why = checks.text("reason", reason, required=step in NEEDS_REASON)
    key = _client_key(mutation, client_key, {"record": record_number, "version": expected_version,
                                             "reason": why, "arguments": arguments})

    def work_for(changes_for: Callable[[JsonRow], Mapping[str, Any]] | None) -> wq.Work:
        async def work(conn: asyncpg.Connection) -> JsonRow:
            row = _current(await wq.lock_credit_record(conn, record_number), "record", record_number, code,
                           expected_version)
            status = next_status(step, row["status"], record_number)
            if step in (Step.APPROVE, Step.REJECT):
                authors = await wq.authors_of(conn, record_number, AUTHORING) | {row["created_by"]}
                check_four_eyes(step, identity.subject, authors, record_number)
            changes = {**(changes_for(row) if changes_for else {}), "status": status}
            return await wq.update_credit_record(conn, record_number, changes, identity.subject)

        return work

    actor = _actor(info, code)
    if checked is None:
        written = await wq.write_once(source, actor, key, step.value, why, work_for(changes_for))
    else:
        async def checked_work() -> wq.Work:
            return work_for(await checked())

        written = await wq.write_checked(source, actor, key, step.value, why, checked_work)
    return CreditRecordChange.of(info, code, written.row, written.replayed)


def _current(row: JsonRow | None, kind: str, number: str, province: str, expected_version: int) -> JsonRow:
    """The locked row, if the province holds it at the version the caller read."""
    if row is None:
        raise NotFound(f"your province ({province}) holds no {kind} {number}; officials write only in their own")
    if row["row_version"] != expected_version:
        raise VersionConflict(
            f"{kind} {number} is at version {row['row_version']}, not {expected_version}: it changed since you"
            " read it; read it again and retry"
        )
    return row


def _warn_on_publication(info: Info, record: CreditRecordChange) -> None:
    today = info.context.today
    if record.polarity is Polarity.BAD:
        info.context.warn(checks.publication_lateness(record.decision_date, today))
    info.context.warn(checks.ended_window(record.publish_to, today))


# ---- input → columns -----------------------------------------------------------------------------

async def _draft_values(info: Info, draft: CreditRecordInput, province: str) -> dict[str, Any]:
    """The checked columns of a new draft (nothing is written if any check fails)."""
    polarity = draft.polarity.value
    checks.not_after_today("decisionDate", draft.decision_date, info.context.today)
    checks.decision_order(draft.decision_date, draft.penalty_until)
    code = await checks.known_behaviour_code(info, draft.behaviour_code, province)
    checks.polarity_matches(code, polarity)
    values: dict[str, Any] = {
        **await checks.subject(info, draft.subject_uscc, draft.subject_person),
        "polarity": polarity,
        "behaviour_code": code,
        "description": checks.text("description", draft.description, required=True),
        "decision_date": draft.decision_date,
        "authority": checks.text("authority", draft.authority, required=True),
        "authority_level": checks.authority_level(draft.authority_level),
        "decision_number": checks.text("decisionNumber", draft.decision_number),
        "project_number": checks.text("projectNumber", draft.project_number),
        "place_division": checks.division("placeDivision", draft.place_division),
        "penalty": checks.text("penalty", draft.penalty),
        "fine": checks.fine(draft.fine),
        "penalty_until": draft.penalty_until,
        "internal_note": checks.text("internalNote", draft.internal_note),
    }
    values["publish_from"], values["publish_to"] = _window(values, draft.publish_from, draft.publish_to)
    return values


def _window(values: Mapping[str, Any], publish_from: date | None, publish_to: date | None) -> tuple[date, date]:
    """The window given (or, for what is missing, the rules' default), checked against the rules."""
    start, end = default_window(values["polarity"], publish_from or values["decision_date"], values["penalty_until"])
    window = (publish_from or start, publish_to or end)
    check_window(values["polarity"], values["decision_date"], values["penalty_until"], *window)
    return window


async def _edit_values(info: Info, edit: CreditRecordEdit, province: str) -> dict[str, Any]:
    """The checked columns an edit sets (the checks that need no stored row)."""
    given = {f.name: getattr(edit, f.name) for f in dataclasses.fields(edit) if getattr(edit, f.name) is not None}
    if not given:
        raise BadUserInput("the edit changes nothing: give at least one field")
    if "polarity" in given:
        given["polarity"] = given["polarity"].value
    if "behaviour_code" in given:
        given["behaviour_code"] = await checks.known_behaviour_code(info, given["behaviour_code"], province)
    if "decision_date" in given:
        checks.not_after_today("decisionDate", given["decision_date"], info.context.today)
    for name, field in (("description", "description"), ("authority", "authority")):
        if name in given:
            given[name] = checks.text(field, given[name], required=True)
    for name, field in (("decision_number", "decisionNumber"), ("project_number", "projectNumber"),
                        ("penalty", "penalty"), ("internal_note", "internalNote")):
        if name in given:
            given[name] = checks.text(field, given[name])
    if "authority_level" in given:
        given["authority_level"] = checks.authority_level(given["authority_level"])
    if "place_division" in given:
        given["place_division"] = checks.division("placeDivision", given["place_division"])
    if "fine" in given:
        given["fine"] = checks.fine(given["fine"])
    return given


def _edited(row: JsonRow, changes: Mapping[str, Any]) -> dict[str, Any]:
    """The draft's new columns: the changes, the dates checked in order, the window kept, given or
    computed again (see :class:`CreditRecordEdit`), and checked against the rules."""
    merged = {**row, **changes}
    checks.polarity_matches(merged["behaviour_code"], merged["polarity"])
    checks.decision_order(merged["decision_date"], merged["penalty_until"])
    if "publish_from" in changes or "publish_to" in changes or not any(f in changes for f in _WINDOW_INPUTS):
        window = (merged["publish_from"], merged["publish_to"])
        check_window(merged["polarity"], merged["decision_date"], merged["penalty_until"], *window)
    else:
        window = _window(merged, None, None)
    return {**changes, "publish_from": window[0], "publish_to": window[1]}


async def _listing_values(info: Info, listing: BlacklistEntryInput) -> dict[str, Any]:
    today = info.context.today
    listed_on = listing.listed_on or today
    if listed_on > today:
        raise BadUserInput(f"listedOn {listed_on} is after today ({today}, China's date)")
    subject = await checks.subject(info, listing.subject_uscc, listing.subject_person)
    return {
        "subject_uscc": subject["subject_uscc"], "subject_person_key": subject["subject_person_key"],
        "subject_name": subject["subject_name"],
        "basis": checks.text("basis", listing.basis, required=True),
        "authority": checks.text("authority", listing.authority, required=True),
        "listed_on": listed_on, "planned_release": blacklist_release(listed_on),
    }
