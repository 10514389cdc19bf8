"""Random projects: lifecycle dates, partners from the province's pools, key personnel.

A project manager leads one project at a time across all provinces (tenures are checked
globally), a chief supervising engineer at most two, and partners take part only after they
entered the province's market, so the background never repeats a planted finding.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from random import Random

from demo_data.factory import random_date
from demo_data.geography import Area
from demo_data.names import PROJECT_OBJECTS, project_name
from demo_data.population import BASE_PROJECTS, Population
from demo_data.projects import STAGES, Change, ProjectPlan, write_project
from demo_data.world import Enterprise, Registration, Tenure, World

FIRST_PROJECT = date(2006, 1, 1)
MANAGER_CATEGORIES = ("一级注册建造师", "二级注册建造师")
# Days from one stage to the next: (min, max) after 报建, 中标, 合同备案, 施工图审查, 施工许可.
_GAPS = ((20, 120), (5, 30), (5, 45), (5, 40), (300, 1100))
CHIEF_LOAD = 2  # projects one chief supervising engineer may run at once in the background
MIN_AGE_DAYS = 730  # an enterprise wins bids only once qualified, two years after founding
_CHANGE = "项目负责人变更备案（{abbr}建管变〔{year}〕{n}号）"


def add_projects(pop: Population, province: str) -> None:
    for _ in range(pop.count(BASE_PROJECTS)):
        _add_project(pop, pop.rngs[province], province)


def _add_project(pop: Population, rng: Random, province: str) -> None:
    world, store = pop.world, pop.world.store(province)
    if not store.pool("建设单位"):
        return
    plan = _plan(pop, rng, province)
    if "中标" in plan.dates and not _award(world, rng, plan):
        plan.dates = {"报建": plan.dates["报建"]}  # nobody free to lead it: still at registration
    _partners(world, rng, plan)
    number = write_project(world, rng, plan)
    for ent in (plan.winner, plan.supervisor, plan.designer, plan.surveyor, plan.agency, plan.cost):
        if ent is not None:
            pop.projects_of.setdefault((province, ent.uscc), []).append(number)
    if plan.winner is not None and plan.completed_on is not None:
        pop.completions.append((plan.winner, number, province, plan.contract_amount, plan.completed_on))


def _plan(pop: Population, rng: Random, province: str) -> ProjectPlan:
    world, store = pop.world, pop.world.store(province)
    area = rng.choice(store.geo.areas)
    obj, category = rng.choice(PROJECT_OBJECTS)
    investment = Decimal(f"{min(max(rng.lognormvariate(8.3, 1.1), 200), 800_000):.2f}")
    return ProjectPlan(
        province=province, name=project_name(rng, area, obj), area=area, category=category,
        owner=_owner(pop, rng, province, area), investment=investment,
        contract_amount=(investment * Decimal(str(round(rng.uniform(0.55, 0.85), 3)))).quantize(Decimal("0.01")),
        dates=stage_dates(rng, random_date(rng, FIRST_PROJECT, world.anchor - timedelta(days=20)), world.anchor),
        state_ratio=Decimal(rng.choice((100, 100, 100, 51, 30, 0))), with_investment_code=rng.random() < 0.6,
    )


def _owner(pop: Population, rng: Random, province: str, area: Area) -> Enterprise:
    """Mostly a local owner (城投, 开发公司) of the project's city, sometimes one from elsewhere."""
    key = (province, "owners:" + area.city_code)
    owners = pop.world.store(province).pool("建设单位")
    if key not in pop.by_kind:
        pop.by_kind[key] = [e for e in owners if e.area is not None and e.area.city_code == area.city_code]
    local = pop.by_kind[key]
    return rng.choice(local) if local and rng.random() < 0.85 else rng.choice(owners)


