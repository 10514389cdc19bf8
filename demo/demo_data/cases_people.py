"""Planted cases about people: managers on two sites, 挂证, a busy chief supervisor, a clean person."""

from __future__ import annotations

from typing import Any

from demo_data.factory import local_authority, new_registration
from demo_data.names import project_name
from demo_data.planted import Kit
from demo_data.showcase import entry
from demo_data.world import Registration

Case = dict[str, Any]


def person_key(reg: Registration) -> dict[str, str]:
    """The showcase key of a registered person: ID type, number and the registration number."""
    person = reg.person
    return {"idType": person.id_type, "idNumber": person.id_number, "registrationNumber": reg.number}


def concurrent_project_manager(kit: Kit) -> list[Case]:
    """(b) A 一级注册建造师 leads unfinished projects in two provinces at once."""
    home, away = kit.p(0), kit.p(1)
    ent = kit.enterprise(home)
    kit.enter(ent, away)
    manager = kit.staff(ent)
    kit.project(home, kit.day(300), winner=ent, manager=manager)
    kit.project(away, kit.day(90), winner=ent, manager=manager)
    return [entry(
        "concurrent_project_manager", "项目负责人同时在两省担任在建项目负责人",
        "Project manager leading unfinished projects in two provinces at once", "person",
        person_key(manager), [home, away],
    )]


def pm_adjacent_phases_exception(kit: Kit) -> list[Case]:
    """(b') The lawful exception: one manager on phases 一期 and 二期 of one project, documented."""
    province = kit.p(1) if len(kit.codes) > 1 else kit.p(0)
    ent = kit.enterprise(province)
    manager = kit.staff(ent)
    geo = kit.world.store(province).geo
    area = geo.areas[0]
    base = project_name(kit.rng, area, "安置房")
    first = kit.project(province, kit.day(420), winner=ent, manager=manager, name=f"{base}一期", area=area)
    authority = local_authority(geo, area, county=False)[0]
    year = kit.day(150).year
    note = (f"同一项目相邻标段（{first.plan.name}与二期）由同一项目负责人担任，"
            f"经{authority}同意（{area.city_abbr}建管函〔{year}〕12号）")
    kit.project(
        province, kit.day(150), winner=ent, manager=manager, name=f"{base}二期", area=area, manager_note=note
    )
    return [entry(
        "pm_adjacent_phases_exception", "同一项目一期、二期由同一项目负责人担任（有批准文件，不应预警）",
        "Same manager on adjacent phases of one project, documented: must not be flagged", "person",
        person_key(manager), [province],
    )]


def dual_registration_person(kit: Kit) -> list[Case]:
    """(c) The same person registered in one category with employers in two provinces (挂证)."""
    home, away = kit.p(0), kit.p(1)
    first, second = kit.enterprise(home), kit.enterprise(away)
    person = kit.person(home)
    regs = [
        new_registration(kit.world, kit.rng, person, "一级注册建造师", first, kit.day(1800)),
        new_registration(kit.world, kit.rng, person, "一级注册建造师", second, kit.day(420)),
    ]
    for reg in regs:
        reg.specialty = "建筑工程"
    key = person_key(regs[0])
    key["otherRegistrationNumber"] = regs[1].number
    return [entry(
        "dual_registration_person", "同一人员同一注册类别在两省两家企业注册（挂证）",
        "One person registered in the same category with employers in two provinces (certificate renting)",
        "person", key, [home, away],
    )]


def chief_supervisor_many_projects(kit: Kit) -> list[Case]:
    """(k) A chief supervising engineer on five unfinished projects across the provinces."""
    home = kit.p(0)
    firm = kit.enterprise(home, "监理")
    chief = kit.staff(firm, "注册监理工程师")
    sites = [kit.p(0), kit.p(0), kit.p(1), kit.p(1), kit.p(2) if len(kit.codes) > 2 else kit.p(1)]
    for site, days in zip(sites, (520, 260, 400, 120, 200), strict=True):
        if site != home:
            kit.enter(firm, site)
        kit.project(site, kit.day(days), supervisor=firm, chief=chief)
    return [entry(
        "chief_supervisor_many_projects", "总监理工程师跨省同时担任多个项目总监",
        "Chief supervising engineer on several unfinished projects across provinces", "person",
        person_key(chief), sites,
    )]


def clean_subjects(kit: Kit) -> list[Case]:
    """(m) A clean enterprise and a clean person: no issue anywhere."""
    province = kit.last()
    ent = kit.enterprise(province)
    manager = kit.staff(ent)
    built = kit.project(province, kit.day(1300), winner=ent, manager=manager, completed=kit.day(500))
    kit.claim_built(ent, built)
    kit.record(province, ent, "D1-G-02", kit.day(300), project=built.number)
    return [
        entry("clean_enterprise", "守信企业：各省均无问题", "Clean enterprise: no issue in any province",
              "enterprise", {"uscc": ent.uscc}, [province]),
        entry("clean_person", "无任何问题的注册建造师", "Clean registered constructor: no issue anywhere",
              "person", person_key(manager), [province]),
    ]
