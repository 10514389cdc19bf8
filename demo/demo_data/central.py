"""Rows of the central store: divisions, code dictionary, crosswalk, recognitions, presence index.

The presence index is built from the provincial rows exactly as a reconcile would: one row per
(subject kind, key, province) for every enterprise listed, every person the province holds or
mentions (key personnel, filings, records), and every project located there.  Its flags are
facts that only change with a write in the province, so a sync worker can keep them current:
``has_bad_record`` = a published bad record (window not considered: windows expire without a
write, the gateway checks them live); ``has_blacklist`` = an entry not yet released.
"""

from __future__ import annotations

from datetime import datetime

from demo_data.behaviour import crosswalk_rows, dictionary_rows
from demo_data.world import World, stamp
from sources.tables import EXCHANGE_COLUMNS, Row

SEED_VERSION = 1  # presence rows from the seed; outbox versions of later writes supersede them


def central_rows(world: World, provinces: dict[str, dict[str, list[Row]]]) -> dict[str, list[Row]]:
    codes = [spec.code for spec in world.specs]
    updated = stamp(world.anchor, 0)
    return {
        "division": [row for store in world.stores.values() for row in store.geo.division_rows()],
        "presence": [row for code in codes for row in presence_rows(code, provinces[code], updated)],
        "behaviour_code": dictionary_rows(codes),
        "code_crosswalk": crosswalk_rows(codes),
        "recognition_decision": [(i, *decision) for i, decision in enumerate(world.recognitions, start=1)],
        # Nothing went through an outbox yet: every later outbox version is still to apply.
        "sync_watermark": [(code, 0, updated) for code in codes],
    }


def presence_rows(province: str, rows: dict[str, list[Row]], updated: datetime) -> list[Row]:
    """The presence index rows of one province, with their summary flags."""
    bad, listed = _flags(rows)
    subjects: dict[tuple[str, str], None] = {}  # ordered, de-duplicated
    for kind, table, column in _SUBJECT_COLUMNS:
        index = EXCHANGE_COLUMNS[table].index(column)
        subjects.update(((kind, row[index]), None) for row in rows[table] if row[index] is not None)
    return [
        (kind, key, province, key in bad, key in listed, SEED_VERSION, updated)
        for kind, key in subjects
    ]


_SUBJECT_COLUMNS = (
    ("enterprise", "enterprise", "uscc"),
    ("person", "person", "person_key"),
    ("person", "key_personnel", "person_key"),
    ("person", "project_stage", "person_key"),
    ("person", "credit_record", "subject_person_key"),
    ("person", "blacklist_entry", "subject_person_key"),
    ("project", "project", "project_number"),
)


def _flags(rows: dict[str, list[Row]]) -> tuple[set[str], set[str]]:
    """Keys (USCC, person key, project number) with a published bad record / an unreleased listing."""
    columns = EXCHANGE_COLUMNS["credit_record"]
    polarity, status = columns.index("polarity"), columns.index("status")
    subject_columns = [columns.index(c) for c in ("subject_uscc", "subject_person_key", "project_number")]
    bad = {
        row[i] for row in rows["credit_record"] if row[polarity] == "bad" and row[status] == "published"
        for i in subject_columns if row[i] is not None
    }
    released = EXCHANGE_COLUMNS["blacklist_entry"].index("released_on")
    listed = {key for row in rows["blacklist_entry"] if row[released] is None for key in row[1:3] if key is not None}
    return bad, listed
