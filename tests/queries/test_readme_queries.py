"""The README's example queries are valid against the schema and answer with data against the
test stack, as the public and as a regulator: the front door stays true.

The README shows example identifiers; before a query runs, each is replaced by a real one of the
planted showcase cases, as the README tells its readers to do with ``.demo/showcase.json``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from graphql import OperationDefinitionNode, parse, validate

from gateway.schema import schema
from tests.conftest import Stack
from tests.tokens import ask, headers_for

README = Path(__file__).resolve().parents[2] / "README.md"
ROLES = ["public", "regulator_js"]
# Empty on a healthy stack by design: no province is missing, and a case with findings need not
# carry informational notes as well.
MAY_BE_EMPTY = {"missing", "informational"}


def _operations() -> list[str]:
    blocks = re.findall(r"```graphql\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)
    operations: list[str] = []
    for block in blocks:
        for line in block.splitlines():
            if line.startswith(("{", "query", "mutation")):
                operations.append(line)
            elif operations and line and not line.startswith("#"):
                operations[-1] += "\n" + line
    return operations


ALL_OPERATIONS = _operations()
# Mutations are validated against the schema; they are not run (they would write into the shared
# test data; tests/workflow runs the same workflow on databases of its own).
MUTATIONS = [o for o in ALL_OPERATIONS if o.startswith("mutation")]
OPERATIONS = [o for o in ALL_OPERATIONS if not o.startswith("mutation")]


def _root(operation: str) -> str:
    """The first root field an operation asks for (a readable test id)."""
    match = re.search(r"\{\s*(\w+)", operation)
    return match.group(1) if match else "operation"


def _real_identifiers(stack: Stack) -> dict[str, str]:
    """README example literal (as written, quotes included) -> the showcase's real value."""
    manager = stack.case("concurrent_project_manager")["key"]
    return {  # no ID number: the public never looks a person up by one (DOMAIN §6)
        '"苏1322012345678"': manager["registrationNumber"],
        '"3201062301150001"': stack.case("permit_without_award")["key"]["projectNumber"],
        '"913100003824960470"': stack.case("blacklisted_active_elsewhere")["key"]["uscc"],
        '"2026-06-30"': stack.today.isoformat(),
    }


def _variables(stack: Stack) -> dict[str, Any]:
    """Values for the variables the README's operations declare."""
    return {"uscc": stack.case("blacklisted_active_elsewhere")["key"]["uscc"]}


def _runnable(operation: str, stack: Stack) -> tuple[str, dict[str, Any]]:
    for example, real in _real_identifiers(stack).items():
        operation = operation.replace(example, json.dumps(real, ensure_ascii=False))
    declared = {
        d.variable.name.value for node in parse(operation).definitions
        if isinstance(node, OperationDefinitionNode) for d in node.variable_definitions or ()
    }
    return operation, {name: value for name, value in _variables(stack).items() if name in declared}


def _non_null_leaves(value: Any) -> int:
    if isinstance(value, dict):
        return sum(_non_null_leaves(v) for v in value.values())
    if isinstance(value, list):
        return sum(_non_null_leaves(v) for v in value)
    return value is not None


def _empty_lists(value: Any, path: str = "") -> list[str]:
    """Paths of the lists an example leaves empty on the test data (and so shows nothing of), but
    for those that are rightly empty when all is well (``MAY_BE_EMPTY``)."""
    if isinstance(value, dict):
        return [p for key, v in value.items() if key not in MAY_BE_EMPTY for p in _empty_lists(v, f"{path}.{key}")]
    if isinstance(value, list):
        return [path] if not value else [p for v in value[:1] for p in _empty_lists(v, f"{path}[0]")]
    return []


def test_readme_has_examples() -> None:
    assert len(OPERATIONS) >= 5


def test_every_readme_query_and_mutation_validates() -> None:
    assert MUTATIONS, "the README shows the write path"
    for operation in ALL_OPERATIONS:
        errors = validate(schema._schema, parse(operation))
        assert not errors, (operation, errors)


def test_every_example_identifier_is_in_the_readme(stack: Stack) -> None:
    """A README edit that changes an example must change the substitution too, not skip it."""
    text = "\n".join(OPERATIONS)
    assert [example for example in _real_identifiers(stack) if example not in text] == []


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("index", range(len(OPERATIONS)), ids=[f"{i + 1}-{_root(o)}" for i, o in enumerate(OPERATIONS)])
async def test_every_readme_query_answers(index: int, role: str, client: httpx.AsyncClient, stack: Stack) -> None:
    operation, variables = _runnable(OPERATIONS[index], stack)
    body = await ask(client, operation, headers_for(stack.settings, role), **variables)
    assert "errors" not in body, (operation, body.get("errors"))
    data = body["data"]
    assert data and all(value is not None for value in data.values()), (operation, data)
    assert all(_non_null_leaves(value) >= 2 for value in data.values()), (operation, data)
    assert _empty_lists(data) == [], (operation, data)
