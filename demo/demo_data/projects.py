"""Projects: a plan (who, where, which stages on which dates) written out as exchange rows.

One writer for random and planted projects, so both follow the same rules: stages in lifecycle
order, record numbers per stage (the permit number in its 18-digit form), parties per role and
stage, key personnel whose tenure runs from the award to the completion filing (open while the
project is unfinished).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from random import Random

from demo_data.geography import Area
from demo_data.world import Enterprise, Person, Registration, World

STAGES = ("报建", "中标", "合同备案", "施工图审查", "施工许可", "竣工验收备案")
_RECORD_PREFIX = {"报建": "BJ", "中标": "ZB", "合同备案": "HT", "施工图审查": "SC", "竣工验收备案": "JG"}
_STATUS = {
    "报建": "已报建", "中标": "已中标", "合同备案": "已签约", "施工图审查": "待开工", "施工许可": "在建",
    "竣工验收备案": "已竣工",
}
_PERMIT_CATEGORY = {"房屋建筑工程": 1, "市政工程": 2, "其他": 9}
_INDUSTRY = {"房屋建筑工程": "47", "市政工程": "48", "其他": "48"}


@dataclass(slots=True)
class Change:
    """A documented change of project manager: the first one leaves on ``on``."""

    on: date
    successor: Registration
    document: str


@dataclass(slots=True)
class ProjectPlan:
    """Everything needed to write one project; ``dates`` holds only the stages reached."""

    province: str
    name: str
    area: Area
    category: str
    owner: Enterprise
    investment: Decimal
    contract_amount: Decimal
    dates: dict[str, date]
    winner: Enterprise | None = None
    supervisor: Enterprise | None = None
    designer: Enterprise | None = None
    surveyor: Enterprise | None = None
    agency: Enterprise | None = None
    cost: Enterprise | None = None
    manager: Registration | None = None
    manager_note: str | None = None  # change_document on the manager's row (documented exception)
    change: Change | None = None
    chief: Registration | None = None
    helpers: list[tuple[str, Person]] = field(default_factory=list)  # (技术负责人|安全员, person)
    state_ratio: Decimal = Decimal("0.00")
    with_investment_code: bool = True

    @property
    def completed_on(self) -> date | None:
        return self.dates.get("竣工验收备案")

    @property
    def start(self) -> date | None:
        """The day the manager takes charge: the award, else the permit (no award filed)."""
        return self.dates.get("中标") or self.dates.get("施工许可")


def write_project(world: World, rng: Random, plan: ProjectPlan) -> str:
    """Write the project, its stages, parties and key personnel; returns the project number."""
    number = world.ids.project_number(plan.area.code, plan.dates["报建"])
    rows = world.store(plan.province).rows
    rows["project"].append(_project_row(world, plan, number))
    rows["project_stage"].extend(_stage_rows(world, plan, number))
    rows["project_party"].extend(_party_rows(world, plan, number))
    rows["key_personnel"].extend(_personnel_rows(world, plan, number))
    return number


def _project_row(world: World, plan: ProjectPlan, number: str) -> tuple:
    filed = plan.dates["报建"]
    spec = world.store(plan.province).spec
    provincial = f"{spec.prefix}BJ{filed.year}{world.ids.serial(f'provincial:{spec.code}'):06d}"
    code = None
    if plan.with_investment_code:
        code = world.ids.investment_code(filed.year, plan.area.code, _INDUSTRY[plan.category])
    status = _STATUS[max(plan.dates, key=STAGES.index)]
    return (number, provincial, code, plan.name, plan.area.code, plan.category, plan.owner.uscc,
            plan.investment, plan.state_ratio, status)


def _stage_rows(world: World, plan: ProjectPlan, number: str) -> list[tuple]:
    rows = []
    for stage in STAGES:
        filed = plan.dates.get(stage)
        if filed is None:
            continue
        enterprise = _stage_enterprise(plan, stage)
        if enterprise is not None:
            world.touch(enterprise.uscc, filed)
        person = plan.manager.person.key if stage == "中标" and plan.manager else None
        amount = plan.investment if stage == "报建" else None if stage == "施工图审查" else plan.contract_amount
        rows.append((_record_number(world, plan, stage, number), number, stage, filed,
                     enterprise.uscc if enterprise else None, amount, person))
    return rows


def _stage_enterprise(plan: ProjectPlan, stage: str) -> Enterprise | None:
    """报建 by the owner, 施工图审查 about the design, the other filings about the contractor."""
    if stage == "报建":
        return plan.owner
    if stage == "施工图审查":
        return plan.designer
    return plan.winner


def _record_number(world: World, plan: ProjectPlan, stage: str, number: str) -> str:
    if stage == "施工许可":
        return world.ids.permit_number(plan.area.code, plan.dates[stage], _PERMIT_CATEGORY[plan.category])
    return _RECORD_PREFIX[stage] + number


def _party_rows(world: World, plan: ProjectPlan, number: str) -> list[tuple]:
    """One row per enterprise and role, named by the stage it joined at (if reached)."""
    award_stage = "中标" if "中标" in plan.dates else "施工许可"
    parties = (
        ("建设单位", plan.owner, "报建"), ("招标代理", plan.agency, "报建"), ("造价咨询", plan.cost, "报建"),
        ("施工", plan.winner, award_stage), ("监理", plan.supervisor, award_stage),
        ("勘察", plan.surveyor, "施工图审查"), ("设计", plan.designer, "施工图审查"),
    )
    rows = []
    for role, ent, stage in parties:
        if ent is None or stage not in plan.dates:
            continue
        last = max(plan.dates.values())
        world.touch(ent.uscc, last)
        rows.append((number, ent.uscc, role, stage))
    return rows


def _personnel_rows(world: World, plan: ProjectPlan, number: str) -> list[tuple]:
    start, end = plan.start, plan.completed_on
    if start is None:
        return []
    rows = []
    if plan.manager is not None:
        rows += _manager_rows(world, plan, number, start, end)
    if plan.chief is not None:
        plan.chief.person.supervising.append((start, end))
        rows.append(_personnel_row(world, number, plan.chief.person, plan.chief, "总监理工程师", start, end, None))
    employer = plan.winner or plan.owner
    for role, person in plan.helpers:
        rows.append(_personnel_row(world, number, person, None, role, start, end, None, employer))
    return rows


def _manager_rows(world: World, plan: ProjectPlan, number: str, start: date, end: date | None) -> list[tuple]:
    manager = plan.manager
    assert manager is not None
    if plan.change is None:
        manager.person.managing.append((start, end))
        return [_personnel_row(world, number, manager.person, manager, "项目负责人", start, end, plan.manager_note)]
    change = plan.change
    manager.person.managing.append((start, change.on))
    change.successor.person.managing.append((change.on, end))
    return [
        _personnel_row(world, number, manager.person, manager, "项目负责人", start, change.on, change.document),
        _personnel_row(world, number, change.successor.person, change.successor, "项目负责人", change.on, end, None),
    ]


def _personnel_row(
    world: World, number: str, person: Person, reg: Registration | None, role: str, start: date,
    end: date | None, document: str | None, employer: Enterprise | None = None,
) -> tuple:
    employer_uscc = reg.employer.uscc if reg is not None else employer.uscc  # type: ignore[union-attr]
    return (world.next_id("key_personnel"), number, person.key, person.name, reg.number if reg else None,
            role, employer_uscc, start, end, document)
