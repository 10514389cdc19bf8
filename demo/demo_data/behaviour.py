"""Behaviour codes: the national dictionary (建市[2007]9号 pattern), local code sets, crosswalk.

National codes follow ``<party><version>-<category>-<item>``.  The titles are abridged from the
national bad-behaviour standard; item numbers beyond DOMAIN's examples are assumed.  Good
behaviour (awards) has no national category number, so it uses category ``G`` (assumed).
Each province adds a local set ``<XX>-<set>-<item>`` (XX = JS, ZJ, SH, AH, or P + two digits);
a crosswalk maps some local codes to national ones and leaves the others unmapped on purpose.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

PARTY_OF_KIND = {"建设单位": "A1", "勘察": "B1", "设计": "C1", "施工": "D1", "监理": "E1"}
PARTY_TITLES = {"A1": "建设单位", "B1": "勘察单位", "C1": "设计单位", "D1": "施工单位", "E1": "工程监理单位"}
CATEGORY_TITLES = {
    "A1": {"1": "建设程序", "2": "工程发包", "3": "工程质量", "4": "工程安全", "5": "拖欠工程款"},
    "B1": {"1": "资质", "2": "承揽业务", "3": "工程质量"},
    "C1": {"1": "资质", "2": "承揽业务", "3": "工程质量"},
    "D1": {"1": "资质", "2": "承揽业务", "3": "工程质量", "4": "工程安全", "5": "拖欠工程款或工人工资"},
    "E1": {"1": "资质", "2": "承揽业务", "3": "工程质量", "4": "工程安全"},
}
GOOD = "G"

NATIONAL_TITLES: dict[str, str] = {
    "A1-1-01": "未取得施工许可证或者开工报告未经批准擅自施工",
    "A1-1-02": "未按规定办理工程质量监督手续",
    "A1-2-01": "将建设工程发包给不具有相应资质等级的勘察、设计、施工单位或委托给不具有相应资质等级的工程监理单位",
    "A1-2-02": "将建设工程肢解发包",
    "A1-2-03": "迫使承包方以低于成本的价格竞标",
    "A1-3-01": "明示或者暗示施工单位使用不合格的建筑材料、建筑构配件和设备",
    "A1-3-02": "施工图设计文件未经审查或者审查不合格，擅自施工",
    "A1-4-01": "对勘察、设计、施工、工程监理等单位提出不符合安全生产法律、法规和强制性标准规定的要求",
    "A1-5-01": "拖欠工程款",
    "B1-1-01": "未取得资质证书承揽工程勘察或者超越资质等级承揽工程勘察",
    "B1-2-01": "将所承揽的工程勘察业务转包或者违法分包",
    "B1-3-01": "未按照工程建设强制性标准进行勘察",
    "B1-3-02": "提供的勘察成果资料弄虚作假",
    "C1-1-01": "未取得资质证书承揽工程设计或者超越资质等级承揽工程设计",
    "C1-2-01": "将所承揽的工程设计业务转包或者违法分包",
    "C1-3-01": "未依据勘察成果文件进行工程设计",
    "C1-3-02": "指定建筑材料、建筑构配件的生产厂、供应商",
    "C1-3-03": "未按照工程建设强制性标准进行设计",
    "D1-1-01": "未取得资质证书承揽工程或者超越本单位资质等级承揽工程",
    "D1-1-02": "以欺骗手段取得资质证书承揽工程",
    "D1-1-03": "允许其他单位或者个人以本单位名义承揽工程",
    "D1-1-04": "未在规定期限内办理资质变更手续",
    "D1-2-01": "以行贿等不正当手段承揽业务",
    "D1-2-02": "相互串通投标或者与招标人串通投标",
    "D1-2-03": "以他人名义投标或者以其他方式弄虚作假，骗取中标",
    "D1-2-04": "不按照与招标人订立的合同履行义务，情节严重",
    "D1-2-05": "将承包的工程转包或者违法分包",
    "D1-3-01": "在施工中偷工减料，使用不合格的建筑材料、建筑构配件和设备",
    "D1-3-02": "未对建筑材料、建筑构配件、设备和商品混凝土进行检验",
    "D1-3-03": "不履行保修义务或者拖延履行保修义务",
    "D1-3-04": "施工中发生一般及以上工程质量事故",
    "D1-4-01": "未取得安全生产许可证擅自从事建筑施工活动",
    "D1-4-02": "主要负责人、项目负责人、专职安全生产管理人员未取得安全生产考核合格证书",
    "D1-4-03": "未按规定设立安全生产管理机构或者配备专职安全生产管理人员",
    "D1-4-04": "对建筑安全事故隐患不采取措施予以消除",
    "D1-4-05": "施工中发生一般及以上生产安全事故",
    "D1-5-01": "拖欠或者克扣农民工工资",
    "D1-5-02": "拖欠分包工程款",
    "E1-1-01": "未取得资质证书承揽工程监理业务或者超越资质等级承揽工程监理业务",
    "E1-1-02": "允许其他单位或者个人以本单位名义承揽工程监理业务",
    "E1-2-01": "以行贿等不正当手段承揽工程监理业务",
    "E1-2-02": "将所承揽的工程监理业务转让",
    "E1-3-01": "与建设单位或者施工单位串通，弄虚作假、降低工程质量",
    "E1-3-02": "将不合格的建设工程、建筑材料、建筑构配件和设备按照合格签字",
    "E1-4-01": "未对施工组织设计中的安全技术措施或者专项施工方案进行审查",
    "E1-4-02": "发现安全事故隐患未及时要求施工单位整改或者暂时停止施工",
    "B1-G-01": "获得全国或省级优秀工程勘察奖",
    "C1-G-01": "获得全国或省级优秀工程设计奖",
    "D1-G-01": "承建工程获得国家级优质工程奖（鲁班奖、国家优质工程奖）",
    "D1-G-02": "承建工程获得省级优质工程奖",
    "D1-G-03": "获评省级建筑施工安全生产标准化示范工地",
    "E1-G-01": "监理工程获得国家级或省级优质工程奖",
}

# The serious-accident codes: the random data never uses them, so every cross-province accident
# pattern in the data set is a planted one.
ACCIDENT_CODES = ("D1-3-04", "D1-4-05")

# Local code sets: (suffix, party, category, title, polarity, subject kind).
_LOCAL: tuple[tuple[str, str, str, str, str, str], ...] = (
    ("ZB-01", "招标代理", "招标代理行为", "招标代理机构泄露应当保密的与招标投标活动有关的情况和资料",
     "bad", "招标代理"),
    ("ZB-02", "招标代理", "招标代理行为", "招标代理机构与招标人、投标人串通损害国家利益或者他人合法权益",
     "bad", "招标代理"),
    ("ZB-03", "招标代理", "招标代理行为", "招标代理机构未按规定办理招标代理合同备案", "bad", "招标代理"),
    ("ZJ-01", "造价咨询", "造价咨询行为", "造价咨询企业出具虚假或者有重大差错的工程造价成果文件", "bad", "造价咨询"),
    ("SG-01", "施工", "文明施工", "施工现场扬尘污染防治措施不落实", "bad", "施工"),
    ("SG-02", "施工", "劳务用工", "未按规定落实建筑工人实名制管理和工资专用账户制度", "bad", "施工"),
    ("SJ-01", "设计", "设计质量", "施工图设计文件未按审查意见修改即交付使用", "bad", "设计"),
    ("JL-01", "监理", "监理履职", "未按规定报送监理月报或者监理日志记录不全", "bad", "监理"),
    ("RY-01", "注册人员", "执业行为", "注册执业人员未按规定到岗履职", "bad", "person"),
    ("RY-02", "注册人员", "执业行为", "注册执业人员允许他人以本人名义执业", "bad", "person"),
    ("LH-01", "施工", "良好行为", "承建工程获得设区市级优质工程奖", "good", "施工"),
    ("LH-02", "注册人员", "良好行为", "获评省级优秀项目经理或优秀总监理工程师", "good", "person"),
)
# Local → national where a national code exists; the rest stays unmapped on purpose.
_CROSSWALK = {"SG-02": "D1-5-01", "SJ-01": "C1-3-03"}
_LOCAL_PREFIX = {"310000": "SH", "320000": "JS", "330000": "ZJ", "340000": "AH"}


@dataclass(frozen=True, slots=True)
class Code:
    """One behaviour code as the generator uses it."""

    code: str
    title: str
    polarity: str
    category: str  # '1'..'5' or 'G' for national codes, the local set name otherwise
    national: bool


def local_prefix(province_code: str) -> str:
    """JS, ZJ, SH, AH for the Delta; 'P' + the two province digits for any other province."""
    return _LOCAL_PREFIX.get(province_code, f"P{province_code[:2]}")


def local_code(province_code: str, suffix: str) -> str:
    """E.g. local_code('320000', 'ZB-01') == 'JS-ZB-01'."""
    return f"{local_prefix(province_code)}-{suffix}"


@cache
def national_codes(party: str, polarity: str, *, exclude_categories: tuple[str, ...] = ()) -> tuple[Code, ...]:
    """The national codes of one party and polarity, accident codes always left out."""
    codes = []
    for code, title in NATIONAL_TITLES.items():
        category = code.split("-")[1]
        good = category == GOOD
        if not code.startswith(party) or good != (polarity == "good") or code in ACCIDENT_CODES:
            continue
        if category not in exclude_categories:
            codes.append(Code(code, title, polarity, category, True))
    return tuple(codes)


@cache
def local_codes(province_code: str, subject: str, polarity: str) -> tuple[Code, ...]:
    """The local codes of one province for a subject kind ('施工', ..., or 'person')."""
    return tuple(
        Code(local_code(province_code, suffix), title, pol, category, False)
        for suffix, _party, category, title, pol, kind in _LOCAL
        if kind == subject and pol == polarity
    )


def title_of(code: str) -> str:
    """The title of a national or local code."""
    if code in NATIONAL_TITLES:
        return NATIONAL_TITLES[code]
    suffix = code.split("-", 1)[1]
    return next(title for s, _p, _c, title, _pol, _k in _LOCAL if s == suffix)


def dictionary_rows(province_codes: list[str]) -> list[tuple[str, str, str, str, str]]:
    """Rows for ``central.behaviour_code``: national codes under '000000', then each local set."""
    rows = []
    for code, title in NATIONAL_TITLES.items():
        party, category = code.split("-")[0], code.split("-")[1]
        category_title = "良好行为" if category == GOOD else CATEGORY_TITLES[party][category]
        rows.append((code, "000000", PARTY_TITLES[party], category_title, title))
    for province in province_codes:
        rows += [(local_code(province, s), province, party, cat, title) for s, party, cat, title, _, _ in _LOCAL]
    return rows


def crosswalk_rows(province_codes: list[str]) -> list[tuple[str, str, str]]:
    """Rows for ``central.code_crosswalk``: the mapped local codes of every province."""
    return [(p, local_code(p, local), national) for p in province_codes for local, national in _CROSSWALK.items()]
