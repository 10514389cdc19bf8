"""Random background data: enterprises, persons, registrations, market entries, certificates.

The background is kept clean on purpose, so every cross-province finding in the data set is a
planted one: random enterprises never appear in planted projects and vice versa, each person
holds at most one registration per category, and qualification changes come after the
enterprise's last filing anywhere.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from random import Random

from demo_data.factory import new_enterprise, new_outside_enterprise, new_person, new_registration, random_date
from demo_data.geography import OUTSIDE_AREAS
from demo_data.quals import QUALIFIED_KINDS, new_certificate
from demo_data.world import Certificate, Enterprise, Person, World, add_years
from domain.identifiers import RESIDENT_ID

# Rows per province at scale 1.0.
BASE_ENTERPRISES, BASE_PERSONS, BASE_PROJECTS, BASE_RECORDS = 1000, 2000, 1500, 5000
KIND_SHARES = (
    ("施工", 0.50), ("监理", 0.12), ("勘察", 0.04), ("设计", 0.08), ("招标代理", 0.06), ("造价咨询", 0.06),
    ("建设单位", 0.14),
)
CATEGORY_SHARES = (
    ("一级注册建造师", 0.30), ("二级注册建造师", 0.22), ("注册监理工程师", 0.18), ("一级注册结构工程师", 0.06),
    ("注册造价工程师", 0.08), ("", 0.16),  # '' = unregistered staff (技术负责人, 安全员)
)
EMPLOYER_KINDS = {
    "一级注册建造师": ("施工",), "二级注册建造师": ("施工",), "注册监理工程师": ("监理",),
    "一级注册结构工程师": ("设计",), "注册造价工程师": ("造价咨询", "施工"), "": ("施工",),
}
ENTERING_SHARE = 0.08  # enterprises also listed (入省备案) in one other province
INVALID_SHARE = 0.005  # rows imported with a USCC failing its check, kept flagged
PASSPORT_SHARE = 0.015
CERTIFICATE_YEARS = 5
REGISTRATION_STATUSES = (("有效", 92), ("注销", 3), ("过期", 3), ("暂停", 2))


@dataclass
class Population:
    """The random data made so far, kept apart from the planted subjects."""

    world: World
    rngs: dict[str, Random]
    scale: float
    home: dict[str, list[Enterprise]] = field(default_factory=dict)
    persons: dict[str, list[Person]] = field(default_factory=dict)
    entered: set[str] = field(default_factory=set)  # USCCs listed outside their home province
    background: set[str] = field(default_factory=set)  # USCCs of valid random enterprises
    by_kind: dict[tuple[str, str], list[Enterprise]] = field(default_factory=dict)  # home ones only
    completions: list[tuple[Enterprise, str, str, Decimal, date]] = field(default_factory=list)
    projects_of: dict[tuple[str, str], list[str]] = field(default_factory=dict)

    def count(self, base: int) -> int:
        return round(base * self.scale)


def split(total: int, shares: tuple[tuple[str, float], ...]) -> list[tuple[str, int]]:
    """Counts per share, at least one each while there is anything to split."""
    if total <= 0:
        return [(name, 0) for name, _ in shares]
    return [(name, max(1, round(total * share))) for name, share in shares]


def add_enterprises(pop: Population, province: str) -> None:
    """The province's own enterprises; all but the flagged ones join the partner pools."""
    rng, store = pop.rngs[province], pop.world.store(province)
    total = pop.count(BASE_ENTERPRISES)
    home = pop.home.setdefault(province, [])
    for kind, n in split(total, KIND_SHARES):
        for _ in range(n):
            ent = new_enterprise(pop.world, rng, province, kind)
            home.append(ent)
            store.pool(kind).append(ent)
            pop.by_kind.setdefault((province, kind), []).append(ent)
            pop.background.add(ent.uscc)
    invalid = max(1, round(total * INVALID_SHARE)) if total else 0
    for _ in range(invalid):
        new_enterprise(pop.world, rng, province, rng.choice(("施工", "造价咨询")), valid=False)


def add_outside_enterprises(pop: Population, province: str) -> None:
    """Design institutes registered outside every configured province, working here."""
    rng, world = pop.rngs[province], pop.world
    configured = {spec.code for spec in world.specs}
    areas = [a for a in OUTSIDE_AREAS if a[0][:2] + "0000" not in configured]
    n = max(1, round(5 * pop.scale)) if pop.scale > 0 and areas else 0
    for _ in range(n):
        division, place, where = rng.choice(areas)
        ent = new_outside_enterprise(world, rng, division, place, where)
        start = max(date(2010, 1, 1), ent.founded + timedelta(days=365))
        world.list_enterprise(ent, province, random_date(rng, start, world.anchor - timedelta(days=400)))
        world.store(province).pool("设计").append(ent)
        pop.background.add(ent.uscc)


