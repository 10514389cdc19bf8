"""Identities recognised across provinces (seeds 001 and 004, 身份互认): each province's identity
provider is a trusted issuer with its own JWKS file and the one province it vouches for."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from gateway.auth import Authenticator, AuthError, issue_token
from gateway.cli import main
from gateway.settings import Settings, SettingsError, load_settings, render_toml, settings_from_mapping
from tests.conftest import AUTH_SECRET, Stack, running_client
from tests.hardening.served import served_settings
from tests.tokens import post

ZJ, JS = "https://idp.zj.example", "https://idp.js.example"
BASE: dict[str, Any] = {
    "gateway": {"person_key_secret": "12345678"}, "central": {"dsn": "postgresql://x/c"},
    "provinces": [{"code": c, "short_name": s, "name": n, "dsn": f"postgresql://x/{c}"}
                  for c, s, n in (("310000", "沪", "上海市"), ("320000", "苏", "江苏省"), ("330000", "浙", "浙江省"))],
}


def _keypair(tmp: Path, name: str, kind: str = "ec", kid: str | None = None) -> tuple[Any, Path, Path]:
    """A private key (PEM file) and a JWKS file publishing its public half."""
    key = ec.generate_private_key(ec.SECP256R1()) if kind == "ec" else rsa.generate_private_key(65537, 2048)
    private = tmp / f"{name}.pem"
    private.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()))
    jwks = tmp / f"{name}.jwks.json"
    _publish(jwks, [(key, kid or f"{name}-1")])
    return key, private, jwks


def _publish(jwks: Path, keys: list[tuple[Any, str]]) -> None:
    """Write a JWKS file atomically (as a rotation would: a new file renamed into place)."""
    entries = []
    for key, kid in keys:
        is_ec = isinstance(key, ec.EllipticCurvePrivateKey)
        algorithm = jwt.algorithms.ECAlgorithm if is_ec else jwt.algorithms.RSAAlgorithm
        entries.append({**json.loads(algorithm.to_jwk(key.public_key())), "kid": kid})
    tmp = jwks.with_suffix(".tmp")
    tmp.write_text(json.dumps({"keys": entries}), encoding="utf-8")
    os.replace(tmp, jwks)


def _token(key: Any, kid: str | None, **claims: Any) -> str:
    now = int(time.time())
    base = {"sub": "zj-official", "roles": ["regulator"], "province": "330000", "iss": ZJ, "aud": "yrd-gateway",
            "iat": now, "exp": now + 600}
    base.update(claims)
    algorithm = "ES256" if isinstance(key, ec.EllipticCurvePrivateKey) else "RS256"
    return jwt.encode({k: v for k, v in base.items() if v is not None}, key, algorithm=algorithm,
                      headers={"kid": kid} if kid else None)


@pytest.fixture
def providers(tmp_path: Path) -> dict[str, Any]:
    """Zhejiang's provider (ES256) and Jiangsu's (RS256), configured beside the HS256 [auth] secret."""
    zj_key, zj_private, zj_jwks = _keypair(tmp_path, "zj")
    js_key, _, js_jwks = _keypair(tmp_path, "js", "rsa")
    auth = {"secret": AUTH_SECRET, "issuers": [
        {"issuer": ZJ, "jwks_file": str(zj_jwks), "province": "330000", "private_key_file": str(zj_private)},
        {"issuer": JS, "jwks_file": str(js_jwks), "province": "320000"},
    ]}
    settings = settings_from_mapping({**BASE, "auth": auth}, {})
    return {"settings": settings, "zj": zj_key, "js": js_key, "zj_jwks": zj_jwks, "auth": auth}


def _identity(settings: Settings, token: str):
    return Authenticator(settings.auth, settings.province_codes).identity(f"Bearer {token}")


def test_each_provider_vouches_for_its_own_officials(providers: dict) -> None:
    settings = providers["settings"]
    zj = _identity(settings, _token(providers["zj"], "zj-1"))
    assert (zj.subject, zj.province, zj.roles) == ("zj-official", "330000", {"regulator"})
    js = _identity(settings, _token(providers["js"], "js-1", iss=JS, province="320000", roles=["reviewer"]))
    assert (js.province, js.roles) == ("320000", {"reviewer"})


@pytest.mark.parametrize(("claims", "message"), [
    ({"province": "320000"}, "vouches only for officials of 330000"),   # Zhejiang's provider, a Jiangsu official
    ({"province": None, "roles": ["admin"]}, "vouches only"),            # nor region-wide roles
    ({"roles": ["admin"]}, "may grant only"),
    ({"iss": JS, "province": "320000"}, "key id"),                       # Zhejiang's key posing as Jiangsu's
    ({"exp": int(time.time()) + 100 * 365 * 86_400}, "lifetime"),
    ({"aud": "another-api"}, "audience"),
])
def test_a_provider_cannot_vouch_beyond_its_province(providers: dict, claims: dict, message: str) -> None:
    with pytest.raises(AuthError, match=message):
        _identity(providers["settings"], _token(providers["zj"], "zj-1", **claims))


def test_keys_and_algorithms_are_the_providers_own(providers: dict) -> None:
    settings = providers["settings"]
    with pytest.raises(AuthError, match="signature"):  # the right kid, another key
        _identity(settings, _token(ec.generate_private_key(ec.SECP256R1()), "zj-1"))
    with pytest.raises(AuthError, match="key id"):
        _identity(settings, _token(providers["zj"], "nobody"))
    confused = jwt.encode({"sub": "x", "iss": ZJ, "province": "330000", "roles": ["regulator"], "aud": "yrd-gateway",
                           "iat": int(time.time()), "exp": int(time.time()) + 60},
                          AUTH_SECRET, algorithm="HS256", headers={"kid": "zj-1"})
    with pytest.raises(AuthError, match="ES256"):  # a provider's tokens are never verified as HS256
        _identity(settings, confused)
    with pytest.raises(AuthError, match="issuer"):  # the gateway's own secret, another provider's name
        _identity(settings, _token_hs(iss="https://idp.unknown.example"))


def _token_hs(**claims: Any) -> str:
    now = int(time.time())
    base = {"sub": "u", "roles": ["regulator"], "province": "330000", "aud": "yrd-gateway", "iat": now, "exp": now + 60}
    return jwt.encode({**base, **claims}, AUTH_SECRET, algorithm="HS256")


def test_the_gateways_own_issuer_keeps_working(providers: dict) -> None:
    settings = providers["settings"]
    admin = issue_token(settings.auth, subject="ops", roles=["admin"])
    assert _identity(settings, admin).roles == {"admin"}
    assert _identity(settings, _token_hs(iss="yrd-gateway")).province == "330000"


def test_rotated_keys_are_used_without_a_restart(providers: dict) -> None:
    settings, jwks = providers["settings"], providers["zj_jwks"]
    authenticator = Authenticator(settings.auth, settings.province_codes)
    old = _token(providers["zj"], "zj-1")
    assert authenticator.identity(f"Bearer {old}").province == "330000"
    new_key = ec.generate_private_key(ec.SECP256R1())
    _publish(jwks, [(providers["zj"], "zj-1"), (new_key, "zj-2")])  # the new key published beside the old
    assert authenticator.identity(f"Bearer {_token(new_key, 'zj-2')}").province == "330000"
    _publish(jwks, [(new_key, "zj-2")])  # the old key retired
    with pytest.raises(AuthError, match="key id"):
        authenticator.identity(f"Bearer {old}")
    jwks.write_text("{ half written", encoding="utf-8")  # a broken file keeps the last good keys
    assert authenticator.identity(f"Bearer {_token(new_key, 'zj-2')}").province == "330000"


@pytest.mark.parametrize(("change", "message"), [
    ({"province": "340000"}, r"auth.issuers\[0\].province"),
    ({"jwks_file": "/nonexistent/jwks.json"}, r"auth.issuers\[0\].jwks_file"),
    ({"issuer": "yrd-gateway"}, "own auth.issuer"),
    ({"kid": "x"}, r"auth.issuers\[0\] has unknown keys: kid"),
    ({"private_key_file": "/nonexistent.pem"}, r"auth.issuers\[0\].private_key_file"),
])
def test_bad_issuer_configuration_names_its_key(providers: dict, change: dict, message: str) -> None:
    auth = providers["auth"]
    issuers = [{**auth["issuers"][0], **change}, auth["issuers"][1]]
    with pytest.raises(SettingsError, match=message):
        settings_from_mapping({**BASE, "auth": {**auth, "issuers": issuers}}, {})


def test_a_jwks_with_a_secret_or_private_key_is_refused(tmp_path: Path, providers: dict) -> None:
    auth = providers["auth"]
    oct_jwks = tmp_path / "oct.json"
    oct_jwks.write_text(json.dumps({"keys": [{"kty": "oct", "k": "c2VjcmV0LXNlY3JldC1zZWNyZXQ", "kid": "s"}]}))
    private_jwks = tmp_path / "private.json"
    private_jwk = jwt.algorithms.ECAlgorithm.to_jwk(providers["zj"], as_dict=True)  # with its "d"
    private_jwks.write_text(json.dumps({"keys": [private_jwk]}))
    for path, message in ((oct_jwks, "RS256 or ES256"), (private_jwks, "private key material")):
        issuers = [{**auth["issuers"][0], "jwks_file": str(path)}]
        with pytest.raises(SettingsError, match=message):
            settings_from_mapping({**BASE, "auth": {**auth, "issuers": issuers}}, {})


def test_render_toml_keeps_the_issuers(providers: dict, tmp_path: Path) -> None:
    path = tmp_path / "round.toml"
    path.write_text(render_toml(providers["settings"]), encoding="utf-8")
    assert load_settings(path, {}).auth == providers["settings"].auth


def test_token_command_signs_as_the_provinces_provider(providers: dict, tmp_path: Path,
                                                       capsys: pytest.CaptureFixture) -> None:
    config = tmp_path / "gateway.toml"
    config.write_text(render_toml(providers["settings"]), encoding="utf-8")
    assert main(["token", "--config", str(config), "--role", "regulator", "--province", "330000"]) == 0
    token = capsys.readouterr().out.strip()
    assert jwt.get_unverified_header(token) == {"alg": "ES256", "kid": "zj-1", "typ": "JWT"}
    assert jwt.decode(token, options={"verify_signature": False})["iss"] == ZJ
    assert _identity(providers["settings"], token).province == "330000"
    assert main(["token", "--config", str(config), "--role", "admin"]) == 0  # the gateway's own issuer
    assert jwt.get_unverified_header(capsys.readouterr().out.strip())["alg"] == "HS256"
    assert main(["token", "--config", str(config), "--role", "regulator", "--province", "340000"]) == 2
    assert "not configured" in capsys.readouterr().err


async def test_over_http_a_cross_province_claim_is_401(stack: Stack, tmp_path: Path) -> None:
    zj_key, _, zj_jwks = _keypair(tmp_path, "zj-http")
    settings = served_settings(stack, tmp_path / "spool", auth={"issuers": [
        {"issuer": ZJ, "jwks_file": str(zj_jwks), "province": "330000"}]})
    async with running_client(settings) as client:
        good = await post(client, "{ provinces { code } }", {"Authorization": f"Bearer {_token(zj_key, 'zj-http-1')}"})
        assert good.status_code == 200, good.text
        bad = _token(zj_key, "zj-http-1", province="320000")
        refused = await post(client, "{ provinces { code } }", {"Authorization": f"Bearer {bad}"})
        assert refused.status_code == 401
        assert refused.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
