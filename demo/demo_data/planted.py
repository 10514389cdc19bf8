"""The kit planted cases are built with: subjects, support partners, projects, records.

Planted data is generated first, with its own random stream, so its identifiers and names are
the same at every scale.  Every planted project gets fresh support staff (a new project manager
and chief supervising engineer each time), so the support partners never become findings
themselves; only the subject of each case carries the pattern it demonstrates.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from random import Random

from demo_data.behaviour import NATIONAL_TITLES, Code, local_code, title_of
from demo_data.credit import RecordPlan, write_blacklist, write_record
from demo_data.factory import new_enterprise, new_person, new_registration, province_authority, random_date
from demo_data.geography import Area
from demo_data.names import project_name
from demo_data.projects import STAGES, ProjectPlan, write_project
from demo_data.quals import QUALIFIED_KINDS, new_certificate
from demo_data.world import Certificate, Enterprise, Listing, Person, Registration, World, add_years

# Offsets of the other stages from the award (报建 before it); planted dates stay readable.
_AFTER_AWARD = {"报建": -60, "中标": 0, "合同备案": 15, "施工图审查": 40, "施工许可": 60}


@dataclass(frozen=True, slots=True)
class Built:
    """A written planted project."""

    number: str
    plan: ProjectPlan


class Kit:
    """Helpers for planted cases; ``p(i)`` is the i-th configured province."""

    def __init__(self, world: World, rng: Random) -> None:
        self.world = world
        self.rng = rng
        self.anchor = world.anchor
        self.codes = [spec.code for spec in world.specs]
        self._support: dict[tuple[str, str], Enterprise] = {}
        self.certificates: dict[str, Certificate] = {}

    def p(self, index: int) -> str:
        return self.codes[index]

    def last(self) -> str:
        return self.codes[-1]

    def day(self, days_before: int) -> date:
        """A day relative to the anchor ('today' of the data set)."""
        return self.anchor - timedelta(days=days_before)

    # ---- subjects ---------------------------------------------------------------------------

    def enterprise(self, home: str, kind: str = "施工", *, valid_until: date | None = None) -> Enterprise:
        """A qualified enterprise founded 2003-2010, its certificate valid well past the anchor."""
        rng = self.rng
        founded = random_date(rng, add_years(self.anchor, -23), add_years(self.anchor, -16))
        ent = new_enterprise(self.world, rng, home, kind, founded=founded)
        if kind in QUALIFIED_KINDS:
            until = valid_until or self.anchor + timedelta(days=rng.randint(400, 1500))
            issued = ent.founded + timedelta(days=200)
            self.certificates[ent.uscc] = new_certificate(self.world, rng, ent, issued, until)
        return ent

    def enter(self, ent: Enterprise, province: str, on: date | None = None) -> Listing:
        """List the enterprise in another province's market (入省备案), by default 6 years ago."""
        return self.world.list_enterprise(ent, province, on or self.day(2200))

    def person(self, province: str) -> Person:
        return new_person(self.world, self.rng, province)

    def staff(self, ent: Enterprise, category: str = "一级注册建造师", registered: date | None = None) -> Registration:
        """A new person registered with the enterprise in its home province."""
        # Registered before the earliest planted award (about seven years before the anchor).
        registered = registered or random_date(self.rng, add_years(self.anchor, -16), add_years(self.anchor, -8))
        return new_registration(self.world, self.rng, self.person(ent.home), category, ent, registered)

    def support(self, province: str, kind: str) -> Enterprise:
        """The province's planted owner, contractor, supervisor, designer (one of each)."""
        key = (province, kind)
        if key not in self._support:
            self._support[key] = self.enterprise(province, kind)
        return self._support[key]

    # ---- projects ---------------------------------------------------------------------------

    def project(
        self, province: str, award: date, *, winner: Enterprise | None = None, completed: date | None = None,
        manager: Registration | None = None, chief: Registration | None = None,
        supervisor: Enterprise | None = None, agency: Enterprise | None = None, name: str | None = None,
        stages: tuple[str, ...] = STAGES, manager_note: str | None = None, area: Area | None = None,
    ) -> Built:
        """A project in ``province`` whose award (or permit, without one) is around ``award``."""
        winner = winner or self.support(province, "施工")
        supervisor = supervisor or self.support(province, "监理")
        plan = self._plan(province, award, completed, stages, name, area)
        plan.winner, plan.supervisor, plan.agency = winner, supervisor, agency
        plan.designer = self.support(province, "设计")
        plan.manager = manager or self.staff(winner)
        plan.chief = chief or self.staff(supervisor, "注册监理工程师")
        plan.manager_note = manager_note
        return Built(write_project(self.world, self.rng, plan), plan)

    def _plan(
        self, province: str, award: date, completed: date | None, stages: tuple[str, ...], name: str | None,
        area: Area | None,
    ) -> ProjectPlan:
        rng, store = self.rng, self.world.store(province)
        area = area or store.geo.areas[rng.randrange(len(store.geo.areas))]
        dates = {s: award + timedelta(days=d) for s, d in _AFTER_AWARD.items() if s in stages}
        if completed is not None and "竣工验收备案" in stages:
            dates["竣工验收备案"] = completed
        dates = {s: d for s, d in dates.items() if d <= self.anchor}
        investment = Decimal(rng.randrange(3_000, 90_000))
        return ProjectPlan(
            province=province, name=name or project_name(rng, area, "人才公寓"), area=area,
            category="房屋建筑工程", owner=self.support(province, "建设单位"), investment=investment,
            contract_amount=(investment * Decimal("0.72")).quantize(Decimal("0.01")), dates=dates,
            state_ratio=Decimal(100),
        )

    def claim(self, province: str, ent: Enterprise, number: str, where: str, amount: Decimal, on: date) -> None:
        """A performance claim filed in ``province`` about project ``number`` in ``where``."""
        row = (self.world.next_id("performance"), ent.uscc, number, where, "施工", amount, on)
        self.world.store(province).rows["performance"].append(row)

    def claim_built(self, ent: Enterprise, built: Built) -> None:
        """The honest claim: filed at home, matching amount and completion date."""
        completed = built.plan.completed_on
        assert completed is not None, "only completed projects are claimed"
        self.claim(ent.home, ent, built.number, built.plan.province, built.plan.contract_amount, completed)

    # ---- credit -----------------------------------------------------------------------------

    def record(
        self, province: str, subject: Enterprise | Person, code: str, decided: date, *,
        status: str = "published", months: int = 24, project: str | None = None, shortened: bool = False,
    ) -> str:
        polarity = "good" if "-G-" in code or "-LH-" in code else "bad"
        national = code in NATIONAL_TITLES
        category = code.split("-")[1]
        plan = RecordPlan(
            province, subject, Code(code, title_of(code), polarity, category, national), decided, status=status,
            months=months, project=project, shortened=shortened, level="市",
        )
        if project is not None:
            plan.area = self.world.store(province).geo.area(project[:6])
        return write_record(self.world, self.rng, plan)

    def blacklist(self, province: str, ent: Enterprise, listed: date, basis: str) -> str:
        return write_blacklist(self.world, self.rng, province, ent, listed, basis)

    def local(self, province: str, suffix: str) -> str:
        return local_code(province, suffix)

    def recognise(self, recognising: str, origin: str, suffix: str, since: date, until: date | None) -> None:
        """A recognition decision: ``recognising`` accepts ``origin``'s local code."""
        store = self.world.store(recognising)
        origin_name = self.world.store(origin).spec.name
        basis = (
            "依据《长三角区域建筑市场信用信息互认办法》，经比对两地认定标准，"
            f"{origin_name}地方行为代码{local_code(origin, suffix)}与本省（市）同类行为认定标准一致，予以互认"
        )
        self.world.recognitions.append(
            (recognising, origin, local_code(origin, suffix), province_authority(store.geo), basis, since, until)
        )
