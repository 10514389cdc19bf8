"""Settings are validated up front with the bad key named, DSNs never shown, env overrides work."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.settings import SettingsError, load_settings, render_toml, settings_from_mapping

EXAMPLE = Path(__file__).resolve().parents[2] / "deploy" / "gateway.example.toml"


def _raw(**province: object) -> dict:
    entry = {"code": "320000", "short_name": "苏", "name": "江苏省", "dsn": "postgresql://u:pw@js/db", **province}
    return {
        "gateway": {"person_key_secret": "0123456789"},
        "central": {"dsn": "postgresql://u:pw@central/db"},
        "provinces": [entry],
    }


def test_example_config_loads_with_env_overrides() -> None:
    env = {"YRD_DSN_340000": "postgresql://override/ah", "YRD_PERSON_KEY_SECRET": "from-the-environment"}
    settings = load_settings(EXAMPLE, env)
    assert settings.province_codes == ("310000", "320000", "330000", "340000")
    assert settings.province("340000").source.dsn == "postgresql://override/ah"
    assert settings.person_key_secret == b"from-the-environment"


@pytest.mark.parametrize(
    ("change", "key"),
    [({"code": "3200"}, "provinces[0].code"), ({"pool_size": 0}, "pool_size"), ({"timeout_ms": "x"}, "timeout_ms"),
     ({"dsn": "mysql://x"}, "provinces[0].dsn"), ({"name": ""}, "provinces[0].name")],
)
def test_bad_values_name_the_key(change: dict, key: str) -> None:
    with pytest.raises(SettingsError, match=key.replace("[", r"\[").replace("]", r"\]")):
        settings_from_mapping(_raw(**change), {})


def test_dsn_is_never_in_repr_or_errors() -> None:
    settings = settings_from_mapping(_raw(), {})
    assert "pw@" not in repr(settings)
    with pytest.raises(SettingsError) as caught:
        settings_from_mapping(_raw(dsn="postgres-ish://u:pw@x"), {})
    assert "pw@" not in str(caught.value)


def test_duplicate_province_codes_are_rejected() -> None:
    raw = _raw()
    raw["provinces"].append(dict(raw["provinces"][0], short_name="x"))
    with pytest.raises(SettingsError, match="unique"):
        settings_from_mapping(raw, {})


def test_rendered_toml_loads_back(tmp_path: Path) -> None:
    settings = settings_from_mapping(_raw(), {})
    path = tmp_path / "g.toml"
    path.write_text(render_toml(settings), encoding="utf-8")
    assert load_settings(path, {}) == settings
