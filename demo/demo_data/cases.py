"""The planted cross-province cases, in showcase order, and the provinces each one needs."""

from __future__ import annotations

from collections.abc import Callable
from random import Random
from typing import Any

from demo_data import cases_market as market
from demo_data import cases_people as people
from demo_data import cases_records as records
from demo_data.planted import Kit
from demo_data.world import World

CaseBuilder = Callable[[Kit], list[dict[str, Any]]]

# (builder, provinces it needs); cases needing more provinces than configured are left out.
CASES: tuple[tuple[CaseBuilder, int], ...] = (
    (market.multi_province_enterprises, 2),
    (people.concurrent_project_manager, 2),
    (people.dual_registration_person, 2),
    (market.blacklisted_active_elsewhere, 2),
    (market.accidents_two_provinces, 2),
    (market.qualification_revoked_still_active, 2),
    (people.pm_adjacent_phases_exception, 1),
    (market.blacklists, 1),
    (records.publication_windows, 1),
    (records.local_codes, 2),
    (market.conflicts, 2),
    (market.permit_expired_qualification, 2),
    (market.performance_claims, 2),
    (people.chief_supervisor_many_projects, 2),
    (market.cross_province_winners, 2),
    (people.clean_subjects, 1),
)


def plant(world: World, rng: Random) -> list[dict[str, Any]]:
    """Build every case the configured provinces allow; returns the showcase entries."""
    kit = Kit(world, rng)
    showcase: list[dict[str, Any]] = []
    for build, needs in CASES:
        if len(world.specs) >= needs:
            showcase.extend(build(kit))
    return showcase