def stage_dates(rng: Random, registered: date, anchor: date) -> dict[str, date]:
    """The stages reached by ``anchor``, in order; a few projects stall after registration."""
    dates = {"报建": registered}
    if rng.random() < 0.04:
        return dates
    day = registered
    for stage, (low, high) in zip(STAGES[1:], _GAPS, strict=True):
        day += timedelta(days=rng.randint(low, high))
        if day > anchor:
            break
        dates[stage] = day
    return dates


def _award(world: World, rng: Random, plan: ProjectPlan) -> bool:
    """Pick a winner with a project manager free for the whole tenure (any province)."""
    start, end = plan.dates["中标"], plan.completed_on
    for _ in range(6):
        winner = pick(world, rng, plan.province, "施工", start)
        managers = [r for r in (winner.registrations if winner else []) if _can_manage(r, start, end)]
        if winner is not None and managers:
            plan.winner, plan.manager = winner, rng.choice(managers)
            plan.change = _maybe_change(world, rng, plan, managers)
            staff = rng.sample(winner.staff, k=min(2, len(winner.staff)))
            plan.helpers = list(zip(("技术负责人", "安全员"), staff, strict=False))
            return True
    return False


def _maybe_change(world: World, rng: Random, plan: ProjectPlan, managers: list[Registration]) -> Change | None:
    """About 3% of projects change their manager half-way, with a change document."""
    if rng.random() >= 0.03:
        return None
    start, end = plan.dates["中标"], plan.completed_on
    on = start + ((end or world.anchor) - start) / 2
    successors = [r for r in managers if r is not plan.manager and _can_manage(r, on, end)]
    if not successors:
        return None
    year = on.year
    document = _CHANGE.format(abbr=plan.area.city_abbr, year=year, n=world.ids.serial(f"change:{year}"))
    return Change(on, rng.choice(successors), document)


def _partners(world: World, rng: Random, plan: ProjectPlan) -> None:
    registered, award = plan.dates["报建"], plan.dates.get("中标")
    if rng.random() < 0.7:
        plan.agency = pick(world, rng, plan.province, "招标代理", registered)
    if rng.random() < 0.3:
        plan.cost = pick(world, rng, plan.province, "造价咨询", registered)
    if award is not None:
        plan.supervisor = pick(world, rng, plan.province, "监理", award)
        plan.chief = _chief(rng, plan.supervisor, award, plan.completed_on) if plan.supervisor else None
    review = plan.dates.get("施工图审查")
    if review is not None:
        plan.designer = pick(world, rng, plan.province, "设计", review)
        plan.surveyor = pick(world, rng, plan.province, "勘察", review)


def _chief(rng: Random, supervisor: Enterprise, start: date, end: date | None) -> Registration | None:
    chiefs = [
        r for r in supervisor.registrations
        if r.category == "注册监理工程师" and r.status == "有效" and r.registered_on <= start
        and sum(overlaps(t, (start, end)) for t in r.person.supervising) < CHIEF_LOAD
    ]
    return rng.choice(chiefs) if chiefs else None


def pick(world: World, rng: Random, province: str, kind: str, on: date) -> Enterprise | None:
    """A partner of the province's pool already in this market (and qualified) on ``on``."""
    pool = world.store(province).pool(kind)
    listings = world.store(province).listings
    for _ in range(8 if pool else 0):
        ent = rng.choice(pool)
        entered = listings[ent.uscc].entered_on
        if ent.founded + timedelta(days=MIN_AGE_DAYS) <= on and (entered is None or entered <= on):
            return ent
    return None


def _can_manage(reg: Registration, start: date, end: date | None) -> bool:
    return (
        reg.category in MANAGER_CATEGORIES and reg.status == "有效" and reg.registered_on <= start
        and not any(overlaps(t, (start, end)) for t in reg.person.managing)
    )


def overlaps(a: Tenure, b: Tenure) -> bool:
    """Half-open tenures [start, end) overlap; an open end runs forever."""
    a_end, b_end = a[1] or date.max, b[1] or date.max
    return a[0] < b_end and b[0] < a_end
