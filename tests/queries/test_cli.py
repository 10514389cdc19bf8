"""The command line against real databases: migrate (idempotent), seed, and configuration errors."""

from __future__ import annotations

import asyncio
from pathlib import Path

import asyncpg
import pytest

from gateway.cli import main
from gateway.settings import render_toml, settings_from_mapping
from sources.embedded import create_database
from tests.conftest import SECRET, Stack

SERVERS = {"central": "central", "310000": "sh", "320000": "js", "330000": "zj"}


async def _config(stack: Stack, tmp_path: Path) -> Path:
    dsns = {key: await create_database(stack.cluster.dsn(server), "clitest") for key, server in SERVERS.items()}
    raw = {
        "gateway": {"person_key_secret": SECRET},
        "central": {"dsn": dsns["central"]},
        "provinces": [{"code": p.code, "short_name": p.short_name, "name": p.name, "dsn": dsns[p.code]}
                      for p in stack.settings.provinces],
    }
    path = tmp_path / "gateway.toml"
    path.write_text(render_toml(settings_from_mapping(raw, {})), encoding="utf-8")
    return path


async def _run(*argv: str) -> int:
    """The CLI runs its own event loop (asyncio.run), so it gets a thread of its own here."""
    return await asyncio.to_thread(main, list(argv))


async def test_migrate_twice_then_seed(stack: Stack, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = await _config(stack, tmp_path)
    assert await _run("migrate", "--config", str(config)) == 0
    assert "001_exchange.sql" in capsys.readouterr().out
    assert await _run("migrate", "--config", str(config)) == 0
    assert capsys.readouterr().out.count("up to date") == 4
    assert await _run("seed", "--config", str(config), "--scale", "0.02", "--seed", "3") == 0
    conn = await asyncpg.connect(stack.settings.province("320000").source.dsn.replace("/postgres?", "/clitest?"))
    try:
        assert await conn.fetchval("SELECT count(*) FROM exchange.enterprise") > 0
    finally:
        await conn.close()


def test_bad_configuration_names_the_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "bad.toml"
    config.write_text('[central]\ndsn = "postgresql://x/y"\n[[provinces]]\ncode = "32"\n', encoding="utf-8")
    assert main(["migrate", "--config", str(config)]) == 2
    assert "provinces[0].code" in capsys.readouterr().err
