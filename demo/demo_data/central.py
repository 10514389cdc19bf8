"""Rows of the central store: divisions, code dictionary, crosswalk and recognition decisions.

The presence index is not written here: after loading, ``seed`` runs the same reconcile a
production province gets (``sources.index_sync``), so the demo's index is built the real way.
"""

from __future__ import annotations

from demo_data.behaviour import crosswalk_rows, dictionary_rows
from demo_data.world import World
from sources.tables import Row


def central_rows(world: World, provinces: dict[str, dict[str, list[Row]]]) -> dict[str, list[Row]]:
    codes = [spec.code for spec in world.specs]
    return {
        "division": [row for store in world.stores.values() for row in store.geo.division_rows()],
        "behaviour_code": dictionary_rows(codes),
        "code_crosswalk": crosswalk_rows(codes),
        "recognition_decision": [(i, *decision) for i, decision in enumerate(world.recognitions, start=1)],
    }
