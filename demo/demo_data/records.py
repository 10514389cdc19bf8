"""Random credit records and blacklist entries.

Records about an enterprise registered elsewhere are collected where it works (DOMAIN §4); in
the background those never use quality or safety categories (3, 4), and the serious-accident
codes are never used at all, so cross-province accident patterns exist only where planted.
Blacklists in the background only hit enterprises that never left their home province.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache
from random import Random

from demo_data.behaviour import PARTY_OF_KIND, Code, local_codes, national_codes
from demo_data.credit import RecordPlan, write_blacklist, write_record
from demo_data.factory import random_date
from demo_data.population import BASE_RECORDS, Population
from demo_data.world import Enterprise, Person, add_years

FIRST_DECISION = date(2005, 1, 1)  # credit data is collected from 2005-01-01
RECENT_DAYS = 45  # drafts and records under review are recent
BASE_BLACKLIST = 10
_TRIGGERS = (
    ("以欺骗手段取得资质", "D1-1-02"), ("出借资质证书、允许他人以本单位名义承揽工程", "D1-1-03"),
    ("转包、违法分包", "D1-2-05"), ("发生较大及以上工程质量安全事故", None),
    ("经人民法院判决认定拖欠工程款且拒不履行", "D1-5-02"),
)


def add_records(pop: Population, province: str) -> None:
    rng, store = pop.rngs[province], pop.world.store(province)
    enterprises = [item.enterprise for item in store.listings.values() if item.enterprise.uscc in pop.background]
    persons = pop.persons.get(province, [])
    if not enterprises:
        return
    for _ in range(pop.count(BASE_RECORDS)):
        if persons and rng.random() < 0.15:
            _person_record(pop, rng, province, rng.choice(persons))
        else:
            _enterprise_record(pop, rng, province, rng.choice(enterprises))


def _enterprise_record(pop: Population, rng: Random, province: str, ent: Enterprise) -> None:
    foreign = ent.home != province
    polarity = "good" if rng.random() < 0.35 else "bad"
    codes = _codes_for(province, ent.kind, polarity, foreign)
    if not codes:
        polarity, codes = "bad", _codes_for(province, ent.kind, "bad", foreign)
    listing = pop.world.store(province).listings[ent.uscc]
    projects = pop.projects_of.get((province, ent.uscc))
    project = rng.choice(projects) if projects and rng.random() < 0.6 else None
    since = max(FIRST_DECISION, listing.entered_on or ent.founded, _registered_on(project))
    decided = random_date(rng, since, pop.world.anchor)
    status = _status(rng, decided, pop.world.anchor)
    plan = RecordPlan(province, ent, rng.choice(codes), decided, status, project=project)
    if project is not None:
        plan.area = pop.world.store(province).geo.area(project[:6])
    write_record(pop.world, rng, plan)


def _person_record(pop: Population, rng: Random, province: str, person: Person) -> None:
    polarity = "good" if rng.random() < 0.3 else "bad"
    since = min(max(FIRST_DECISION, date(person.birth.year + 25, 1, 1)), pop.world.anchor)
    decided = random_date(rng, since, pop.world.anchor)
    code = rng.choice(local_codes(province, "person", polarity))
    write_record(pop.world, rng, RecordPlan(province, person, code, decided, _status(rng, decided, pop.world.anchor)))


def _registered_on(project: str | None) -> date:
    """The 报建 date a project number carries (county code + yymmdd + serial)."""
    if project is None:
        return date.min
    return date(2000 + int(project[6:8]), int(project[8:10]), int(project[10:12]))


@cache
def _codes_for(province: str, kind: str, polarity: str, foreign: bool) -> tuple[Code, ...]:
    """National codes of the enterprise's party (75%) and the province's local codes (25%)."""
    party = PARTY_OF_KIND.get(kind)
    excluded = ("3", "4") if foreign else ()
    national = national_codes(party, polarity, exclude_categories=excluded) if party else ()
    local = local_codes(province, kind, polarity)
    return national * 3 + local if national else local


def _status(rng: Random, decided: date, anchor: date) -> str:
    if decided >= anchor - timedelta(days=RECENT_DAYS):
        return rng.choices(("published", "reviewed", "draft"), (50, 25, 25))[0]
    return "revoked" if rng.random() < 0.04 else "published"


def add_blacklist(pop: Population, province: str) -> None:
    """Home enterprises that never entered another market, listed for one year."""
    rng, world = pop.rngs[province], pop.world
    candidates = [e for e in pop.home.get(province, []) if e.uscc not in pop.entered and e.kind == "施工"]
    n = min(len(candidates), pop.count(BASE_BLACKLIST))
    spec = world.store(province).spec
    for ent in rng.sample(candidates, k=n):
        listed = random_date(rng, add_years(world.anchor, -8), world.anchor - timedelta(days=1))
        trigger, code = rng.choice(_TRIGGERS)
        number = f"{spec.short_name}建罚〔{listed.year}〕{world.ids.serial(f'decision:{spec.code}:bl')}号"
        basis = f"{trigger}（{number}）" + (f"，行为代码{code}" if code else "")
        write_blacklist(world, rng, province, ent, listed, basis)

