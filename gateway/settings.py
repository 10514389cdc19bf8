"""Gateway settings: one TOML file plus an injectable environment mapping.

Everything is validated up front and frozen; a bad value raises :class:`SettingsError` naming
the key.  DSNs are secrets: they never appear in a ``repr`` or an error message.

Example (see ``deploy/gateway.example.toml``)::

    [gateway]
    person_key_secret = "change-me"      # or env YRD_PERSON_KEY_SECRET

    [central]
    dsn = "postgresql://…/central"       # or env YRD_CENTRAL_DSN
    pool_size = 4
    timeout_ms = 1500

    [[provinces]]
    code = "320000"                      # GB/T 2260 division code
    short_name = "苏"
    name = "江苏省"
    dsn = "postgresql://…/js"            # or env YRD_DSN_320000
    pool_size = 8
    timeout_ms = 3000
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sources.config import CENTRAL, BreakerConfig, ProvinceInfo, SourceConfig

_DIVISION_CODE = re.compile(r"^[1-9]\d0000$")


class SettingsError(ValueError):
    """The configuration is invalid; the message names the offending key."""


@dataclass(frozen=True)
class ProvinceSettings:
    """A configured province: who it is and how to reach its database."""

    info: ProvinceInfo
    source: SourceConfig

    @property
    def code(self) -> str:
        return self.info.code

    @property
    def short_name(self) -> str:
        return self.info.short_name

    @property
    def name(self) -> str:
        return self.info.name


@dataclass(frozen=True)
class Settings:
    """The whole gateway configuration."""

    central: SourceConfig
    provinces: tuple[ProvinceSettings, ...]
    person_key_secret: bytes = field(repr=False)
    breaker: BreakerConfig = field(default_factory=BreakerConfig)

    def province(self, code: str) -> ProvinceSettings | None:
        return next((p for p in self.provinces if p.code == code), None)

    @property
    def province_codes(self) -> tuple[str, ...]:
        return tuple(p.code for p in self.provinces)


def load_settings(path: str | Path, environ: Mapping[str, str] | None = None) -> Settings:
    """Read and validate a TOML configuration file, applying environment overrides."""
    env = os.environ if environ is None else environ
    file = Path(path)
    try:
        raw = tomllib.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SettingsError(f"configuration file not found: {file}") from None
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"configuration file {file} is not valid TOML: {exc}") from None
    return settings_from_mapping(raw, env)


def settings_from_mapping(raw: Mapping[str, Any], env: Mapping[str, str]) -> Settings:
    """Build settings from a parsed TOML document (exposed for tests and the demo)."""
    gateway = _table(raw, "gateway", required=False)
    central = _source(_table(raw, "central"), "central", CENTRAL, env.get("YRD_CENTRAL_DSN"))
    provinces = tuple(_province(entry, i, env) for i, entry in enumerate(_provinces(raw)))
    _check_unique([p.code for p in provinces], "provinces[].code")
    _check_unique([p.short_name for p in provinces], "provinces[].short_name")
    secret = env.get("YRD_PERSON_KEY_SECRET") or gateway.get("person_key_secret")
    if not isinstance(secret, str) or len(secret) < 8:
        raise SettingsError("gateway.person_key_secret (or YRD_PERSON_KEY_SECRET) must be a string of 8+ characters")
    return Settings(
        central=central,
        provinces=provinces,
        person_key_secret=secret.encode(),
        breaker=BreakerConfig(
            failures=_int(gateway, "breaker_failures", "gateway", default=3),
            reset_s=_int(gateway, "breaker_reset_ms", "gateway", default=2000) / 1000,
        ),
    )


def _provinces(raw: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    entries = raw.get("provinces")
    if not isinstance(entries, list) or not entries:
        raise SettingsError("provinces: at least one [[provinces]] entry is required")
    return entries


def _province(entry: Mapping[str, Any], index: int, env: Mapping[str, str]) -> ProvinceSettings:
    where = f"provinces[{index}]"
    if not isinstance(entry, Mapping):
        raise SettingsError(f"{where} must be a table")
    code = _str(entry, "code", where)
    if not _DIVISION_CODE.match(code):
        raise SettingsError(f"{where}.code must be a province-level division code like 320000, got {code!r}")
    source = _source(entry, where, code, env.get(f"YRD_DSN_{code}"))
    info = ProvinceInfo(code, _str(entry, "short_name", where), _str(entry, "name", where))
    return ProvinceSettings(info, source)


def _source(table: Mapping[str, Any], where: str, name: str, dsn_override: str | None) -> SourceConfig:
    dsn = dsn_override or table.get("dsn")
    if not isinstance(dsn, str) or not dsn.startswith(("postgresql://", "postgres://")):
        raise SettingsError(f"{where}.dsn must be a postgresql:// URL (value not shown: it is a secret)")
    pool_size = _int(table, "pool_size", where, default=8)
    timeout_ms = _int(table, "timeout_ms", where, default=3000)
    if not 1 <= pool_size <= 200:
        raise SettingsError(f"{where}.pool_size must be between 1 and 200, got {pool_size}")
    if not 50 <= timeout_ms <= 120_000:
        raise SettingsError(f"{where}.timeout_ms must be between 50 and 120000, got {timeout_ms}")
    return SourceConfig(name=name, dsn=dsn, pool_size=pool_size, timeout_s=timeout_ms / 1000)


def _table(raw: Mapping[str, Any], key: str, *, required: bool = True) -> Mapping[str, Any]:
    value = raw.get(key)
    if value is None and not required:
        return {}
    if not isinstance(value, Mapping):
        raise SettingsError(f"[{key}] table is required")
    return value


def _str(table: Mapping[str, Any], key: str, where: str) -> str:
    value = table.get(key)
    if not isinstance(value, str) or not value.strip():
        raise SettingsError(f"{where}.{key} must be a non-empty string")
    return value.strip()


def _int(table: Mapping[str, Any], key: str, where: str, *, default: int) -> int:
    value = table.get(key, default)
    if not isinstance(value, int) or isinstance(value, bool):
        raise SettingsError(f"{where}.{key} must be an integer, got {value!r}")
    return value


def _check_unique(values: list[str], key: str) -> None:
    duplicates = sorted({v for v in values if values.count(v) > 1})
    if duplicates:
        raise SettingsError(f"{key} must be unique; repeated: {', '.join(duplicates)}")


def render_toml(settings: Settings) -> str:
    """Write settings back as TOML (the demo records the configuration it runs with)."""
    lines = ["[gateway]", f'person_key_secret = "{settings.person_key_secret.decode()}"', ""]
    lines += ["[central]", *_source_lines(settings.central), ""]
    for p in settings.provinces:
        lines += ["[[provinces]]", f'code = "{p.code}"', f'short_name = "{p.short_name}"', f'name = "{p.name}"']
        lines += [*_source_lines(p.source), ""]
    return "\n".join(lines)


def _source_lines(source: SourceConfig) -> list[str]:
    return [
        f'dsn = "{source.dsn}"',
        f"pool_size = {source.pool_size}",
        f"timeout_ms = {round(source.timeout_s * 1000)}",
    ]
