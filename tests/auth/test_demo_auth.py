"""The demo keeps its JWT secret across runs, like the person-key secret, and prints usable tokens."""

from __future__ import annotations

from pathlib import Path

import jwt
import pytest

from gateway.auth import Authenticator
from gateway.demo import DemoSecrets, _secrets, demo_settings, print_tokens
from gateway.settings import render_toml


class _FakeCluster:
    def dsn(self, name: str) -> str:
        return f"postgresql://localhost/{name}"


def test_secrets_survive_a_rerun_and_tokens_verify(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    first = _secrets(tmp_path)
    settings = demo_settings(_FakeCluster(), first, tmp_path)  # type: ignore[arg-type]
    (tmp_path / "gateway.toml").write_text(render_toml(settings), encoding="utf-8")
    assert _secrets(tmp_path) == first
    assert settings.audit is not None and settings.audit.spool_dir == tmp_path / "audit-spool"
    print_tokens(settings)
    tokens = [line.split(": ")[-1] for line in capsys.readouterr().out.splitlines() if line.startswith("  ")]
    identities = [Authenticator(settings.auth, settings.province_codes).identity(f"Bearer {t}") for t in tokens]
    assert [i.province for i in identities] == ["310000", "320000", "330000"]
    assert all(i.roles == {"regulator"} for i in identities)
    # Each signed by its own province's identity provider (ES256, the kid of its JWKS file).
    issuers = [jwt.decode(t, options={"verify_signature": False})["iss"] for t in tokens]
    assert issuers == [i.issuer for i in settings.auth.issuers] and len(set(issuers)) == 3
    assert {jwt.get_unverified_header(t)["alg"] for t in tokens} == {"ES256"}
    assert oct((tmp_path / "keys" / "zj-idp-private.pem").stat().st_mode & 0o777) == "0o600"
    again = demo_settings(_FakeCluster(), first, tmp_path)  # type: ignore[arg-type]
    assert again.auth.issuers == settings.auth.issuers  # the keys are made once, then kept
    assert Authenticator(again.auth, again.province_codes).identity(f"Bearer {tokens[2]}").province == "330000"


def test_a_config_from_before_auth_gets_a_jwt_secret(tmp_path: Path) -> None:
    old = demo_settings(_FakeCluster(), DemoSecrets("p" * 16, "j" * 64))  # type: ignore[arg-type]
    text = render_toml(old).split("[auth]")[0]
    (tmp_path / "gateway.toml").write_text(text, encoding="utf-8")
    kept = _secrets(tmp_path)
    assert kept.person_key == "p" * 16 and len(kept.jwt) >= 32
