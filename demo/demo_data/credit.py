"""Credit records and blacklist entries, with the publication rules of DOMAIN §4.

Bad records are published within 7 days of the decision for 6 months to 3 years (never shorter
than the penalty); good records for 3 years.  A rectified bad record may be shortened to no less
than 3 months.  Workflow fields say who collected, who reviewed and when (谁录入，谁负责).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from random import Random

from demo_data.behaviour import Code, local_prefix
from demo_data.factory import MINISTRY, local_authority, province_authority
from demo_data.geography import Area
from demo_data.world import Enterprise, Person, World, add_months, add_years, stamp

GOOD_MONTHS = 36
SHORTEST_MONTHS = 3
# (penalty, fine range in yuan or None, penalty length in days or None)
_ENTERPRISE_PENALTIES = (
    ("警告", None, None), ("通报批评", None, None), ("罚款", (10_000, 300_000), None),
    ("责令改正，并处罚款", (20_000, 500_000), None), ("暂扣安全生产许可证", None, (30, 90)),
    ("责令停业整顿", None, (30, 180)), ("限制在本地区承揽新业务", None, (90, 365)),
)
_PERSON_PENALTIES = (("警告", None, None), ("罚款", (5_000, 50_000), None), ("暂停执业", None, (90, 365)))
_LEVEL_WEIGHTS = (("部", 1), ("省", 30), ("市", 55), ("县", 14))


@dataclass(slots=True)
class RecordPlan:
    """What a credit record says; the rest (numbers, authority, window) is derived."""

    province: str
    subject: Enterprise | Person
    code: Code
    decided_on: date
    status: str = "published"
    months: int | None = None  # publication length of a bad record; random 6-36 when None
    project: str | None = None
    area: Area | None = None
    shortened: bool = False  # rectified: window cut to 3 months
    level: str | None = None


def write_record(world: World, rng: Random, plan: RecordPlan) -> str:
    """Write one credit record; returns its record number."""
    store = world.store(plan.province)
    area = plan.area or rng.choice(store.geo.areas)
    level = plan.level or rng.choices([lv for lv, _ in _LEVEL_WEIGHTS], [w for _, w in _LEVEL_WEIGHTS])[0]
    authority, level = _authority(world, plan.province, area, level)
    kind, uscc, key, name = _subject(world, plan)
    penalty, fine, until = _penalty(rng, plan)
    publish_from = plan.decided_on + timedelta(days=rng.randint(1, 7))
    publish_to = _publish_to(rng, plan, publish_from, until)
    number = f"{area.code}-{plan.decided_on.year}-{world.ids.serial(f'credit:{plan.province}'):07d}"
    workflow = _workflow(world, rng, plan, publish_from)
    store.rows["credit_record"].append((
        number, kind, uscc, key, name, plan.code.polarity, plan.code.code, _description(name, plan.code),
        plan.project, area.code, _decision_number(world, plan, area, level), plan.decided_on, authority, level,
        penalty, fine, until, publish_from, publish_to, plan.status, *workflow,
    ))
    return number


def write_blacklist(
    world: World, rng: Random, province: str, ent: Enterprise, listed_on: date, basis: str
) -> str:
    """List an enterprise for one year; released by the listing authority when the year is over."""
    store = world.store(province)
    planned = add_years(listed_on, 1)
    released = planned if planned <= world.anchor else None
    number = f"HMD-{store.spec.prefix}-{listed_on.year}-{world.ids.serial(f'blacklist:{province}'):05d}"
    name = store.listings[ent.uscc].name
    store.rows["blacklist_entry"].append(
        (number, ent.uscc, None, name, basis, province_authority(store.geo), listed_on, planned, released)
    )
    return number


def _subject(world: World, plan: RecordPlan) -> tuple[str, str | None, str | None, str]:
    if isinstance(plan.subject, Person):
        return "person", None, plan.subject.key, plan.subject.name
    listing = world.store(plan.province).listings[plan.subject.uscc]
    return "enterprise", plan.subject.uscc, None, listing.name


def _authority(world: World, province: str, area: Area, level: str) -> tuple[str, str]:
    geo = world.store(province).geo
    if level == "部":
        return MINISTRY, "部"
    if level == "省":
        return province_authority(geo), "省"
    return local_authority(geo, area, county=level == "县")


def _decision_number(world: World, plan: RecordPlan, area: Area, level: str) -> str:
    """E.g. 苏建罚〔2023〕15号 (province), 宁建罚〔2021〕8号 (city), 江宁建罚〔2019〕3号 (county)."""
    abbr = {"部": "建市", "省": world.store(plan.province).spec.short_name + "建", "市": area.city_abbr + "建"}
    prefix = abbr.get(level, area.place + "建")
    verb = "罚" if plan.code.polarity == "bad" else "表"
    year = plan.decided_on.year
    return f"{prefix}{verb}〔{year}〕{world.ids.serial(f'decision:{prefix}{verb}:{year}')}号"


def _penalty(rng: Random, plan: RecordPlan) -> tuple[str | None, Decimal | None, date | None]:
    if plan.code.polarity == "good":
        return "通报表扬", None, None
    table = _PERSON_PENALTIES if isinstance(plan.subject, Person) else _ENTERPRISE_PENALTIES
    penalty, fines, days = rng.choice(table)
    fine = Decimal(rng.randrange(fines[0], fines[1], 1000)) if fines else None
    until = plan.decided_on + timedelta(days=rng.randint(*days)) if days else None
    return penalty, fine, until


def _publish_to(rng: Random, plan: RecordPlan, publish_from: date, until: date | None) -> date:
    if plan.code.polarity == "good":
        return add_months(publish_from, GOOD_MONTHS) - timedelta(days=1)
    months = SHORTEST_MONTHS if plan.shortened else plan.months or rng.randint(6, 36)
    end = add_months(publish_from, months) - timedelta(days=1)
    return max(end, until) if until else end  # never shorter than the penalty itself


def _workflow(world: World, rng: Random, plan: RecordPlan, publish_from: date) -> tuple:
    """internal_note, created_by, created_at, updated_by, updated_at for the record's status."""
    prefix = local_prefix(plan.province).lower()
    created = min(plan.decided_on + timedelta(days=1), world.anchor)
    collector = f"{prefix}.collector{rng.randint(1, 20):02d}"
    reviewer = f"{prefix}.reviewer{rng.randint(1, 8):02d}"
    note = "整改到位，经申请公布期限缩短至3个月" if plan.shortened else None
    if plan.status == "draft":
        return note, collector, stamp(created, 9, rng.randint(0, 59)), None, None
    reviewed = min(publish_from, world.anchor)
    if plan.status == "revoked":
        revoked = min(publish_from + timedelta(days=rng.randint(20, 120)), world.anchor)
        note = "经行政复议，原处罚决定被撤销，记录撤回"
        return note, collector, stamp(created, 9, rng.randint(0, 59)), reviewer, stamp(revoked, 15)
    return note, collector, stamp(created, 9, rng.randint(0, 59)), reviewer, stamp(reviewed, 16)


def _description(name: str, code: Code) -> str:
    if code.polarity == "good":
        return f"{name}{code.title}，予以通报表扬。"
    return f"经查，{name}存在“{code.title}”的行为，依法予以处理。"
