"""``yrd-gateway token`` and the [auth] section the demo writes."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from gateway.auth import Authenticator
from gateway.cli import main
from gateway.settings import load_settings, render_toml, settings_from_mapping

BASE = """
[gateway]
person_key_secret = "12345678"
[central]
dsn = "postgresql://localhost/central"
[[provinces]]
code = "320000"
short_name = "苏"
name = "江苏省"
dsn = "postgresql://localhost/js"
"""


def _config(tmp_path: Path, auth: str) -> Path:
    path = tmp_path / "gateway.toml"
    path.write_text(BASE + auth, encoding="utf-8")
    return path


def test_token_command_prints_a_token_the_gateway_accepts(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    config = _config(tmp_path, '[auth]\nsecret = "' + "s" * 40 + '"\n')
    assert main(["token", "--config", str(config), "--role", "regulator", "--province", "320000", "--ttl", "60"]) == 0
    token = capsys.readouterr().out.strip()
    settings = load_settings(config, {})
    identity = Authenticator(settings.auth, settings.province_codes).identity(f"Bearer {token}")
    assert identity.roles == {"regulator"} and identity.province == "320000"
    assert identity.subject == "dev-regulator-320000"


def test_token_command_refuses_without_a_signing_secret(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key()
    pem = tmp_path / "public.pem"
    pem.write_bytes(key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    config = _config(tmp_path, f'[auth]\nalgorithm = "RS256"\npublic_key_file = "{pem}"\n')
    assert main(["token", "--config", str(config), "--role", "admin"]) == 2
    assert "public key" in capsys.readouterr().err


def test_token_command_refuses_a_regulator_without_province(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    config = _config(tmp_path, '[auth]\nsecret = "' + "s" * 40 + '"\n')
    assert main(["token", "--config", str(config), "--role", "regulator"]) == 2
    assert "province" in capsys.readouterr().err


def test_bad_limits_name_the_key(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    config = _config(tmp_path, "[limits]\nmax_depht = 3\n")
    assert main(["token", "--config", str(config), "--role", "admin"]) == 2
    assert "max_depht" in capsys.readouterr().err


def test_render_toml_keeps_auth_limits_and_audit(tmp_path: Path) -> None:
    raw = {
        "gateway": {"person_key_secret": "12345678"}, "central": {"dsn": "postgresql://x/c"},
        "provinces": [{"code": "320000", "short_name": "苏", "name": "江苏省", "dsn": "postgresql://x/j"}],
        "auth": {"secret": "k" * 40, "public_introspection": False}, "limits": {"max_depth": 7},
        "audit": {"spool_dir": str(tmp_path / "spool")},
    }
    settings = settings_from_mapping(raw, {})
    path = tmp_path / "round.toml"
    path.write_text(render_toml(settings), encoding="utf-8")
    again = load_settings(path, {})
    assert again.auth == settings.auth and again.limits == settings.limits and again.audit == settings.audit
