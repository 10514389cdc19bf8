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

    [auth]                               # bearer JWTs; no token means PUBLIC
    algorithm = "HS256"                  # or "RS256" with public_key_file
    secret = "…"                         # HS256 only; or env YRD_JWT_SECRET
    issuer = "yrd-gateway"
    audience = "yrd-gateway"
    public_introspection = true
    public_graphiql = true

    [[auth.issuers]]                     # a province's identity provider (RS256/ES256, JWKS file)
    issuer = "https://idp.zj.example"
    jwks_file = "/etc/yrd/idp-zj.jwks.json"   # re-read when it changes: keys rotate without a restart
    province = "330000"                  # the one province whose officials it vouches for

    [server]                             # HTTP: proxies, slow clients, header sizes
    trusted_proxies = ["10.0.0.0/8"]     # default none: X-Forwarded-For is ignored
    header_timeout_ms = 10000

    [limits]                             # abuse limits, see gateway/limits/
    max_depth = 15
    max_cost = 20000

    [audit]
    spool_dir = "/var/lib/yrd/audit-spool"   # one per replica
"""

from __future__ import annotations

import hashlib
import ipaddress
import os
import re
import tempfile
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from domain.clock import CHINA, Clock
from domain.provinces import ProvinceInfo, is_province_code
from gateway.jwks import JWKSError, load_jwks
from gateway.tracing import TracingSettings
from sources.config import CENTRAL, BreakerConfig, SourceConfig
from sources.feed_listener import FeedSettings
from sources.index_sync import SyncSettings


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


ALGORITHMS = ("HS256", "RS256")


@dataclass(frozen=True)
class IssuerSettings:
    """A trusted identity provider of one province (``[[auth.issuers]]``): its tokens are checked
    against the public keys in ``jwks_file`` and may only vouch for officials of ``province``.
    ``private_key_file`` (development and the demo only) lets ``yrd-gateway token`` sign as it."""

    issuer: str
    jwks_file: Path
    province: str
    private_key_file: Path | None = None


@dataclass(frozen=True)
class AuthSettings:
    """How bearer tokens are checked.  HS256 uses ``secret``; RS256 verifies with ``public_key``
    (PEM) and can only issue tokens when ``private_key`` is configured too (tests, development)."""

    algorithm: str = "HS256"
    secret: bytes | None = field(default=None, repr=False)
    public_key: str | None = field(default=None, repr=False)
    private_key: str | None = field(default=None, repr=False)
    issuer: str = "yrd-gateway"
    audience: str = "yrd-gateway"
    leeway_s: int = 30
    max_ttl_s: int = 86_400
    public_introspection: bool = True
    public_graphiql: bool = True
    issuers: tuple[IssuerSettings, ...] = ()

    def issuer_for(self, province: str) -> IssuerSettings | None:
        """The configured identity provider of ``province`` that can sign (development), if any."""
        return next((i for i in self.issuers if i.province == province and i.private_key_file), None)


IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True)
class ServerSettings:
    """The HTTP server (``[server]``): whose ``X-Forwarded-For`` is believed, and how long and how
    large a client may be while sending a request (slow clients must not hold connections)."""

    trusted_proxies: tuple[IPNetwork, ...] = ()
    header_timeout_ms: int = 10_000
    body_timeout_ms: int = 15_000
    keep_alive_ms: int = 5_000
    max_header_bytes: int = 16 * 1024
    max_authorization_bytes: int = 8 * 1024
    max_connections: int = 1000
    # Browser origins allowed to call the gateway (CORS): exact origins such as
    # "https://portal.example", "http://localhost:*" for any port of one host, or "*" alone.
    # None by default: no Access-Control-* header is ever sent.
    cors_origins: tuple[str, ...] = ()
    # How long shared caches may keep a public GET answer that is complete and error-free (0: never).
    public_max_age_s: int = 30


@dataclass(frozen=True)
class LimitSettings:
    """Abuse limits; every rejection is a GraphQL error with a stable ``extensions.code``."""

    max_depth: int = 15
    max_aliases: int = 30
    max_tokens: int = 3000
    max_root_fields: int = 10
    max_page_size: int = 100
    list_cost_factor: int = 5
    max_cost: int = 20_000
    max_body_bytes: int = 64 * 1024
    public_rate_per_minute: int = 600
    identity_rate_per_minute: int = 3000
    timeout_ms: int = 15_000
    # Distinct persons whose full ID number may reach one official per hour (gateway.disclosure).
    full_id_numbers_per_hour: int = 200
    # CPU time one caller may spend per minute parsing and validating documents not in the cache
    # (gateway.caches); a cached document costs nothing.
    document_cpu_ms_per_minute: int = 3000
    # Data-package exports running at once in one gateway process, and per caller: each holds
    # about two pages of rows per province for as long as its client takes to read them.
    max_exports: int = 8
    max_exports_per_caller: int = 2
    public_persisted_only: bool = False
    persisted_queries: Path | None = None


@dataclass(frozen=True)
class AuditSettings:
    """Where audit entries wait while the central store is unreachable (one directory per replica)."""

    spool_dir: Path


@dataclass(frozen=True)
class Settings:
    """The whole gateway configuration."""

    central: SourceConfig
    provinces: tuple[ProvinceSettings, ...]
    person_key_secret: bytes = field(repr=False)
    breaker: BreakerConfig = field(default_factory=BreakerConfig)
    auth: AuthSettings = field(default_factory=AuthSettings)
    limits: LimitSettings = field(default_factory=LimitSettings)
    audit: AuditSettings | None = None
    clock: Clock = field(default_factory=Clock)
    index: SyncSettings = field(default_factory=SyncSettings)
    tracing: TracingSettings = field(default_factory=TracingSettings)
    server: ServerSettings = field(default_factory=ServerSettings)
    feed: FeedSettings = field(default_factory=FeedSettings)

    @property
    def audit_spool(self) -> Path:
        """The configured spool, else one per central store under the temp dir (stable across restarts)."""
        if self.audit is not None:
            return self.audit.spool_dir
        tag = hashlib.sha256(self.central.dsn.encode()).hexdigest()[:12]
        return Path(tempfile.gettempdir()) / f"yrd-audit-spool-{tag}"

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
        auth=_auth(_table(raw, "auth", required=False), env, [p.code for p in provinces]),
        limits=_limits(_table(raw, "limits", required=False)),
        audit=_audit(_table(raw, "audit", required=False)),
        clock=_clock(gateway),
        index=_index(_table(raw, "index", required=False)),
        tracing=_tracing(_table(raw, "tracing", required=False)),
        server=_server(_table(raw, "server", required=False)),
        feed=_feed(_table(raw, "feed", required=False)),
    )


# (key, lowest, highest) of the [server] integers.
_SERVER_RANGES = {
    "header_timeout_ms": (100, 120_000),
    "body_timeout_ms": (100, 300_000),
    "keep_alive_ms": (100, 300_000),
    "max_header_bytes": (4096, 1024 * 1024),
    "max_authorization_bytes": (512, 64 * 1024),
    "max_connections": (1, 1_000_000),
    "public_max_age_s": (0, 86_400),
}
# An origin as browsers send it: scheme, host, optional port (":*" in the configuration: any port).
_ORIGIN = re.compile(r"https?://(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(:(\d{1,5}|\*))?")


def _server(table: Mapping[str, Any]) -> ServerSettings:
    """``[server]``: trusted_proxies (addresses or networks; default none) and the slow-client limits."""
    _known_keys(table, "server", ServerSettings)
    values: dict[str, Any] = {
        key: _bounded(table, key, "server", getattr(ServerSettings, key), low, high)
        for key, (low, high) in _SERVER_RANGES.items()
    }
    proxies = table.get("trusted_proxies", [])
    if not isinstance(proxies, list) or not all(isinstance(p, str) for p in proxies):
        raise SettingsError("server.trusted_proxies must be a list of addresses or networks like \"10.0.0.0/8\"")
    try:
        values["trusted_proxies"] = tuple(ipaddress.ip_network(p.strip(), strict=False) for p in proxies)
    except ValueError as exc:
        raise SettingsError(f"server.trusted_proxies: {exc}") from None
    if values["max_authorization_bytes"] > values["max_header_bytes"]:
        raise SettingsError("server.max_authorization_bytes must not exceed server.max_header_bytes")
    values["cors_origins"] = _cors_origins(table.get("cors_origins", []))
    return ServerSettings(**values)


def _cors_origins(origins: Any) -> tuple[str, ...]:
    """``[server] cors_origins``: each an origin (no path, no trailing slash: browsers never send
    one, so such an entry would silently match nothing), ``scheme://host:*`` for any port, or ``*``
    alone (any origin; the gateway never allows credentials, so ``*`` cannot carry cookies)."""
    if not isinstance(origins, list) or not all(isinstance(o, str) for o in origins):
        raise SettingsError('server.cors_origins must be a list of origins like "https://portal.example"')
    if "*" in origins and len(origins) > 1:
        raise SettingsError('server.cors_origins: "*" allows every origin and must stand alone')
    bad = [o for o in origins if o != "*" and not _ORIGIN.fullmatch(o)]
    if bad:
        raise SettingsError(f"server.cors_origins: not an origin (scheme://host[:port|:*]): {', '.join(bad)}")
    return tuple(origins)


def _tracing(table: Mapping[str, Any]) -> TracingSettings:
    """``[tracing]``: enabled (false), endpoint (OTLP/HTTP traces URL), service_name."""
    _known_keys(table, "tracing", TracingSettings)
    defaults = TracingSettings()
    enabled = table.get("enabled", defaults.enabled)
    if not isinstance(enabled, bool):
        raise SettingsError("tracing.enabled must be true or false")
    endpoint = table.get("endpoint", defaults.endpoint)
    if not isinstance(endpoint, str) or not endpoint.startswith(("http://", "https://")):
        raise SettingsError("tracing.endpoint must be an http(s) URL of an OTLP/HTTP traces endpoint")
    name = table.get("service_name", defaults.service_name)
    if not isinstance(name, str) or not name:
        raise SettingsError("tracing.service_name must be a non-empty string")
    return TracingSettings(enabled=enabled, endpoint=endpoint, service_name=name)


def _index(table: Mapping[str, Any]) -> SyncSettings:
    """``[index]``: sync (on by default), poll_ms, batch_size, max_index_lag_ms."""
    unknown = sorted(set(table) - {"sync", "poll_ms", "batch_size", "max_index_lag_ms"})
    if unknown:
        raise SettingsError(f"[index] has unknown keys: {', '.join(unknown)}")
    d = SyncSettings()
    return SyncSettings(
        enabled=_bool(table, "sync", "index", default=d.enabled),
        poll_s=_bounded(table, "poll_ms", "index", round(d.poll_s * 1000), 10, 60_000) / 1000,
        batch_size=_bounded(table, "batch_size", "index", d.batch_size, 1, 100_000),
        max_lag_s=_bounded(table, "max_index_lag_ms", "index", round(d.max_lag_s * 1000), 100, 3_600_000) / 1000,
    )


# (key, lowest, highest) of the [feed] integers; the *_ms keys become seconds.
_FEED_RANGES = {
    "queue_size": (1, 100_000),
    "batch_size": (1, 100_000),
    "poll_ms": (10, 60_000),
    "reconnect_min_ms": (10, 60_000),
    "reconnect_max_ms": (10, 600_000),
    "statement_timeout_ms": (100, 120_000),
    "max_subscriptions_per_connection": (1, 1000),
    "max_connections_per_identity": (1, 100_000),
    "max_watchlist": (1, 100_000),
    "lag_grace_ms": (0, 60_000),
}


def _feed(table: Mapping[str, Any]) -> FeedSettings:
    """``[feed]``: enabled (true), the listener's pace and the subscriptions' bounds."""
    unknown = sorted(set(table) - {"enabled", *_FEED_RANGES})
    if unknown:
        raise SettingsError(f"[feed] has unknown keys: {', '.join(unknown)}")
    d = FeedSettings()
    values: dict[str, Any] = {}
    for key, (low, high) in _FEED_RANGES.items():
        name = key.removesuffix("_ms") + ("_s" if key.endswith("_ms") else "")
        default = getattr(d, name)
        if key.endswith("_ms"):
            values[name] = _bounded(table, key, "feed", round(default * 1000), low, high) / 1000
        else:
            values[name] = _bounded(table, key, "feed", default, low, high)
    if values["reconnect_min_s"] > values["reconnect_max_s"]:
        raise SettingsError("feed.reconnect_min_ms must not exceed feed.reconnect_max_ms")
    return FeedSettings(enabled=_bool(table, "enabled", "feed", default=d.enabled), **values)


def _feed_lines(feed: FeedSettings) -> list[str]:
    lines = ["[feed]", f"enabled = {str(feed.enabled).lower()}"]
    for key in _FEED_RANGES:
        name = key.removesuffix("_ms") + ("_s" if key.endswith("_ms") else "")
        value = getattr(feed, name)
        lines.append(f"{key} = {round(value * 1000) if key.endswith('_ms') else value}")
    return lines


def _clock(gateway: Mapping[str, Any]) -> Clock:
    zone = gateway.get("timezone", CHINA)
    if not isinstance(zone, str):
        raise SettingsError(f"gateway.timezone must be an IANA zone name such as {CHINA!r}")
    try:
        return Clock.named(zone)
    except ValueError as exc:
        raise SettingsError(f"gateway.timezone: {exc}") from None


def _auth(table: Mapping[str, Any], env: Mapping[str, str], provinces: list[str]) -> AuthSettings:
    _known_keys(table, "auth", AuthSettings)
    algorithm = table.get("algorithm", "HS256")
    if algorithm not in ALGORITHMS:
        raise SettingsError(f"auth.algorithm must be one of {', '.join(ALGORITHMS)}, got {algorithm!r}")
    secret = env.get("YRD_JWT_SECRET") or table.get("secret")
    if secret is not None and (not isinstance(secret, str) or len(secret) < 32):
        raise SettingsError("auth.secret (or YRD_JWT_SECRET) must be a string of 32+ characters")
    if algorithm == "HS256" and table.get("public_key_file"):
        raise SettingsError("auth.public_key_file needs auth.algorithm = \"RS256\"")
    public_key = _pem(table, "public_key_file")
    if algorithm == "RS256" and public_key is None:
        raise SettingsError("auth.public_key_file is required when auth.algorithm = \"RS256\"")
    issuer = _str(table, "issuer", "auth") if "issuer" in table else "yrd-gateway"
    return AuthSettings(
        algorithm=algorithm,
        secret=secret.encode() if secret else None,
        public_key=public_key,
        private_key=_pem(table, "private_key_file"),
        issuer=issuer,
        audience=_str(table, "audience", "auth") if "audience" in table else "yrd-gateway",
        leeway_s=_bounded(table, "leeway_s", "auth", AuthSettings.leeway_s, 0, 600),
        max_ttl_s=_bounded(table, "max_ttl_s", "auth", AuthSettings.max_ttl_s, 60, 30 * 86_400),
        public_introspection=_bool(table, "public_introspection", "auth", default=True),
        public_graphiql=_bool(table, "public_graphiql", "auth", default=True),
        issuers=_issuers(table.get("issuers", []), issuer, provinces),
    )


def _issuers(entries: Any, own_issuer: str, provinces: list[str]) -> tuple[IssuerSettings, ...]:
    """``[[auth.issuers]]``: every provincial identity provider the gateway trusts."""
    if not isinstance(entries, list):
        raise SettingsError("auth.issuers must be an array of tables ([[auth.issuers]])")
    issuers = tuple(_issuer(entry, f"auth.issuers[{i}]", provinces) for i, entry in enumerate(entries))
    names = [i.issuer for i in issuers]
    _check_unique(names, "auth.issuers[].issuer")
    if own_issuer in names:
        raise SettingsError(f"auth.issuers[].issuer {own_issuer!r} is the gateway's own auth.issuer")
    return issuers


def _issuer(entry: Any, where: str, provinces: list[str]) -> IssuerSettings:
    if not isinstance(entry, Mapping):
        raise SettingsError(f"{where} must be a table")
    unknown = sorted(set(entry) - set(IssuerSettings.__dataclass_fields__))
    if unknown:
        raise SettingsError(f"{where} has unknown keys: {', '.join(unknown)}")
    province = _str(entry, "province", where)
    if province not in provinces:
        raise SettingsError(f"{where}.province {province!r} is not a configured province")
    jwks_file = Path(_str(entry, "jwks_file", where))
    try:
        load_jwks(jwks_file)
    except JWKSError as exc:
        raise SettingsError(f"{where}.jwks_file: {exc}") from None
    private = entry.get("private_key_file")
    if private is not None:
        _pem(entry, "private_key_file", where)
    return IssuerSettings(
        issuer=_str(entry, "issuer", where), jwks_file=jwks_file, province=province,
        private_key_file=Path(private) if private is not None else None,
    )


def _pem(table: Mapping[str, Any], key: str, where: str = "auth") -> str | None:
    path = table.get(key)
    if path is None:
        return None
    if not isinstance(path, str):
        raise SettingsError(f"{where}.{key} must be a path to a PEM file")
    try:
        text = Path(path).read_text(encoding="ascii")
    except (OSError, UnicodeError):
        raise SettingsError(f"{where}.{key}: cannot read PEM file {path}") from None
    if "-----BEGIN" not in text:
        raise SettingsError(f"{where}.{key}: {path} is not a PEM file")
    return text


# (key, lowest, highest): every limit is an integer inside its range.
_LIMIT_RANGES = {
    "max_depth": (2, 100),
    "max_aliases": (0, 1000),
    "max_tokens": (50, 100_000),
    "max_root_fields": (1, 100),
    "max_page_size": (1, 100),  # the one page-size check (gateway.limits) holds every page to this
    "list_cost_factor": (1, 100),
    "max_cost": (10, 10_000_000),
    "max_body_bytes": (256, 16 * 1024 * 1024),
    "public_rate_per_minute": (1, 1_000_000),
    "identity_rate_per_minute": (1, 1_000_000),
    "timeout_ms": (100, 300_000),
    "full_id_numbers_per_hour": (1, 1_000_000),
    "document_cpu_ms_per_minute": (1, 60_000_000),
    "max_exports": (1, 10_000),
    "max_exports_per_caller": (1, 10_000),
}


def _limits(table: Mapping[str, Any]) -> LimitSettings:
    _known_keys(table, "limits", LimitSettings)
    values: dict[str, Any] = {
        key: _bounded(table, key, "limits", getattr(LimitSettings, key), low, high)
        for key, (low, high) in _LIMIT_RANGES.items()
    }
    values["public_persisted_only"] = _bool(table, "public_persisted_only", "limits", default=False)
    manifest = table.get("persisted_queries")
    if manifest is not None:
        if not isinstance(manifest, str) or not Path(manifest).exists():
            raise SettingsError(f"limits.persisted_queries must name an existing file or directory, got {manifest!r}")
        values["persisted_queries"] = Path(manifest)
    if values["public_persisted_only"] and manifest is None:
        raise SettingsError("limits.public_persisted_only needs limits.persisted_queries (the allow-list)")
    return LimitSettings(**values)


def _audit(table: Mapping[str, Any]) -> AuditSettings | None:
    _known_keys(table, "audit", AuditSettings)
    if "spool_dir" not in table:
        return None
    return AuditSettings(spool_dir=Path(_str(table, "spool_dir", "audit")))


def _known_keys(table: Mapping[str, Any], section: str, shape: type) -> None:
    """A misspelt limit must not silently fall back to its default."""
    known = set(shape.__dataclass_fields__)
    if shape is AuthSettings:  # keys live in PEM files, never inline
        known = (known - {"public_key", "private_key"}) | {"public_key_file", "private_key_file"}
    unknown = sorted(set(table) - known)
    if unknown:
        raise SettingsError(f"[{section}] has unknown keys: {', '.join(unknown)}")


def _bounded(table: Mapping[str, Any], key: str, where: str, default: int, low: int, high: int) -> int:
    value = _int(table, key, where, default=default)
    if not low <= value <= high:
        raise SettingsError(f"{where}.{key} must be between {low} and {high}, got {value}")
    return value


def _bool(table: Mapping[str, Any], key: str, where: str, *, default: bool) -> bool:
    value = table.get(key, default)
    if not isinstance(value, bool):
        raise SettingsError(f"{where}.{key} must be true or false, got {value!r}")
    return value


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
    if not is_province_code(code):
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
    lines += [*_auth_lines(settings.auth), ""]
    lines += ["[limits]", *(f"{key} = {getattr(settings.limits, key)}" for key in _LIMIT_RANGES), ""]
    if settings.audit is not None:
        lines += ["[audit]", f'spool_dir = "{settings.audit.spool_dir}"', ""]
    lines += [*_server_lines(settings.server), ""]
    lines += [*_feed_lines(settings.feed), ""]
    return "\n".join(lines)


def _server_lines(server: ServerSettings) -> list[str]:
    proxies = ", ".join(f'"{p}"' for p in server.trusted_proxies)
    origins = ", ".join(f'"{o}"' for o in server.cors_origins)
    limits = [f"{k} = {getattr(server, k)}" for k in _SERVER_RANGES]
    return ["[server]", f"trusted_proxies = [{proxies}]", f"cors_origins = [{origins}]", *limits]


def _auth_lines(auth: AuthSettings) -> list[str]:
    if auth.algorithm == "RS256":
        raise SettingsError("render_toml writes HS256 configurations only (RS256 keys live in PEM files)")
    lines = ["[auth]", f'algorithm = "{auth.algorithm}"']
    if auth.secret:
        lines.append(f'secret = "{auth.secret.decode()}"')
    lines += [f'issuer = "{auth.issuer}"', f'audience = "{auth.audience}"']
    lines += [f"leeway_s = {auth.leeway_s}", f"max_ttl_s = {auth.max_ttl_s}"]
    lines += [f"public_introspection = {str(auth.public_introspection).lower()}"]
    lines += [f"public_graphiql = {str(auth.public_graphiql).lower()}"]
    for issuer in auth.issuers:
        lines += ["", "[[auth.issuers]]", f'issuer = "{issuer.issuer}"', f'jwks_file = "{issuer.jwks_file}"']
        lines.append(f'province = "{issuer.province}"')
        if issuer.private_key_file is not None:
            lines.append(f'private_key_file = "{issuer.private_key_file}"')
    return lines


def _source_lines(source: SourceConfig) -> list[str]:
    return [
        f'dsn = "{source.dsn}"',
        f"pool_size = {source.pool_size}",
        f"timeout_ms = {round(source.timeout_s * 1000)}",
    ]
