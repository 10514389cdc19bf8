"""Queries against the central store: the presence index (routing) and region-level facts."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sources.base import Row, Source

ENTERPRISE = "enterprise"
PERSON = "person"
PROJECT = "project"


@dataclass(frozen=True)
class IndexFreshness:
    """How far the index lags one province: ``as_of`` is the instant before which every change
    committed in the province is in the index (None: never caught up, the lag is unknown)."""

    as_of: datetime | None
    lag_ms: float | None


@dataclass(frozen=True)
class PresenceAnswer:
    """What the index says of one subject: the provinces holding it, and how fresh each province's rows are."""

    holders: list[str]
    freshness: dict[str, IndexFreshness]


# Every province's freshness, measured on the central store's own clock (one clock, no skew).
_FRESHNESS = """SELECT province_code, caught_up_at,
       (extract(epoch FROM clock_timestamp() - caught_up_at) * 1000)::float8 AS lag_ms
  FROM central.sync_watermark"""

# The subject's holders and the freshness rows in one statement (one snapshot).
_PRESENCE = f"""
SELECT subject_key, province_code, NULL::timestamptz AS caught_up_at, NULL::float8 AS lag_ms
  FROM central.presence
 WHERE subject_kind = $1 AND subject_key = ANY($2::text[])
UNION ALL
SELECT NULL, f.province_code, f.caught_up_at, f.lag_ms FROM ({_FRESHNESS}) f
"""


async def presence(source: Source, kind: str, keys: Sequence[str]) -> list[PresenceAnswer]:
    """For each key (in order), the provinces the index says know it, with the index's freshness
    per province, both read in one statement (one snapshot, the central store's own clock)."""
    rows = await source.fetch(_PRESENCE, kind, list(keys))
    found: dict[str, list[str]] = defaultdict(list)
    freshness: dict[str, IndexFreshness] = {}
    for row in rows:
        code = row["province_code"].strip()
        if row["subject_key"] is None:
            freshness[code] = IndexFreshness(row["caught_up_at"], row["lag_ms"])
        else:
            found[row["subject_key"]].append(code)
    return [PresenceAnswer(sorted(found.get(key, [])), freshness) for key in keys]


async def index_freshness(source: Source) -> dict[str, IndexFreshness]:
    """The index's freshness for every province the sync has seen."""
    rows = await source.fetch(_FRESHNESS)
    return {r["province_code"].strip(): IndexFreshness(r["caught_up_at"], r["lag_ms"]) for r in rows}


async def crosswalk(source: Source) -> Sequence[Row]:
    """Local → national behaviour-code crosswalk of every province."""
    return await source.fetch(
        "SELECT province_code, local_code, national_code FROM central.code_crosswalk ORDER BY province_code, local_code"
    )
