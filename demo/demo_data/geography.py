"""Division codes (GB/T 2260) the generator places enterprises, people and projects in.

Real codes for the Delta provinces (a representative set of county-level districts per city, not
the whole list); any other province gets generic ``XXkk00`` cities with ``XXkk02..05`` districts,
so adding a province stays configuration.  Codes change over time, so a few historical codes are
kept with their end dates for the central division table, and never used for new data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cached_property

from domain.provinces import ProvinceInfo

# city code, city name, abbreviation used in document numbers, districts "code name code name ..."
_CityData = tuple[str, str, str, str]

_SHANGHAI: tuple[_CityData, ...] = (
    ("310100", "上海市", "沪",
     "310101 黄浦区 310104 徐汇区 310105 长宁区 310106 静安区 310107 普陀区 310109 虹口区 "
     "310110 杨浦区 310112 闵行区 310113 宝山区 310114 嘉定区 310115 浦东新区 310116 金山区 "
     "310117 松江区 310118 青浦区 310120 奉贤区 310151 崇明区"),
)

_JIANGSU: tuple[_CityData, ...] = (
    ("320100", "南京市", "宁", "320102 玄武区 320104 秦淮区 320105 建邺区 320106 鼓楼区 320111 浦口区 "
     "320113 栖霞区 320114 雨花台区 320115 江宁区 320116 六合区"),
    ("320200", "无锡市", "锡", "320205 锡山区 320206 惠山区 320211 滨湖区 320213 梁溪区 320214 新吴区 320281 江阴市"),
    ("320300", "徐州市", "徐", "320302 鼓楼区 320303 云龙区 320311 泉山区 320312 铜山区"),
    ("320400", "常州市", "常", "320402 天宁区 320404 钟楼区 320411 新北区 320412 武进区"),
    ("320500", "苏州市", "苏", "320505 虎丘区 320506 吴中区 320507 相城区 320508 姑苏区 320509 吴江区 "
     "320581 常熟市 320583 昆山市"),
    ("320600", "南通市", "通", "320612 通州区 320613 崇川区 320681 启东市"),
    ("320700", "连云港市", "连", "320703 连云区 320706 海州区 320707 赣榆区"),
    ("320800", "淮安市", "淮", "320803 淮安区 320804 淮阴区 320812 清江浦区"),
    ("320900", "盐城市", "盐", "320902 亭湖区 320903 盐都区 320904 大丰区"),
    ("321000", "扬州市", "扬", "321002 广陵区 321003 邗江区 321012 江都区"),
    ("321100", "镇江市", "镇", "321102 京口区 321111 润州区 321112 丹徒区"),
    ("321200", "泰州市", "泰", "321202 海陵区 321203 高港区 321204 姜堰区"),
    ("321300", "宿迁市", "宿", "321302 宿城区 321311 宿豫区"),
)

_ZHEJIANG: tuple[_CityData, ...] = (
    ("330100", "杭州市", "杭", "330102 上城区 330105 拱墅区 330106 西湖区 330108 滨江区 330109 萧山区 "
     "330110 余杭区 330111 富阳区"),
    ("330200", "宁波市", "甬", "330203 海曙区 330205 江北区 330206 北仑区 330211 镇海区 330212 鄞州区"),
    ("330300", "温州市", "温", "330302 鹿城区 330303 龙湾区 330304 瓯海区"),
    ("330400", "嘉兴市", "嘉", "330402 南湖区 330411 秀洲区"),
    ("330500", "湖州市", "湖", "330502 吴兴区 330503 南浔区"),
    ("330600", "绍兴市", "绍", "330602 越城区 330603 柯桥区 330604 上虞区"),
    ("330700", "金华市", "金", "330702 婺城区 330703 金东区 330782 义乌市"),
    ("330800", "衢州市", "衢", "330802 柯城区 330803 衢江区"),
    ("330900", "舟山市", "舟", "330902 定海区 330903 普陀区"),
    ("331000", "台州市", "台", "331002 椒江区 331003 黄岩区 331004 路桥区"),
    ("331100", "丽水市", "丽", "331102 莲都区"),
)

_ANHUI: tuple[_CityData, ...] = (
    ("340100", "合肥市", "合", "340102 瑶海区 340103 庐阳区 340104 蜀山区 340111 包河区"),
    ("340200", "芜湖市", "芜", "340202 镜湖区 340207 鸠江区"),
    ("340300", "蚌埠市", "蚌", "340302 龙子湖区 340303 蚌山区"),
    ("340400", "淮南市", "淮南", "340402 大通区 340403 田家庵区"),
    ("340500", "马鞍山市", "马", "340503 花山区 340504 雨山区"),
    ("340600", "淮北市", "淮北", "340602 杜集区 340603 相山区"),
    ("340700", "铜陵市", "铜", "340705 铜官区"),
    ("340800", "安庆市", "庆", "340802 迎江区 340803 大观区"),
    ("341000", "黄山市", "黄", "341002 屯溪区"),
    ("341100", "滁州市", "滁", "341102 琅琊区"),
    ("341200", "阜阳市", "阜", "341202 颍州区"),
    ("341300", "宿州市", "宿州", "341302 埇桥区"),
    ("341500", "六安市", "六", "341502 金安区"),
    ("341600", "亳州市", "亳", "341602 谯城区"),
    ("341700", "池州市", "池", "341702 贵池区"),
    ("341800", "宣城市", "宣", "341802 宣州区"),
)

_KNOWN: dict[str, tuple[_CityData, ...]] = {
    "310000": _SHANGHAI, "320000": _JIANGSU, "330000": _ZHEJIANG, "340000": _ANHUI,
}

# Codes that no longer exist (code, name, valid_from, valid_to): the division table is dated.
_HISTORICAL: dict[str, tuple[tuple[str, str, date, date], ...]] = {
    "310000": (
        ("310103", "卢湾区", date(1980, 1, 1), date(2011, 6, 8)),
        ("310108", "闸北区", date(1980, 1, 1), date(2015, 11, 4)),
        ("310230", "崇明县", date(1980, 1, 1), date(2016, 7, 22)),
    ),
}
# Current codes that replaced a historical one start when the change took effect.
_VALID_FROM = {"310151": date(2016, 7, 22)}

# Provinces outside any configured set whose enterprises come to work in the Delta (DOMAIN §1).
OUTSIDE_AREAS: tuple[tuple[str, str, str], ...] = (
    ("110105", "北京", "北京市朝阳区"),
    ("110108", "北京", "北京市海淀区"),
    ("440106", "广东", "广东省广州市天河区"),
    ("440305", "深圳", "广东省深圳市南山区"),
    ("420106", "湖北", "湖北省武汉市武昌区"),
    ("370102", "山东", "山东省济南市历下区"),
)

_GENERIC_CITIES = ("第一市", "第二市", "第三市", "第四市", "第五市")
_GENERIC_DISTRICTS = ("城东区", "城西区", "城南区", "城北区")
_CN_LEVEL_SUFFIXES = ("维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "特别行政区", "省", "市")


@dataclass(frozen=True, slots=True)
class Area:
    """A county-level area: where an enterprise registers, a person was born, a project stands."""

    code: str
    name: str
    city_code: str
    city_name: str
    city_abbr: str

    @property
    def place(self) -> str:
        """A short place name for enterprise and project names ('江宁', '浦东')."""
        return short_place(self.name)


@dataclass(frozen=True)
class Geography:
    """The division codes of one province."""

    spec: ProvinceInfo
    base: str
    is_municipality: bool
    cities: tuple[tuple[str, str, str], ...]
    areas: tuple[Area, ...]

    @cached_property
    def _by_code(self) -> dict[str, Area]:
        return {area.code: area for area in self.areas}

    def area(self, code: str) -> Area:
        """The area with this county-level code (KeyError for a code of another province)."""
        return self._by_code[code]

    def division_rows(self) -> list[tuple[str, str, date, date | None]]:
        """Rows for ``central.division``: province, cities, districts, and historical codes."""
        rows = [(self.spec.code, self.spec.name, date(1980, 1, 1), None)]
        if not self.is_municipality:
            rows += [(code, name, date(1980, 1, 1), None) for code, name, _ in self.cities]
        rows += [(a.code, a.name, _VALID_FROM.get(a.code, date(1980, 1, 1)), None) for a in self.areas]
        rows += list(_HISTORICAL.get(self.spec.code, ()))
        return rows


def short_place(name: str) -> str:
    """'南京市' → '南京', '浦东新区' → '浦东', '江宁区' → '江宁' (keeps two-character names whole)."""
    for suffix in ("新区", "区", "市", "县"):
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return name


def province_base(name: str) -> str:
    """'江苏省' → '江苏', '上海市' → '上海', '广西壮族自治区' → '广西'."""
    for suffix in _CN_LEVEL_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


def geography(spec: ProvinceInfo) -> Geography:
    """Real division codes for a known province, generic ones otherwise."""
    data = _KNOWN.get(spec.code) or _generic_cities(spec)
    areas = tuple(area for city in data for area in _areas(city))
    cities = tuple((code, name, abbr) for code, name, abbr, _ in data)
    municipality = spec.code in {"110000", "120000", "310000", "500000"}
    return Geography(spec, province_base(spec.name), municipality, cities, areas)


def _areas(city: _CityData) -> list[Area]:
    code, name, abbr, districts = city
    parts = districts.split()
    return [Area(parts[i], parts[i + 1], code, name, abbr) for i in range(0, len(parts), 2)]


def _generic_cities(spec: ProvinceInfo) -> tuple[_CityData, ...]:
    """Five generic cities ``XX0100..XX0500`` with four generic districts each."""
    base = province_base(spec.name)
    cities = []
    for k, city in enumerate(_GENERIC_CITIES, start=1):
        code = f"{spec.prefix}{k:02d}00"
        districts = " ".join(f"{spec.prefix}{k:02d}{d + 2:02d} {name}" for d, name in enumerate(_GENERIC_DISTRICTS))
        cities.append((code, f"{base}{city}", f"{spec.short_name}{k}", districts))
    return tuple(cities)
