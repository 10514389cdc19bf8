"""Realistic Chinese names: people, enterprises by kind, projects, addresses.

Name pools are tuples (never sets) so that a seeded ``random.Random`` picks the same names on
every run.  Enterprise names are unique per data set (the registering authority would refuse a
duplicate); ``NameBook`` remembers the names already given.
"""

from __future__ import annotations

from collections.abc import Callable
from random import Random

from demo_data.geography import Area, Geography

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦傅方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
_MALE_GIVEN = (
    "伟", "强", "磊", "军", "勇", "杰", "涛", "斌", "超", "明", "刚", "平", "辉", "鹏", "华", "飞", "鑫", "波",
    "建国", "建华", "志强", "志明", "海涛", "国庆", "立新", "文博", "俊杰", "晓东", "永刚", "德明", "卫东",
    "振华", "宏伟", "建军", "学军", "家豪", "浩然", "子轩", "宇航", "天宇", "国平", "春雷", "少华", "晓峰",
)
_FEMALE_GIVEN = (
    "芳", "娜", "敏", "静", "丽", "艳", "娟", "霞", "燕", "玲", "婷", "雪", "慧", "莉", "萍", "红", "琳", "颖",
    "秀英", "桂英", "晓燕", "丽华", "春梅", "海燕", "雅琴", "美玲", "玉兰", "晓红", "文静", "欣怡", "思琪",
    "佳怡", "雨欣", "梦琪", "丽娟", "秀兰", "婉婷", "晓梅",
)

# Enterprise "brand" names are two characters drawn from these, never the same twice.
_BRAND_FIRST = "华中宏鼎恒金天建永东广瑞锦正盛新宝隆伟嘉远卓凯通信昌弘万坤益博振汇润同众世德立海龙兴荣泰丰安明长大景"
_BRAND_SECOND = "宇天达盛信城成华固方厦丰程泰业新元发创鑫纪工建联诚海源洲晟基邦润隆祥茂和辉远通晖"

ENTERPRISE_SUFFIXES: dict[str, tuple[str, ...]] = {
    "施工": ("建设工程有限公司", "建筑工程有限公司", "建设集团有限公司", "建工集团有限公司", "市政工程有限公司",
           "建筑安装工程有限公司", "路桥工程有限公司", "建设有限公司"),
    "监理": ("工程监理有限公司", "监理咨询有限公司", "建设监理有限公司", "工程管理咨询有限公司", "项目管理有限公司"),
    "勘察": ("岩土工程勘察有限公司", "勘察设计研究院有限公司", "地质工程勘察院有限公司", "工程勘测有限公司"),
    "设计": ("建筑设计研究院有限公司", "市政设计研究院有限公司", "规划建筑设计有限公司", "工程设计有限公司"),
    "招标代理": ("招标代理有限公司", "招投标咨询有限公司", "工程咨询有限公司", "招标有限公司"),
    "造价咨询": ("工程造价咨询有限公司", "造价师事务所有限公司", "工程造价事务所有限公司"),
    "建设单位": ("城市建设投资集团有限公司", "城建开发有限公司", "房地产开发有限公司", "交通投资集团有限公司",
             "水务集团有限公司", "国有资产投资经营有限公司", "置业有限公司", "安居建设发展有限公司"),
}

REGISTRATION_TYPES = (
    "有限责任公司", "有限责任公司（自然人投资或控股）", "股份有限公司（非上市）", "有限责任公司（国有独资）",
    "股份有限公司（上市）", "有限责任公司（非自然人投资或控股的法人独资）",
)

_ROADS = (
    "中山路", "人民路", "解放路", "建设路", "长江路", "新华路", "文化路", "胜利路", "和平路", "学府路", "科技路",
    "创业路", "滨江大道", "世纪大道", "环城北路", "青年路", "工业园路", "振兴路", "发展大道", "迎宾大道",
)

# Notable areas project names mention, else a generic one.
_FEATURES: dict[str, tuple[str, ...]] = {
    "320100": ("江北新区", "河西新城", "南部新城"),
    "320500": ("工业园区", "高新区", "太湖新城"),
    "330100": ("钱江新城", "未来科技城", "亚运村"),
    "330200": ("前湾新区", "东部新城"),
    "310100": ("临港新片区", "虹桥商务区", "前滩", "张江科学城"),
    "340100": ("滨湖新区", "高新区", "政务区"),
}
_GENERIC_FEATURES = ("新城", "高新区", "经济开发区", "滨江片区", "老城区", "科创园", "中心城区")

