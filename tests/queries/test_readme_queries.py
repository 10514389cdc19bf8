"""The README's example queries are valid against the schema: the front door stays true."""

from __future__ import annotations

import re
from pathlib import Path

from graphql import parse, validate

from gateway.schema import schema

README = Path(__file__).resolve().parents[2] / "README.md"


def _operations() -> list[str]:
    blocks = re.findall(r"```graphql\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)
    operations: list[str] = []
    for block in blocks:
        for line in block.splitlines():
            if line.startswith(("{", "query")):
                operations.append(line)
            elif operations and line and not line.startswith("#"):
                operations[-1] += "\n" + line
    return operations


def test_readme_has_examples() -> None:
    assert len(_operations()) >= 5


def test_every_readme_query_validates() -> None:
    for operation in _operations():
        errors = validate(schema._schema, parse(operation))
        assert not errors, (operation, errors)
