"""Planted cases about enterprises in several markets: presence, blacklists, qualifications,
accidents, conflicting registrations, performance claims, cross-province winners."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from demo_data.planted import Kit
from demo_data.showcase import entry

Case = dict[str, Any]


def multi_province_enterprises(kit: Kit) -> list[Case]:
    """(a) An enterprise active in two provinces, and (with three provinces) one active in three."""
    cases = []
    dual = kit.enterprise(kit.p(1))
    kit.enter(dual, kit.p(0))
    for province, award, done in ((kit.p(1), 1500, 800), (kit.p(0), 1300, 500)):
        kit.claim_built(dual, kit.project(province, kit.day(award), winner=dual, completed=kit.day(done)))
    if len(kit.codes) > 2:
        tri = kit.enterprise(kit.p(0))
        for province, award, done in ((kit.p(0), 2000, 1200), (kit.p(1), 1100, 400), (kit.p(2), 700, 150)):
            if province != tri.home:
                kit.enter(tri, province)
            kit.claim_built(tri, kit.project(province, kit.day(award), winner=tri, completed=kit.day(done)))
        cases.append(entry(
            "tri_province_enterprise", "在三省（市）均有业务的企业", "Enterprise active in three provinces",
            "enterprise", {"uscc": tri.uscc}, kit.codes[:3],
        ))
    cases.append(entry(
        "dual_province_enterprise", "在两省（市）均有业务的企业", "Enterprise active in two provinces",
        "enterprise", {"uscc": dual.uscc}, [kit.p(1), kit.p(0)],
    ))
    return cases


def blacklists(kit: Kit) -> list[Case]:
    """(d) One enterprise blacklisted today, one released after its year."""
    active = kit.enterprise(kit.p(0))
    kit.project(kit.p(0), kit.day(2500), winner=active, completed=kit.day(1800))
    decision = kit.record(kit.p(0), active, "D1-2-03", kit.day(110))
    kit.blacklist(kit.p(0), active, kit.day(100), f"以他人名义投标、弄虚作假骗取中标（信用记录{decision}）")
    province = kit.p(1) if len(kit.codes) > 1 else kit.p(0)
    released = kit.enterprise(province)
    kit.project(province, kit.day(2400), winner=released, completed=kit.day(1700))
    decision = kit.record(province, released, "D1-1-03", kit.day(520), months=12)
    kit.blacklist(province, released, kit.day(500), f"出借资质证书、允许他人以本单位名义承揽工程（信用记录{decision}）")
    return [
        entry("blacklist_active", "当前在黑名单管理期内的企业", "Enterprise on a blacklist today", "enterprise",
              {"uscc": active.uscc}, [kit.p(0)]),
        entry("blacklist_released", "黑名单管理期满已移出的企业", "Enterprise released from a blacklist after one year",
              "enterprise", {"uscc": released.uscc}, [province]),
    ]


def blacklisted_active_elsewhere(kit: Kit) -> list[Case]:
    """(d') Blacklisted where it worked, still winning bids at home afterwards."""
    where, home = kit.p(0), kit.p(1)
    ent = kit.enterprise(home)
    kit.enter(ent, where, kit.day(2000))
    built = kit.project(where, kit.day(1500), winner=ent, completed=kit.day(600))
    decision = kit.record(where, ent, "D1-2-05", kit.day(70), project=built.number)
    kit.blacklist(where, ent, kit.day(60), f"将承包的工程转包、违法分包（信用记录{decision}）")
    kit.project(home, kit.day(30), winner=ent)
    return [entry(
        "blacklisted_active_elsewhere", "在一省被列入黑名单，仍在另一省中标",
        "Blacklisted in one province, winning bids in another", "enterprise", {"uscc": ent.uscc}, [where, home],
    )]


def qualification_revoked_still_active(kit: Kit) -> list[Case]:
    """(g) Qualification revoked at home; permits and contracts filed elsewhere afterwards."""
    home, away = kit.p(0), kit.p(1)
    ent = kit.enterprise(home)
    kit.enter(ent, away, kit.day(1500))
    kit.project(home, kit.day(800), winner=ent, completed=kit.day(300))
    cert = kit.certificates[ent.uscc]
    cert.status, cert.changed_on = "撤回", kit.day(200)
    kit.project(away, kit.day(150), winner=ent)
    return [entry(
        "qualification_revoked_still_active", "资质在注册地被撤回后仍在外省办理合同备案和施工许可",
        "Qualification revoked at home, contracts and permits filed in another province afterwards",
        "enterprise", {"uscc": ent.uscc, "certificateNumber": cert.number}, [home, away],
    )]


def permit_expired_qualification(kit: Kit) -> list[Case]:
    """(i'') A permit issued in another province after the enterprise's certificate expired."""
    home, away = kit.p(1), kit.p(0)
    ent = kit.enterprise(home, valid_until=kit.day(400))
    kit.enter(ent, away, kit.day(1500))
    kit.project(away, kit.day(260), winner=ent)
    return [entry(
        "permit_expired_qualification", "资质证书过期后仍在外省取得施工许可",
        "Construction permit in another province after the qualification expired", "enterprise",
        {"uscc": ent.uscc, "certificateNumber": kit.certificates[ent.uscc].number}, [home, away],
    )]


def accidents_two_provinces(kit: Kit) -> list[Case]:
    """(h) Two serious accidents within 12 months, one in each of two provinces."""
    home, away = kit.p(0), kit.p(1)
    ent = kit.enterprise(home)
    kit.enter(ent, away, kit.day(1500))
    first = kit.project(home, kit.day(700), winner=ent)
    second = kit.project(away, kit.day(500), winner=ent)
    kit.record(home, ent, "D1-3-04", kit.day(290), project=first.number)
    kit.record(away, ent, "D1-4-05", kit.day(75), project=second.number)
    return [entry(
        "accidents_two_provinces", "12个月内在两省各发生一起质量安全事故的企业",
        "Two serious quality/safety accidents within 12 months, one in each of two provinces",
        "enterprise", {"uscc": ent.uscc}, [home, away],
    )]


def conflicts(kit: Kit) -> list[Case]:
    """(i) Same USCC with another name and legal representative elsewhere; a permit without award."""
    home = kit.p(1)
    away = kit.p(2) if len(kit.codes) > 2 else kit.p(0)
    ent = kit.enterprise(home)
    listing = kit.enter(ent, away, kit.day(1800))
    listing.name = kit.world.names.renamed(kit.rng, ent.name, ent.kind)
    listing.legal_rep = kit.world.names.person(kit.rng, True)
    kit.project(away, kit.day(400), winner=ent)
    site = kit.p(2) if len(kit.codes) > 2 else kit.p(0)
    permit = kit.project(site, kit.day(200), stages=("报建", "施工图审查", "施工许可"))
    return [
        entry("conflicting_registration", "同一统一社会信用代码在两省名称、法定代表人不一致",
              "Same USCC with a different name and legal representative in two provinces", "enterprise",
              {"uscc": ent.uscc}, [home, away]),
        entry("permit_without_award", "无中标、无合同备案即取得施工许可的项目",
              "Construction permit without a tender award or contract filing", "project",
              {"projectNumber": permit.number}, [site]),
    ]


def performance_claims(kit: Kit) -> list[Case]:
    """(j) A claim whose amount and dates differ from the filings, and one about no project at all."""
    home, where = kit.p(1), kit.p(0)
    ent = kit.enterprise(home)
    kit.enter(ent, where, kit.day(2000))
    built = kit.project(where, kit.day(1400), winner=ent, completed=kit.day(400))
    inflated = (built.plan.contract_amount * Decimal("1.35")).quantize(Decimal("0.01"))
    kit.claim(home, ent, built.number, where, inflated, kit.day(400) + timedelta(days=180))
    phantom_owner = kit.enterprise(where)
    honest = kit.project(where, kit.day(1600), winner=phantom_owner, completed=kit.day(900))
    kit.claim_built(phantom_owner, honest)
    area = kit.world.store(home).geo.areas[-1]
    phantom = kit.world.ids.project_number(area.code, kit.day(1200))  # allocated, never written
    kit.claim(where, phantom_owner, phantom, home, Decimal("8650.00"), kit.day(700))
    return [
        entry("performance_mismatch", "业绩金额、竣工日期与项目备案不符",
              "Performance claim whose amount and dates differ", "enterprise",
              {"uscc": ent.uscc, "projectNumber": built.number}, [home, where]),
        entry("performance_phantom", "申报业绩所指项目不存在（虚假业绩）",
              "Performance claim about a project that does not exist", "enterprise",
              {"uscc": phantom_owner.uscc, "projectNumber": phantom}, [where, home]),
    ]


def cross_province_winners(kit: Kit) -> list[Case]:
    """(l) Enterprises from other provinces winning bids here within 12 months; one bad at home."""
    market = kit.p(0)
    bad = kit.enterprise(kit.p(1))
    kit.project(kit.p(1), kit.day(1600), winner=bad, completed=kit.day(900))
    kit.record(kit.p(1), bad, "D1-2-04", kit.day(200))
    kit.enter(bad, market, kit.day(900))
    kit.project(market, kit.day(100), winner=bad)
    clean_home = kit.p(2) if len(kit.codes) > 2 else kit.p(1)
    clean = kit.enterprise(clean_home)
    kit.project(clean_home, kit.day(1500), winner=clean, completed=kit.day(700))
    kit.enter(clean, market, kit.day(700))
    kit.project(market, kit.day(45), winner=clean)
    return [
        entry("cross_province_winner_bad_home", "外省企业12个月内在本省中标，且在注册地有不良记录",
              "Out-of-province winner within 12 months with a bad record at home", "enterprise",
              {"uscc": bad.uscc}, [kit.p(1), market]),
        entry("cross_province_winner", "外省企业12个月内在本省中标，注册地无不良记录",
              "Out-of-province winner within 12 months, clean at home", "enterprise",
              {"uscc": clean.uscc}, [clean_home, market]),
    ]