# (object, category): the category follows the kind of works (房屋建筑工程 / 市政工程 / 其他).
PROJECT_OBJECTS: tuple[tuple[str, str], ...] = (
    ("安置房", "房屋建筑工程"), ("保障性租赁住房", "房屋建筑工程"), ("人民医院门诊综合楼", "房屋建筑工程"),
    ("第一中学教学楼", "房屋建筑工程"), ("实验小学", "房屋建筑工程"), ("体育中心", "房屋建筑工程"),
    ("文化艺术中心", "房屋建筑工程"), ("商业综合体", "房屋建筑工程"), ("产业园标准厂房", "房屋建筑工程"),
    ("幼儿园", "房屋建筑工程"), ("养老服务中心", "房屋建筑工程"), ("人才公寓", "房屋建筑工程"),
    ("污水处理厂提标改造", "市政工程"), ("主干道改扩建", "市政工程"), ("地下综合管廊", "市政工程"),
    ("雨污分流改造", "市政工程"), ("跨河大桥", "市政工程"), ("快速路高架", "市政工程"), ("老旧小区改造", "市政工程"),
    ("河道综合整治", "其他"), ("变电站配套", "其他"), ("海绵城市试点", "其他"),
)
_PROJECT_SUFFIXES = ("项目", "工程", "新建工程", "建设项目")


class NameBook:
    """Hands out names; enterprise names are unique across the whole data set."""

    def __init__(self) -> None:
        self._enterprise_names: set[str] = set()

    def person(self, rng: Random, male: bool) -> str:
        """A common surname and a given name of one or two characters."""
        given = _MALE_GIVEN if male else _FEMALE_GIVEN
        return rng.choice(SURNAMES) + rng.choice(given)

    def enterprise(self, rng: Random, geo: Geography, area: Area, kind: str) -> str:
        """E.g. 江苏华宇建设工程有限公司, 南京鼎盛监理咨询有限公司, 南京江宁城市建设投资集团有限公司."""
        suffixes = ENTERPRISE_SUFFIXES[kind]
        if kind == "建设单位":
            # Owners are mostly local state companies named after their city or district.
            plain = short_city(area) + area.place + rng.choice(suffixes)
            if plain not in self._enterprise_names:
                return self._claim(lambda: plain)
            places: tuple[str, ...] = (short_city(area), area.place)
        else:
            places = (geo.base, area.place, short_city(area))
        return self._claim(lambda: rng.choice(places) + _brand(rng) + rng.choice(suffixes))

    def outside_enterprise(self, rng: Random, place: str) -> str:
        """A design institute registered outside the configured provinces."""
        return self._claim(lambda: place + _brand(rng) + rng.choice(ENTERPRISE_SUFFIXES["设计"]))

    def renamed(self, rng: Random, name: str, kind: str) -> str:
        """The same company under another (e.g. former) name: another suffix of its kind."""
        stem = next(name[: -len(s)] for s in ENTERPRISE_SUFFIXES[kind] if name.endswith(s))
        suffixes = [s for s in ENTERPRISE_SUFFIXES[kind] if not name.endswith(s)]
        return self._claim(lambda: stem + rng.choice(suffixes))

    def _claim(self, make: Callable[[], str]) -> str:
        for _ in range(60):
            name = make()
            if name not in self._enterprise_names:
                self._enterprise_names.add(name)
                return name
        raise RuntimeError("could not find a free enterprise name")  # pragma: no cover - 10^5+ per kind


def _brand(rng: Random) -> str:
    first = rng.choice(_BRAND_FIRST)
    second = rng.choice(_BRAND_SECOND)
    return first + second if first != second else first + "达"


def short_city(area: Area) -> str:
    """'南京市' → '南京'; for Shanghai districts the city is 上海."""
    return area.city_name[:-1] if area.city_name.endswith("市") else area.city_name


def address(rng: Random, geo: Geography, area: Area) -> str:
    """E.g. 江苏省南京市江宁区天元中路123号, 上海市浦东新区世纪大道100号."""
    province = "" if geo.is_municipality else geo.spec.name
    road = rng.choice(_ROADS)
    return f"{province}{area.city_name}{area.name}{road}{rng.randint(1, 999)}号"


def project_name(rng: Random, area: Area, obj: str) -> str:
    """E.g. 南京江北新区安置房项目, 杭州钱江新城人民医院门诊综合楼新建工程, 上海浦东幼儿园工程."""
    features = (*_FEATURES.get(area.city_code, ()), area.place, *_GENERIC_FEATURES)
    return f"{short_city(area)}{rng.choice(features)}{obj}{rng.choice(_PROJECT_SUFFIXES)}"
