"""Queries against the central store: the presence index (routing) and region-level facts."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from sources.base import Row, Source

ENTERPRISE = "enterprise"
PERSON = "person"
PROJECT = "project"


async def presence(source: Source, kind: str, keys: Sequence[str]) -> list[list[str]]:
    """For each key (in order), the province codes the index says know it."""
    rows = await source.fetch(
        """SELECT subject_key, province_code FROM central.presence
            WHERE subject_kind = $1 AND subject_key = ANY($2::text[])
            ORDER BY province_code""",
        kind, list(keys),
    )
    found: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        found[row["subject_key"]].append(row["province_code"].strip())
    return [found.get(key, []) for key in keys]


async def crosswalk(source: Source) -> Sequence[Row]:
    """Local → national behaviour-code crosswalk of every province."""
    return await source.fetch(
        "SELECT province_code, local_code, national_code FROM central.code_crosswalk ORDER BY province_code, local_code"
    )

