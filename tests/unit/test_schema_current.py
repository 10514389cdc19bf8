"""schema.graphql is generated from the code; this keeps the checked-in copy current."""

from __future__ import annotations

from pathlib import Path

from gateway.schema import schema

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "schema.graphql"


def test_checked_in_schema_matches_code() -> None:
    assert SCHEMA_FILE.read_text(encoding="utf-8").strip() == schema.as_str().strip(), (
        "schema.graphql is out of date: run `make schema` and commit it"
    )


def test_every_type_and_field_has_a_bilingual_description() -> None:
    for name, gql_type in schema._schema.type_map.items():
        if name.startswith("__") or name in {"String", "Int", "Boolean", "ID", "Float"}:
            continue
        assert _bilingual(gql_type.description), f"type {name} lacks a Chinese and English description"
        for field_name, field in getattr(gql_type, "fields", {}).items():
            assert _bilingual(field.description), f"{name}.{field_name} lacks a Chinese and English description"


def _bilingual(text: str | None) -> bool:
    if not text:
        return False
    has_chinese = any("\u4e00" <= ch <= "\u9fff" for ch in text)
    return has_chinese and any(ch.isascii() and ch.isalpha() for ch in text)
