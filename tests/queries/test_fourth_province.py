"""Adding a province is configuration plus a migrated database: Anhui (340000) joins with no code
change.  Runs on its own databases (`four`) so the shared three-province data stays as it is."""

from __future__ import annotations

import httpx

from gateway.operations import migrate_all, seed_all
from gateway.settings import Settings, settings_from_mapping
from sources.embedded import create_database, start_cluster
from tests.conftest import SECRET, Stack, gql, pin_clock, running_client

PROVINCES = [
    ("sh", "310000", "沪", "上海市"),
    ("js", "320000", "苏", "江苏省"),
    ("zj", "330000", "浙", "浙江省"),
    ("ah", "340000", "皖", "安徽省"),
]


async def _four_province_settings(stack: Stack) -> Settings:
    cluster = stack.cluster
    extra = start_cluster(cluster.root, ["ah"])
    cluster.servers["ah"] = extra.servers["ah"]
    dsns = {name: await create_database(cluster.dsn(name), "four") for name in ["sh", "js", "zj", "ah", "central"]}
    raw = {
        "gateway": {"person_key_secret": SECRET},
        "central": {"dsn": dsns["central"]},
        "provinces": [
            {"code": code, "short_name": short, "name": name, "dsn": dsns[server]}
            for server, code, short, name in PROVINCES
        ],
    }
    return pin_clock(settings_from_mapping(raw, {}))


async def test_anhui_joins_by_configuration(stack: Stack) -> None:
    settings = await _four_province_settings(stack)
    try:
        await migrate_all(settings)
        showcase = await seed_all(settings, scale=0.03, seed=5, anchor=stack.today)
        async with running_client(settings) as client:
            await _check_four_provinces(client, showcase)
    finally:
        stack.cluster.stop("ah")
        del stack.cluster.servers["ah"]


async def _check_four_provinces(client: httpx.AsyncClient, showcase: list[dict]) -> None:
    provinces = (await gql(client, "{ provinces { code healthy } }"))["data"]["provinces"]
    assert [(p["code"], p["healthy"]) for p in provinces] == [(c, True) for _, c, _, _ in PROVINCES]
    page = await gql(client, """{ enterprises(first: 100, filter: {registeredProvince: "340000"}) {
        edges { node { uscc registeredProvince { code } presence { code } } }
        coverage { complete answered { code } } } }""")
    edges = page["data"]["enterprises"]["edges"]
    assert edges and all(e["node"]["registeredProvince"]["code"] == "340000" for e in edges)
    assert len(page["data"]["enterprises"]["coverage"]["answered"]) == 4
    uscc = edges[0]["node"]["uscc"]
    query = "query($u: USCC!) { enterprise(uscc: $u) { presence { code } coverage { complete } } }"
    body = await gql(client, query, u=uscc)
    assert "340000" in {p["code"] for p in body["data"]["enterprise"]["presence"]}
    assert {s["source"] for s in body["extensions"]["sources"]} == {"310000", "320000", "330000", "340000", "central"}
    assert showcase
