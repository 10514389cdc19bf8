"""``yrd-gateway demo``: four embedded PostgreSQL servers (sh, js, zj, central) under
``$YRD_DEMO_DIR`` (default ``.demo/``), migrated and seeded once, then GraphQL with GraphiQL.
Ctrl-C stops the gateway and the four servers; the next run reuses the data.

Like production, each province has its own identity provider: the demo makes one ES256 key pair
per province under ``keys/`` (once), publishes its public key as a JWKS file and configures it as
an ``[[auth.issuers]]`` entry vouching for that province; the private key is configured too, so the
demo (and ``yrd-gateway token``) can sign a province's officials as its provider would."""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import signal
from dataclasses import dataclass
from pathlib import Path

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from gateway.operations import databases_are_empty, migrate_all, seed_all
from gateway.serve import serve
from gateway.settings import Settings, load_settings, render_toml, settings_from_mapping
from sources.embedded import EmbeddedCluster, start_cluster

# (server name, division code, short name, display name)
DEMO_PROVINCES = (
    ("sh", "310000", "沪", "上海市"),
    ("js", "320000", "苏", "江苏省"),
    ("zj", "330000", "浙", "浙江省"),
)
DEMO_SEED = 2007


def demo_dir() -> Path:
    return Path(os.environ.get("YRD_DEMO_DIR", ".demo")).resolve()


@dataclass(frozen=True)
class DemoSecrets:
    """Secrets the demo keeps across runs: the seeded person keys and the issued tokens depend on them."""

    person_key: str
    jwt: str


DEMO_CORS_ORIGINS = ("http://127.0.0.1:*", "http://localhost:*")


def demo_settings(cluster: EmbeddedCluster, secrets_: DemoSecrets, root: Path | None = None) -> Settings:
    """The configuration the demo runs with, pointing at the embedded servers (with ``root``: its
    audit spool and one identity provider per province, keys made under ``root/keys`` once)."""
    auth: dict = {"secret": secrets_.jwt}
    raw: dict = {
        "gateway": {"person_key_secret": secrets_.person_key},
        "auth": auth,
        "central": {"dsn": cluster.dsn("central"), "pool_size": 4, "timeout_ms": 2000},
        "provinces": [
            {"code": code, "short_name": short, "name": name, "dsn": cluster.dsn(server),
             "pool_size": 8, "timeout_ms": 3000}
            for server, code, short, name in DEMO_PROVINCES
        ],
        # The demo's own origin (127.0.0.1 on any port) and portals under development on localhost.
        "server": {"cors_origins": list(DEMO_CORS_ORIGINS)},
    }
    if root is not None:
        raw["audit"] = {"spool_dir": str(root / "audit-spool")}
        auth["issuers"] = [demo_issuer(root / "keys", server, code) for server, code, *_ in DEMO_PROVINCES]
    return settings_from_mapping(raw, {})


def demo_issuer(keys: Path, server: str, code: str) -> dict[str, str]:
    """A province's demo identity provider: its ES256 key pair (made once) and its JWKS file."""
    keys.mkdir(parents=True, exist_ok=True, mode=0o700)
    private_file, jwks_file = keys / f"{server}-idp-private.pem", keys / f"{server}-idp.jwks.json"
    if not private_file.exists():
        key = ec.generate_private_key(ec.SECP256R1())
        pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
        private_file.touch(mode=0o600)
        private_file.write_bytes(pem)
    if not jwks_file.exists():
        key = serialization.load_pem_private_key(private_file.read_bytes(), password=None)
        public = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(key.public_key()))  # type: ignore[arg-type]
        public.update(kid=f"{server}-idp-1", use="sig", alg="ES256")
        jwks_file.write_text(json.dumps({"keys": [public]}, indent=2), encoding="utf-8")
    return {"issuer": f"https://idp.{server}.demo.yrd", "jwks_file": str(jwks_file), "province": code,
            "private_key_file": str(private_file)}


def _secrets(root: Path) -> DemoSecrets:
    """Keep the secrets across runs; a configuration from before [auth] existed gets a new JWT secret."""
    config = root / "gateway.toml"
    if config.exists():
        settings = load_settings(config, {})
        jwt_secret = settings.auth.secret.decode() if settings.auth.secret else secrets.token_hex(32)
        return DemoSecrets(settings.person_key_secret.decode(), jwt_secret)
    return DemoSecrets(secrets.token_hex(16), secrets.token_hex(32))


def print_tokens(settings: Settings) -> None:
    """One regulator token per province (signed by the province's own identity provider when one
    is configured), for GraphiQL's Headers tab."""
    from gateway.auth import issue_token

    print("Regulator tokens (12 h; GraphiQL → Headers: {\"Authorization\": \"Bearer <token>\"}):")
    for p in settings.provinces:
        token = issue_token(settings.auth, subject=f"demo-regulator-{p.code}", roles=["regulator"],
                            province=p.code, org=f"{p.name}住房和城乡建设厅", ttl_s=12 * 3600)
        print(f"  {p.name} {p.code}: {token}")
    print("More: yrd-gateway token --role regulator --province 320000 (uses the demo's gateway.toml)\n")


async def prepare(settings: Settings, root: Path, scale: float) -> list[dict]:
    """Migrate, seed when empty, and return the showcase cases."""
    await migrate_all(settings)
    showcase_file = root / "showcase.json"
    if await databases_are_empty(settings) or not showcase_file.exists():
        showcase = await seed_all(settings, scale=scale, seed=DEMO_SEED, anchor=settings.clock.today())
        showcase_file.write_text(json.dumps(showcase, ensure_ascii=False, indent=2), encoding="utf-8")
    return json.loads(showcase_file.read_text(encoding="utf-8"))


def print_showcase(showcase: list[dict], url: str) -> None:
    print("\n长三角建筑市场信用网关 · Yangtze River Delta credit gateway")
    print(f"GraphQL + GraphiQL: {url}\n")
    for case in showcase[:6]:
        print(f"• {case['title_zh']} / {case['title_en']}")
        print("  " + " ".join(case["query"].split()) + "\n")
    print("All cases: showcase.json in the demo directory. Ctrl-C stops the gateway and the databases.\n")


def run_demo(host: str, port: int, scale: float) -> None:
    # SIGTERM ends the demo as Ctrl-C does: the embedded servers stop too.  Without a handler the
    # signal kills the process outright (uvicorn, once shut down gracefully, raises it again with
    # the handler that was there before it), and the four servers were left running.
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    root = demo_dir()
    root.mkdir(parents=True, exist_ok=True)
    for server, code, *_ in DEMO_PROVINCES:  # before reading the old configuration, which names them
        demo_issuer(root / "keys", server, code)
    kept = _secrets(root)
    cluster = start_cluster(root, [server for server, *_ in DEMO_PROVINCES] + ["central"])
    try:
        settings = demo_settings(cluster, kept, root)
        config = root / "gateway.toml"
        config.write_text(render_toml(settings), encoding="utf-8")
        config.chmod(0o600)  # it holds the secrets
        showcase = asyncio.run(prepare(settings, root, scale))
        print_showcase(showcase, f"http://{host}:{port}/graphql")
        print_tokens(settings)
        serve(settings, host, port)
    finally:
        cluster.stop_all()


def _stop_on_sigterm(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)  # unwinds through run_demo's ``finally``, which stops the servers
