"""The one error tree (``domain.errors``): the README's table is generated from it, every code the
code base uses belongs to it, the masking policy follows it, and the one page-size check uses it."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from graphql import GraphQLError, located_error, parse

from domain import errors
from gateway.errors import client_error
from gateway.limits.analysis import RequestPolicy, check_document
from gateway.schema import schema
from gateway.settings import LimitSettings
from sources.errors import SourceTimeout

ROOT = Path(__file__).resolve().parents[2]
LAYERS = ("gateway", "resolvers", "sources")
README_TABLE = re.compile(r"<!-- error-codes:[^>]*-->\n(.*?)<!-- /error-codes -->", re.S)


def test_readme_table_is_the_tree() -> None:
    found = README_TABLE.search((ROOT / "README.md").read_text(encoding="utf-8"))
    assert found, "README.md lost its <!-- error-codes --> table"
    regenerate = "paste python -c 'import domain.errors as e; print(e.codes_table(), end=\"\")'"
    assert found.group(1) == errors.codes_table(), regenerate


def test_codes_are_unique_and_documented() -> None:
    classes = list(errors.coded_errors())
    assert len({c.code for c in classes}) == len(classes)
    assert all((c.__doc__ or "").strip() for c in classes)


def literal_codes(tree: ast.AST) -> set[str]:
    """String constants given as an error code: ``{"code": "X"}``, ``code = "X"``, ``code="X"``."""
    found: set[str] = set()
    for node in ast.walk(tree):
        pairs: list[tuple[object, ast.AST]] = []
        if isinstance(node, ast.Dict):
            pairs += [(k.value, v) for k, v in zip(node.keys, node.values, strict=True) if isinstance(k, ast.Constant)]
        elif isinstance(node, ast.Assign):
            pairs += [(t.id, node.value) for t in node.targets if isinstance(t, ast.Name)]
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
            pairs.append((node.target.id, node.value))
        elif isinstance(node, ast.Call):
            pairs += [(k.arg, k.value) for k in node.keywords]
        found |= {v.value for k, v in pairs if k == "code" and isinstance(v, ast.Constant) and isinstance(v.value, str)}
    return found


def test_the_scan_sees_every_spelling_of_a_code() -> None:
    sample = 'E = {"code": "A_B"}\nclass X:\n    code = "C_D"\nf(code="E_F")\n'
    assert literal_codes(ast.parse(sample)) == {"A_B", "C_D", "E_F"}


@pytest.mark.parametrize("layer", LAYERS)
def test_every_code_used_is_in_the_tree(layer: str) -> None:
    strays = {
        f"{path.relative_to(ROOT)}: {code}"
        for path in sorted((ROOT / layer).rglob("*.py"))
        for code in literal_codes(ast.parse(path.read_text(encoding="utf-8")))
        if code not in errors.codes()
    }
    assert not strays, f"add these codes to domain.errors: {sorted(strays)}"


# ---- the masking policy follows the type -----------------------------------------------------

def wrapped(exc: Exception) -> GraphQLError:
    """What graphql-core makes of an exception raised in a resolver."""
    return located_error(exc, None, ["field"])


def test_a_tree_error_keeps_its_message_and_code() -> None:
    body = client_error(wrapped(errors.BadUserInput("number must not be empty")))
    assert body["message"] == "number must not be empty"
    assert body["extensions"] == {"code": "BAD_USER_INPUT"}


def test_a_source_error_names_its_source_not_in_the_message() -> None:
    body = client_error(wrapped(SourceTimeout("320000", "no answer in time")))
    assert body["message"] == "no answer in time"
    assert body["extensions"] == {"code": "SOURCE_TIMEOUT", "source": "320000"}


def test_a_graphql_error_with_a_tree_code_is_kept() -> None:
    denied = GraphQLError("Forbidden: this field needs the role admin", extensions={"code": errors.Forbidden.code})
    assert client_error(wrapped(denied))["extensions"] == {"code": "FORBIDDEN"}


@pytest.mark.parametrize("exc", [
    RuntimeError("password=secret host=db"),
    errors.InternalError("never shown"),
    GraphQLError("leaks", extensions={"code": "SOMETHING_ELSE"}),
])
def test_anything_else_is_masked(exc: Exception) -> None:
    body = client_error(wrapped(exc))
    assert body["extensions"]["code"] == "INTERNAL_ERROR"
    assert body["message"].startswith("Internal error (reference ")


# ---- one page-size check, one code -------------------------------------------------------------

@pytest.mark.parametrize("first", [0, -1, 101, 10_000])
def test_first_out_of_range_is_page_too_large(first: int) -> None:
    document = parse(f"{{ enterprises(first: {first}) {{ edges {{ cursor }} }} }}")
    error = check_document(schema._schema, document, {}, RequestPolicy(LimitSettings()))
    assert error is not None and error.extensions == {"code": "PAGE_TOO_LARGE"}
    assert error.message == f"first must be between 1 and 100, got {first}"


@pytest.mark.parametrize("first", [1, 100])
def test_first_in_range_passes(first: int) -> None:
    document = parse("query($n: Int!) { enterprises(first: $n) { edges { cursor } } }")
    assert check_document(schema._schema, document, {"n": first}, RequestPolicy(LimitSettings())) is None
