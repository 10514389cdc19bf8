"""Bearer tokens: what is accepted, what is refused (HTTP 401, never a silent downgrade)."""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from gateway.auth import Authenticator, AuthError, issue_token
from gateway.settings import AuthSettings, SettingsError, settings_from_mapping
from tests.conftest import AUTH_SECRET
from tests.tokens import post, statements_total

HS = AuthSettings(secret=AUTH_SECRET.encode())
PROVINCES = ("310000", "320000", "330000")


def _token(settings: AuthSettings = HS, **claims: object) -> str:
    now = int(time.time())
    base = {"sub": "u1", "roles": ["regulator"], "province": "320000", "org": "苏建委", "iss": settings.issuer,
            "aud": settings.audience, "iat": now, "exp": now + 60}
    base.update(claims)
    return jwt.encode({k: v for k, v in base.items() if v is not None}, AUTH_SECRET, algorithm="HS256")


def _identity(token: str, settings: AuthSettings = HS):
    return Authenticator(settings, PROVINCES).identity(f"Bearer {token}")


def test_no_header_is_public() -> None:
    assert Authenticator(HS, PROVINCES).identity(None).is_public


def test_valid_token_gives_the_claimed_identity() -> None:
    identity = _identity(issue_token(HS, subject="alice", roles=["regulator"], province="320000", org="苏建委"))
    assert (identity.subject, identity.org, identity.province) == ("alice", "苏建委", "320000")
    assert identity.roles == {"regulator"} and not identity.is_public


@pytest.mark.parametrize(("token", "message"), [
    (_token(exp=int(time.time()) - 3600), "expired"),
    (_token(iss="someone-else"), "issuer"),
    (_token(aud="another-api"), "audience"),
    (_token(roles=["superuser"]), "unknown roles"),
    (_token(province=None), "province"),
    (_token(province="320100"), "province"),
    (_token(exp=None), "'exp'"),
    ("not.a.token", "malformed"),
    (jwt.encode({"sub": "x"}, "another-secret-of-sufficient-length-0000", algorithm="HS256"), "signature"),
])
def test_bad_tokens_are_refused_with_a_reason(token: str, message: str) -> None:
    with pytest.raises(AuthError, match=message):
        _identity(token)


def test_unsigned_and_other_algorithm_tokens_are_refused() -> None:
    unsigned = jwt.encode({"sub": "x", "roles": ["admin"]}, key=None, algorithm="none")
    with pytest.raises(AuthError):
        _identity(unsigned)
    hs512 = jwt.encode({"sub": "x"}, AUTH_SECRET * 2, algorithm="HS512")
    with pytest.raises(AuthError, match="HS256"):
        _identity(hs512)


def test_rs256_round_trip_and_public_key_only_config_cannot_issue(tmp_path: Path) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = tmp_path / "private.pem"
    public = tmp_path / "public.pem"
    private.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()))
    public.write_bytes(key.public_key().public_bytes(serialization.Encoding.PEM,
                                                     serialization.PublicFormat.SubjectPublicKeyInfo))
    base = {"central": {"dsn": "postgresql://x/y"}, "provinces": [{"code": "320000", "short_name": "苏",
            "name": "江苏省", "dsn": "postgresql://x/z"}], "gateway": {"person_key_secret": "12345678"}}
    signing = settings_from_mapping(
        {**base, "auth": {"algorithm": "RS256", "public_key_file": str(public), "private_key_file": str(private)}}, {}
    ).auth
    token = issue_token(signing, subject="bob", roles=["admin"])
    verifying = dataclasses.replace(signing, private_key=None)
    assert _identity(token, verifying).roles == {"admin"}
    with pytest.raises(AuthError, match="no signing key"):
        issue_token(verifying, subject="bob", roles=["admin"])
    with pytest.raises(AuthError, match="RS256"):  # an HS256 token signed with the public key text
        _identity(jwt.encode({"sub": "x"}, "x" * 40, algorithm="HS256"), verifying)
    with pytest.raises(SettingsError, match="public_key_file"):
        settings_from_mapping({**base, "auth": {"algorithm": "RS256"}}, {})


async def test_invalid_token_is_http_401_with_json(client: httpx.AsyncClient) -> None:
    for header in (f"Bearer {_token(exp=int(time.time()) - 3600)}", "Bearer garbage", "Basic dXNlcjpwYXNz"):
        response = await post(client, "{ provinces { code } }", {"Authorization": header})
        assert response.status_code == 401
        assert response.headers["www-authenticate"].startswith("Bearer")
        body = response.json()
        assert body["data"] is None
        assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        assert body["errors"][0]["message"]
        assert statements_total(body) == 0


async def test_valid_token_is_served(client: httpx.AsyncClient, stack) -> None:
    token = issue_token(stack.settings.auth, subject="reg", roles=["regulator"], province="320000")
    response = await post(client, "{ provinces { code } }", {"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert len(response.json()["data"]["provinces"]) == 3