def add_persons(pop: Population, province: str) -> None:
    """Persons of the province with their registrations (or as unregistered staff)."""
    rng, world = pop.rngs[province], pop.world
    total = pop.count(BASE_PERSONS)
    foreign = set(rng.sample(range(total), k=max(1, round(total * PASSPORT_SHARE)))) if total else set()
    persons = pop.persons.setdefault(province, [])
    index = 0
    for category, n in split(total, CATEGORY_SHARES):
        for _ in range(n):
            id_type = rng.choice(("护照", "港澳居民来往内地通行证")) if index in foreign else RESIDENT_ID
            index += 1
            person = new_person(world, rng, province, id_type=id_type)
            persons.append(person)
            _employ(pop, rng, province, person, category)


def _employ(pop: Population, rng: Random, province: str, person: Person, category: str) -> None:
    world = pop.world
    employer = rng.choice(_employers(pop, province, category))
    if category == "":
        world.hold_person(person, province)
        employer.staff.append(person)
        return
    first = max(date(2005, 1, 1), add_years(person.birth, 25))
    registered = random_date(rng, first, world.anchor - timedelta(days=200))
    status = rng.choices([s for s, _ in REGISTRATION_STATUSES], [w for _, w in REGISTRATION_STATUSES])[0]
    new_registration(world, rng, person, category, employer, registered, status=status)
    if category == "一级注册建造师" and rng.random() < 0.15:
        # A second category with the same employer is lawful (one employer per category).
        new_registration(world, rng, person, "注册造价工程师", employer, registered + timedelta(days=400))


def _employers(pop: Population, province: str, category: str) -> list[Enterprise]:
    """Home enterprises that may employ a registration category (built once per category)."""
    key = (province, "employers:" + category)
    if key not in pop.by_kind:
        pop.by_kind[key] = [e for kind in EMPLOYER_KINDS[category] for e in pop.by_kind.get((province, kind), [])]
    return pop.by_kind[key]


def add_market_entries(pop: Population, province: str) -> None:
    """Some of the province's enterprises enter one other province's market (入省备案)."""
    rng, world = pop.rngs[province], pop.world
    others = [spec.code for spec in world.specs if spec.code != province]
    if not others:
        return
    for ent in pop.home.get(province, []):
        if ent.kind == "建设单位" or rng.random() >= ENTERING_SHARE:
            continue
        target = rng.choice(others)
        start = max(date(2008, 1, 1), ent.founded + timedelta(days=365))
        world.list_enterprise(ent, target, random_date(rng, start, world.anchor - timedelta(days=60)))
        world.store(target).pool(ent.kind).append(ent)
        pop.entered.add(ent.uscc)


def add_certificates(pop: Population, province: str) -> None:
    """One certificate per qualified enterprise; a few suspended, revoked, cancelled or expired.

    A status change is dated after the enterprise's last filing in any province (else the
    certificate stays valid), so the background never files on a dead certificate.
    """
    rng, world = pop.rngs[province], pop.world
    for ent in pop.home.get(province, []):
        if ent.kind not in QUALIFIED_KINDS:
            continue
        issued = max(date(2001, 1, 1), ent.founded + timedelta(days=rng.randint(120, 700)))
        valid_until = _renewed_until(issued, world.anchor)
        cert = new_certificate(world, rng, ent, issued, valid_until)
        _change_status(world, rng, _fate(rng), cert)


def _fate(rng: Random) -> str:
    roll = rng.random()
    for status, limit in (("有效", 0.93), ("暂扣", 0.95), ("撤回", 0.97), ("注销", 0.99)):
        if roll < limit:
            return status
    return "过期"


def _change_status(world: World, rng: Random, fate: str, cert: Certificate) -> None:
    if fate == "有效":
        return
    last = max(world.last_activity.get(cert.enterprise.uscc, cert.issued_on), cert.issued_on)
    if last >= world.anchor - timedelta(days=60):
        return  # too busy lately: keep the certificate valid
    if fate == "过期":
        previous = add_years(cert.valid_until, -CERTIFICATE_YEARS)
        if previous > last:
            cert.valid_until = previous  # not renewed: expired after its last filing
        return
    cert.status = fate
    cert.changed_on = random_date(rng, last + timedelta(days=30), world.anchor - timedelta(days=1))


def _renewed_until(issued: date, anchor: date) -> date:
    """Certificates are renewed every five years: the end of the term running at ``anchor``."""
    term = add_years(issued, CERTIFICATE_YEARS)
    while term <= anchor:
        term = add_years(term, CERTIFICATE_YEARS)
    return term


def add_performance(pop: Population) -> None:
    """Most completed projects are claimed as performance where the contractor is registered."""
    world = pop.world
    for ent, number, province, amount, completed in pop.completions:
        if ent.home not in world.stores or pop.rngs[ent.home].random() >= 0.7:
            continue
        row = (world.next_id("performance"), ent.uscc, number, province, "施工", amount, completed)
        world.store(ent.home).rows["performance"].append(row)
