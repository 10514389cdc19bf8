"""Factories for the entities both the random and the planted data are made of."""

from __future__ import annotations

from datetime import date, timedelta
from random import Random

from demo_data.codes import corrupt_uscc, make_foreign_id
from demo_data.geography import Area, Geography
from demo_data.names import REGISTRATION_TYPES, address
from demo_data.world import Enterprise, Person, Registration, World, add_years
from domain.identifiers import RESIDENT_ID, normalise_id_number
from domain.person_key import person_key

MINISTRY = "中华人民共和国住房和城乡建设部"
BIRTH_FROM, BIRTH_TO = date(1960, 1, 1), date(1995, 12, 31)
YOUNGEST_AGE = 26  # registered practitioners are at least this old at the anchor
# Registrations are renewed every three years; the registering date stays the first one.
RENEWAL_YEARS = 3

SPECIALTIES: dict[str, tuple[str | None, ...]] = {
    "一级注册建造师": ("建筑工程", "建筑工程", "市政公用工程", "机电工程", "公路工程", "水利水电工程"),
    "二级注册建造师": ("建筑工程", "建筑工程", "市政公用工程", "机电工程"),
    "注册监理工程师": ("房屋建筑工程", "房屋建筑工程", "市政公用工程", "机电安装工程"),
    "一级注册结构工程师": (None,),
    "注册造价工程师": ("土木建筑工程", "安装工程"),
}


def random_date(rng: Random, start: date, end: date) -> date:
    """A day in [start, end] (start when the range is empty)."""
    span = (end - start).days
    return start + timedelta(days=rng.randint(0, span)) if span > 0 else start


def province_authority(geo: Geography) -> str:
    """The provincial construction authority (上海: 住房和城乡建设管理委员会)."""
    if geo.spec.code == "310000":
        return "上海市住房和城乡建设管理委员会"
    suffix = "住房和城乡建设委员会" if geo.is_municipality else "住房和城乡建设厅"
    return geo.spec.name + suffix


def local_authority(geo: Geography, area: Area, county: bool) -> tuple[str, str]:
    """A city (or county/district) authority and its level; Shanghai districts are county-level."""
    if geo.is_municipality:
        return f"{geo.spec.name}{area.name}建设和管理委员会", "县"
    if county:
        return f"{area.city_name}{area.name}住房和城乡建设局", "县"
    return f"{area.city_name}住房和城乡建设局", "市"


def new_enterprise(
    world: World, rng: Random, province: str, kind: str, *, founded: date | None = None,
    area: Area | None = None, valid: bool = True,
) -> Enterprise:
    """An enterprise registered in ``province`` (listed there), with a valid USCC unless told."""
    geo = world.store(province).geo
    area = area or rng.choice(geo.areas)
    founded = founded or random_date(rng, date(1994, 1, 1), world.anchor - timedelta(days=900))
    uscc = world.ids.uscc(rng, _registering_division(rng, geo, area), founded)
    if not valid:
        uscc = world.ids.unique(lambda: corrupt_uscc(rng, uscc))
    ent = Enterprise(
        uscc=uscc, valid=valid, name=world.names.enterprise(rng, geo, area, kind),
        legal_rep=world.names.person(rng, rng.random() < 0.85), division=uscc[2:8],
        address=address(rng, geo, area), registration_type=_registration_type(rng, kind),
        kind=kind, home=province, founded=founded, area=area,
    )
    if kind == "施工":
        serial = world.ids.serial(f"safety:{province}")
        ent.safety_licence = f"({geo.spec.short_name})JZ安许证字[{max(founded.year, 2005)}]{serial:06d}"
    world.list_enterprise(ent, province)
    return ent


def new_outside_enterprise(world: World, rng: Random, division: str, place: str, where: str) -> Enterprise:
    """A design institute registered outside every configured province (never listed at home)."""
    founded = random_date(rng, date(1995, 1, 1), min(date(2012, 12, 31), world.anchor - timedelta(days=900)))
    return Enterprise(
        uscc=world.ids.uscc(rng, division, founded), valid=True,
        name=world.names.outside_enterprise(rng, place),
        legal_rep=world.names.person(rng, True), division=division,
        address=f"{where}{rng.choice(('科技园路', '中关村大街', '天河路'))}{rng.randint(1, 300)}号",
        registration_type=rng.choice(REGISTRATION_TYPES), kind="设计",
        home=division[:2] + "0000", founded=founded,
    )


def new_person(world: World, rng: Random, province: str, *, id_type: str = RESIDENT_ID) -> Person:
    """A person born 1960-1995, with a valid ID number of the province (or a passport)."""
    male = rng.random() < 0.82  # the trade is mostly male
    birth = random_date(rng, BIRTH_FROM, min(BIRTH_TO, add_years(world.anchor, -YOUNGEST_AGE)))
    if id_type == RESIDENT_ID:
        area_code = rng.choice(world.store(province).geo.areas).code
        number = world.ids.resident_id(rng, area_code, birth, male)
    else:
        number = world.ids.unique(lambda: make_foreign_id(rng, id_type))
    key = person_key(world.secret, id_type, normalise_id_number(id_type, number))
    return Person(key, id_type, number, world.names.person(rng, male), "男" if male else "女", birth, province)


def new_registration(
    world: World, rng: Random, person: Person, category: str, employer: Enterprise, registered_on: date,
    *, status: str = "有效", province: str | None = None,
) -> Registration:
    """Register a person with an employer in ``province`` (the employer's home by default)."""
    province = province or employer.home
    spec = world.store(province).spec
    number = world.ids.registration_number(category, spec.short_name, spec.prefix, registered_on.year)
    reg = Registration(
        number=number, person=person, category=category, specialty=rng.choice(SPECIALTIES[category]),
        employer=employer, registered_on=registered_on,
        valid_until=_registration_valid_until(registered_on, world.anchor, status), status=status,
        province=province,
    )
    world.add_registration(reg)
    return reg


def _registration_valid_until(registered_on: date, anchor: date, status: str) -> date:
    """The end of the current three-year term; an expired registration's term ended before anchor."""
    term = add_years(registered_on, RENEWAL_YEARS)
    while term <= anchor:
        term = add_years(term, RENEWAL_YEARS)
    if status == "过期":
        term = add_years(term, -RENEWAL_YEARS)
        return term if term <= anchor else anchor - timedelta(days=30)
    return term


def _registering_division(rng: Random, geo: Geography, area: Area) -> str:
    """Mostly the district's authority; sometimes the city's (or, in a municipality, the city's)."""
    if rng.random() < 0.75:
        return area.code
    return geo.spec.code if geo.is_municipality else area.city_code


def _registration_type(rng: Random, kind: str) -> str:
    if kind == "建设单位" and rng.random() < 0.6:
        return "有限责任公司（国有独资）"
    return rng.choice(REGISTRATION_TYPES)
