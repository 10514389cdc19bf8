"""Which keys the scenarios rotate through, read from the seeded databases (untimed).

Rotating among several keys keeps one hot row from flattering either side; the same seeded
``Random`` picks the same keys on every run over the same data.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from random import Random
from typing import Any

from bench.crosscheck import Subjects
from bench.crosscheck import pick as pick_subjects
from bench.floor import Floor
from bench.scenarios import PAGE_SIZE, Variables
from resolvers.pagination import enterprise_cursor

ENTERPRISE_STATS = """
    SELECT e.uscc, e.name, count(c.record_number) AS records
      FROM exchange.enterprise e LEFT JOIN exchange.credit_record c ON c.subject_uscc = e.uscc
     GROUP BY e.uscc, e.name"""

# Common in construction enterprise names (建设工程有限公司, 建设集团 …): a name filter with many matches.
NAME_FRAGMENT = "建设"

PROJECTS_WITH_PEOPLE = """
    SELECT p.project_number FROM exchange.project p
     WHERE EXISTS (SELECT 1 FROM exchange.project_party x WHERE x.project_number = p.project_number)
       AND EXISTS (SELECT 1 FROM exchange.key_personnel k WHERE k.project_number = p.project_number)
     ORDER BY p.project_number"""


@dataclass(frozen=True)
class Samples:
    """Keys for each scenario, plus how many provinces know each sampled enterprise."""

    usccs: list[str]
    presence: dict[str, int]
    pages: list[Variables]
    projects: list[str]
    crosscheck: Subjects


async def pick(floor: Floor, showcase: Sequence[dict[str, Any]], count: int, seed: int, secret: bytes) -> Samples:
    """Sample ``count`` keys per scenario (``secret`` derives person keys, as the gateway does)."""
    rng = Random(seed)
    stats = await asyncio.gather(*(floor.fetch(code, ENTERPRISE_STATS) for code in floor.provinces))
    provinces: Counter[str] = Counter()
    records: Counter[str] = Counter()
    names: dict[str, str] = {}
    for rows in stats:
        for row in rows:
            provinces[row["uscc"]] += 1
            records[row["uscc"]] += row["records"]
            names.setdefault(row["uscc"], row["name"])
    usccs = _multi_province(provinces, records, showcase, count, rng)
    return Samples(
        usccs=usccs,
        presence={u: provinces[u] for u in usccs},
        pages=_page_variants(names, floor.provinces, count, rng),
        projects=await _projects(floor, count, rng),
        # Drawn last from the shared generator: the other scenarios keep the keys they had.
        crosscheck=await pick_subjects(floor, showcase, count, rng, secret),
    )


def _multi_province(
    provinces: Counter[str], records: Counter[str], showcase: Sequence[dict[str, Any]], count: int, rng: Random
) -> list[str]:
    """Enterprises known to the most provinces, preferring those with credit records; the
    showcase's own cross-province enterprises first when the seed names them."""
    ranked = sorted(provinces, key=lambda u: (-provinces[u], records[u] == 0, u))
    best = [u for u in ranked[: count * 4] if provinces[u] >= 2] or ranked[: count * 4]
    planted = [c["key"]["uscc"] for c in showcase if c.get("kind") == "enterprise" and "uscc" in c.get("key", {})]
    planted = sorted(dict.fromkeys(u for u in planted if provinces[u] >= 2), key=lambda u: -provinces[u])
    featured = planted[: count // 4]
    rest = rng.sample([u for u in best if u not in featured], min(count - len(featured), len(best) - len(featured)))
    return featured + rest


def _page_variants(names: dict[str, str], codes: Sequence[str], count: int, rng: Random) -> list[Variables]:
    """The first page, then pages after random cursors; every second page is filtered (by
    registering province or by a name fragment) with its cursor drawn from the rows that filter
    admits, so every page is full rather than an empty tail."""
    ordered = sorted(names, key=str.encode)
    variants: list[Variables] = []
    for i in range(count):
        page_filter = _page_filter(i, codes)
        admitted = [u for u in ordered if _admits(page_filter, u, names[u])]
        after = None if i == 0 else enterprise_cursor(admitted[rng.randrange(max(1, len(admitted) - 2 * PAGE_SIZE))])
        variants.append({"first": PAGE_SIZE, "after": after, "filter": page_filter})
    return variants


def _page_filter(index: int, codes: Sequence[str]) -> dict[str, str] | None:
    if index % 4 == 1:
        return {"registeredProvince": codes[index // 4 % len(codes)]}
    if index % 4 == 3:
        return {"nameContains": NAME_FRAGMENT}
    return None


def _admits(page_filter: dict[str, str] | None, uscc: str, name: str) -> bool:
    """The filter's meaning, approximately (the division inside the USCC stands in for
    ``registered_division``): only used to choose cursors that leave a full page behind them."""
    if page_filter is None:
        return True
    if "registeredProvince" in page_filter:
        return uscc[2:4] == page_filter["registeredProvince"][:2]
    return page_filter["nameContains"] in name


async def _projects(floor: Floor, count: int, rng: Random) -> list[str]:
    """Projects with parties and key personnel, spread over the provinces."""
    found = await asyncio.gather(*(floor.fetch(code, PROJECTS_WITH_PEOPLE) for code in floor.provinces))
    share = -(-count // len(floor.provinces))
    picked = [rng.sample([r["project_number"] for r in rows], min(share, len(rows))) for rows in found]
    interleaved = [number for group in zip(*picked, strict=False) for number in group]
    return interleaved[:count] or [n for group in picked for n in group][:count]
