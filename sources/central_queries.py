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


async def behaviour_codes(source: Source) -> Sequence[Row]:
    """The behaviour-code dictionary: national codes (province_code '000000') and local code sets."""
    return await source.fetch(
        "SELECT code, province_code, party, category, title FROM central.behaviour_code ORDER BY province_code, code"
    )


async def crosswalk(source: Source) -> Sequence[Row]:
    """Local → national behaviour-code crosswalk of every province."""
    return await source.fetch(
        "SELECT province_code, local_code, national_code FROM central.code_crosswalk ORDER BY province_code, local_code"
    )


async def recognition_decisions(source: Source) -> Sequence[Row]:
    """Recognition decisions: which province recognises which other province's local code, when and why."""
    return await source.fetch(
        """SELECT id, recognising_province, origin_province, local_code, decided_by, basis,
                  effective_from, effective_to
             FROM central.recognition_decision ORDER BY id"""
    )
