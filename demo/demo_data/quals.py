"""Qualification certificates (资质证书) and their items, per DOMAIN §3.

Item codes are ``<sequence letter><digit><category>[sub]<grade>``: D101A 建筑工程施工总承包一级,
D110A 市政公用工程施工总承包一级, E201A 房屋建筑工程监理甲级, B1A 工程勘察综合甲级.  Certificates
issued after the 2020 reform (建市〔2020〕94号, taken here as from 2023) carry 甲/乙 grades and the
new 施工综合资质 (code D000X, assumed) instead of 特级: the data holds both generations.
"""

from __future__ import annotations

from datetime import date
from random import Random

from demo_data.factory import MINISTRY, local_authority, province_authority
from demo_data.world import Certificate, Enterprise, World

REFORM_FROM = date(2023, 1, 1)
_OLD_GRADES = {"T": "特级", "A": "一级", "B": "二级", "C": "三级", "X": "不分等级"}
_NEW_GRADES = {"A": "甲级", "B": "乙级", "C": "丙级", "X": "不分等级"}
_LETTER = {"施工": "D", "监理": "E", "勘察": "B", "设计": "A"}

# (sequence digit, category number, category name, weight) of a certificate's main item.
_MAIN: dict[str, tuple[tuple[str, str, str, int], ...]] = {
    "施工": (("1", "01", "建筑工程", 60), ("1", "10", "市政公用工程", 25), ("1", "12", "机电工程", 8),
           ("1", "05", "水利水电工程", 4), ("1", "02", "公路工程", 3)),
    "监理": (("2", "01", "房屋建筑工程", 80), ("2", "13", "市政公用工程", 15),
           ("1", "", "综合资质", 5)),
    "勘察": (("2", "01", "岩土工程", 70), ("2", "03", "工程测量", 20), ("1", "", "综合资质", 10)),
    "设计": (("2", "01", "建筑行业（建筑工程）", 65), ("2", "02", "市政行业", 25), ("1", "", "综合资质", 10)),
}
# Extra items: (sequence digit, category number, category name, graded?).
_EXTRA: dict[str, tuple[tuple[str, str, str, bool], ...]] = {
    "施工": (("2", "01", "地基基础工程", True), ("2", "04", "电子与智能化工程", True),
           ("2", "05", "消防设施工程", True), ("2", "07", "桥梁工程", True), ("2", "09", "钢结构工程", True),
           ("2", "11", "建筑装修装饰工程", True), ("2", "12", "建筑机电安装工程", True),
           ("2", "03", "预拌混凝土", False), ("2", "10", "模板脚手架", False)),
    "监理": (("2", "13", "市政公用工程", True), ("2", "14", "机电安装工程", True)),
    "勘察": (("2", "02", "水文地质勘察", True), ("2", "03", "工程测量", True)),
    "设计": (("3", "01", "建筑装饰工程设计", True), ("3", "02", "建筑幕墙工程设计", True)),
}
_SEQUENCES = {
    "D": {"0": "施工综合资质", "1": "施工总承包", "2": "专业承包"},
    "E": {"1": "工程监理综合资质", "2": "工程监理专业资质"},
    "B": {"1": "工程勘察综合资质", "2": "工程勘察专业资质"},
    "A": {"1": "工程设计综合资质", "2": "工程设计行业资质", "3": "工程设计专项资质"},
}

QUALIFIED_KINDS = tuple(_LETTER)


def new_certificate(
    world: World, rng: Random, ent: Enterprise, issued_on: date, valid_until: date,
    *, status: str = "有效", changed_on: date | None = None,
) -> Certificate:
    """A certificate of the enterprise's home province with one to three items."""
    letter = _LETTER[ent.kind]
    items = [_main_item(rng, ent.kind, letter, issued_on)]
    items += _extra_items(rng, ent.kind, letter, issued_on, items[0][0])
    level = _issuing_level(items[0][0][-1])
    store = world.store(ent.home)
    number = world.ids.certificate_number(letter, level, store.spec.prefix)
    cert = Certificate(number, ent, _issuer(world, ent, level), issued_on, valid_until, status, changed_on, items)
    store.certificates.append(cert)
    return cert


def _main_item(rng: Random, kind: str, letter: str, issued_on: date) -> tuple[str, str, str, str]:
    choices = _MAIN[kind]
    digit, number, category, _ = rng.choices(choices, weights=[c[3] for c in choices])[0]
    if number == "":  # 综合资质: no category number, 甲级 (or not graded for supervision)
        grade = "X" if letter == "E" else "A"
        return _item(letter, digit, "", category, grade, issued_on)
    grade = rng.choices("TABC", weights=(3, 25, 42, 30))[0] if letter == "D" else rng.choice("AAB")
    if letter == "D" and grade == "T" and issued_on >= REFORM_FROM:
        return _item(letter, "0", "00", "综合", "X", issued_on)
    if issued_on >= REFORM_FROM and grade == "C":
        grade = "B"  # the reform keeps two grades only
    return _item(letter, digit, number, category, grade, issued_on)


def _extra_items(
    rng: Random, kind: str, letter: str, issued_on: date, main_code: str
) -> list[tuple[str, str, str, str]]:
    extras = [e for e in _EXTRA[kind] if f"{letter}{e[0]}{e[1]}" != main_code[:-1]]
    chosen = rng.sample(extras, k=min(len(extras), rng.choice((0, 0, 1, 2))))
    return [_item(letter, d, n, c, rng.choice("ABC") if graded else "X", issued_on) for d, n, c, graded in chosen]


def _item(
    letter: str, digit: str, number: str, category: str, grade: str, issued_on: date
) -> tuple[str, str, str, str]:
    grades = _NEW_GRADES if issued_on >= REFORM_FROM or letter != "D" else _OLD_GRADES
    return (f"{letter}{digit}{number}{grade}", _SEQUENCES[letter][digit], category, grades[grade])


def _issuing_level(grade: str) -> int:
    """特级/一级/甲级 by the ministry, 二级/乙级 by the province, 三级/丙级 by the city."""
    return {"T": 1, "A": 1, "X": 1, "B": 2, "C": 3}[grade]


def _issuer(world: World, ent: Enterprise, level: int) -> str:
    geo = world.store(ent.home).geo
    if level == 1:
        return MINISTRY
    if level == 2 or ent.area is None:
        return province_authority(geo)
    return local_authority(geo, ent.area, county=False)[0]
