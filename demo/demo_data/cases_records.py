"""Planted cases about credit records: publication windows and workflow states, local codes."""

from __future__ import annotations

from typing import Any

from demo_data.planted import Kit
from demo_data.showcase import entry

Case = dict[str, Any]


def publication_windows(kit: Kit) -> list[Case]:
    """(e) Records inside and outside their window, shortened, draft, under review, revoked."""
    home = kit.p(0)
    ent = kit.enterprise(home)
    built = kit.project(home, kit.day(1900), winner=ent, completed=kit.day(1000))
    kit.record(home, ent, "D1-2-04", kit.day(60), months=24)  # bad, public today
    kit.record(home, ent, "D1-5-01", kit.day(1600), months=12)  # bad, window over: kept, not public
    kit.record(home, ent, "D1-2-01", kit.day(300), shortened=True)  # rectified: 3 months, over
    kit.record(home, ent, "D1-G-02", kit.day(400), project=built.number)  # good, 3 years
    kit.record(home, ent, "D1-1-04", kit.day(8), status="draft")
    kit.record(home, ent, "D1-5-02", kit.day(5), status="reviewed")
    kit.record(home, ent, "D1-2-02", kit.day(200), status="revoked")
    provinces = [home]
    if len(kit.codes) > 1:
        away = kit.p(1)
        kit.enter(ent, away, kit.day(1500))
        elsewhere = kit.project(away, kit.day(800), winner=ent, completed=kit.day(200))
        kit.record(away, ent, "D1-2-04", kit.day(150), months=12, project=elsewhere.number)
        provinces.append(away)
    return [entry(
        "publication_windows", "公布期内外的信用记录、缩短公布期、草稿、待审核与已撤回记录",
        "Credit records inside and outside their window, shortened, draft, under review and revoked",
        "enterprise", {"uscc": ent.uscc}, provinces,
    )]


def local_codes(kit: Kit) -> list[Case]:
    """(f) Local codes with and without a crosswalk entry, and one covered by a recognition."""
    home, market = kit.p(1), kit.p(0)
    builder = kit.enterprise(home)
    kit.enter(builder, market)
    kit.project(home, kit.day(1000), winner=builder, completed=kit.day(300))
    kit.project(market, kit.day(700), winner=builder, completed=kit.day(100))
    kit.record(home, builder, kit.local(home, "SG-02"), kit.day(200))  # mapped to D1-5-01
    kit.record(market, builder, kit.local(market, "SG-01"), kit.day(150))  # no national code
    agency = kit.enterprise(home, "招标代理")
    kit.enter(agency, market)
    kit.project(market, kit.day(500), agency=agency)
    kit.project(home, kit.day(800), agency=agency, completed=kit.day(100))
    kit.record(home, agency, kit.local(home, "ZB-02"), kit.day(240))  # recognised by the market
    kit.record(home, agency, kit.local(home, "ZB-01"), kit.day(100))  # neither mapped nor recognised
    kit.recognise(market, home, "ZB-02", kit.day(2650), None)
    # An earlier decision that has since lapsed: recognitions are dated.
    other, origin = (kit.p(2), home) if len(kit.codes) > 2 else (home, market)
    kit.recognise(other, origin, "ZB-02", kit.day(2850), kit.day(1770))
    return [
        entry("local_code_crosswalk", "地方行为代码：有对照与无对照的国家代码",
              "Local behaviour codes with and without a national crosswalk entry", "enterprise",
              {"uscc": builder.uscc}, [home, market]),
        entry("local_code_recognised", "经互认决定认可的外省地方行为代码（招标代理）",
              "Local code of another province covered by a recognition decision (tender agency)", "enterprise",
              {"uscc": agency.uscc}, [home, market]),
    ]
