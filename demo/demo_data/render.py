"""Turn the world into exchange rows per province, and check every reference holds.

Beyond the foreign keys the schema declares, the exchange standard expects every enterprise a
province's rows mention to have an ``exchange.enterprise`` row in that province (its
registration or its 入省备案), and every registration's person to be held there.  ``check``
verifies both, so a generator bug fails loudly instead of loading a half-consistent data set.
"""

from __future__ import annotations

from datetime import timedelta

from demo_data.world import ROW_TABLES, Listing, ProvinceStore, World, stamp
from sources.tables import EXCHANGE_COLUMNS, Row

# Columns holding a USCC that must be listed in the same province: (table, column).
USCC_REFERENCES = (
    ("qualification_certificate", "uscc"), ("registration", "employer_uscc"), ("project", "owner_uscc"),
    ("project_stage", "enterprise_uscc"), ("project_party", "uscc"), ("key_personnel", "employer_uscc"),
    ("performance", "uscc"), ("credit_record", "subject_uscc"), ("blacklist_entry", "subject_uscc"),
)


def province_rows(world: World, store: ProvinceStore) -> dict[str, list[Row]]:
    """All exchange rows of one province, in load order."""
    rows: dict[str, list[Row]] = {
        "enterprise": [_enterprise_row(world, listing) for listing in store.listings.values()],
        "qualification_certificate": [
            (c.number, c.enterprise.uscc, c.authority, c.issued_on, c.valid_until, c.status, c.changed_on)
            for c in store.certificates
        ],
        "qualification_item": [
            (c.number, i, *item) for c in store.certificates for i, item in enumerate(c.items, start=1)
        ],
        "person": [(p.key, p.id_type, p.id_number, p.name, p.gender, p.birth) for p in store.persons.values()],
        "registration": [
            (r.number, r.person.key, r.category, r.specialty, r.employer.uscc, r.registered_on, r.valid_until,
             r.status)
            for r in store.registrations
        ],
    }
    rows |= {table: store.rows[table] for table in ROW_TABLES}
    return {table: rows[table] for table in EXCHANGE_COLUMNS}


def _enterprise_row(world: World, listing: Listing) -> Row:
    ent = listing.enterprise
    # A deterministic "last updated" within the year before the anchor.
    updated = stamp(world.anchor - timedelta(days=sum(map(ord, ent.uscc)) % 365), 10)
    return (ent.uscc, ent.valid, listing.name, listing.legal_rep, ent.division, ent.address,
            ent.registration_type, ent.safety_licence, listing.entered_on, updated)


def check(province: str, rows: dict[str, list[Row]]) -> None:
    """Raise AssertionError when a row mentions an enterprise or person the province lacks."""
    listed = {row[0] for row in rows["enterprise"]}
    for table, column in USCC_REFERENCES:
        index = EXCHANGE_COLUMNS[table].index(column)
        missing = {row[index] for row in rows[table] if row[index] is not None} - listed
        assert not missing, f"{province}.{table}.{column} mentions unlisted enterprises: {sorted(missing)[:3]}"
    held = {row[0] for row in rows["person"]}
    missing = {row[1] for row in rows["registration"]} - held
    assert not missing, f"{province}.registration mentions persons not held: {sorted(missing)[:3]}"
    projects = {row[0] for row in rows["project"]}
    for table in ("project_stage", "project_party", "key_personnel"):
        index = EXCHANGE_COLUMNS[table].index("project_number")
        assert {row[index] for row in rows[table]} <= projects, f"{province}.{table} mentions unknown projects"
