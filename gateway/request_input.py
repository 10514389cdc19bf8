"""``RequestInput``: input no resolver should ever see, refused for the whole schema in one place.

Two kinds, both ``BAD_USER_INPUT`` before anything executes (so before any statement):

* text PostgreSQL cannot hold: U+0000 (NUL) and lone surrogates (U+D800–U+DFFF, which have no
  UTF-8 form), in any string literal of the document or any string of the variables, whatever
  argument, input field or scalar it is meant for.  The database would refuse it anyway, but by
  then the request has reached every province; refusing it here keeps it the caller's error.
  graphql-core reserves the ``String`` scalar, so strawberry's ``scalar_overrides`` cannot replace
  it, and a check per resolver would miss the next argument: hence one walk over the request.
* a variable that is explicitly ``null`` where a non-null value is required: validation allows
  ``first: $f`` with ``$f: Int`` because ``first`` has a default, and graphql-core only objects
  while executing the field, as an error the policy must mask.

Runs when the document is validated, after ``QueryLimits`` (a document over the limits is refused
before its strings are read).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    ArgumentNode,
    DocumentNode,
    GraphQLError,
    GraphQLSchema,
    Node,
    NullValueNode,
    ObjectFieldNode,
    OperationDefinitionNode,
    StringValueNode,
    TypeInfo,
    TypeInfoVisitor,
    VariableDefinitionNode,
    VariableNode,
    Visitor,
    is_non_null_type,
    visit,
)
from strawberry.extensions import SchemaExtension

from domain.errors import BadUserInput
from gateway.caches import DOCUMENTS

# Characters no PostgreSQL text value can hold (server encoding UTF-8).
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


class RequestInput(SchemaExtension):
    """Refuses unstorable text and null-for-required variables before validation and execution."""

    def on_validate(self) -> Iterator[None]:
        ctx = self.execution_context
        document = ctx.graphql_document
        if document is not None:
            derived = DOCUMENTS.derived(ctx.query, document) if ctx.query else None
            error = check_request(ctx.schema._schema, document, ctx.variables or {}, derived)
            if error is not None:
                raise error
        yield


def check_request(
    schema: GraphQLSchema, document: DocumentNode, variables: Mapping[str, Any], derived: dict | None = None,  # type: ignore[type-arg]
) -> GraphQLError | None:
    """The first problem of the request's input, or ``None``.  ``derived``: where the document's
    findings are remembered (its parse cache entry, ``gateway.caches``); None walks it every time."""
    found = _variable_text(variables)
    if found is not None:
        return found
    if not _walk_may_find(document, variables):
        return None
    for finding in _findings(schema, document, derived):
        if finding.variable is None or finding.is_null(variables):
            return _bad(finding.message, finding.node)
    return None


@dataclass(frozen=True)
class _Finding:
    """What the walk of a document finds without its variables, in document order: a string
    literal no database can hold (always a problem), or a variable in a non-null position (a
    problem when the request makes it null)."""

    node: Node
    message: str
    variable: str | None = None
    null_default: bool = False  # the variable's operation declares it with a literal null default

    def is_null(self, variables: Mapping[str, Any]) -> bool:
        return variables[self.variable] is None if self.variable in variables else self.null_default


def _findings(schema: GraphQLSchema, document: DocumentNode, derived: dict | None) -> tuple[_Finding, ...]:  # type: ignore[type-arg]
    """The document's findings, remembered in ``derived``: the typed walk costs ~0.2 ms for a
    page's document, and its answer depends on the document (and schema) alone."""
    key = ("request-input", schema)
    if derived is not None and key in derived:
        return derived[key]  # type: ignore[no-any-return]
    checker = _DocumentChecker(TypeInfo(schema))
    visit(document, TypeInfoVisitor(checker.type_info, checker))
    findings = tuple(checker.findings)
    if derived is not None:
        derived[key] = findings
    return findings


def _walk_may_find(document: DocumentNode, variables: Mapping[str, Any]) -> bool:
    """Whether the walk below can find anything (it costs a typed visit of the whole document).

    It needs a variable that is null (a value, or a literal ``null`` default) or a string literal no
    database can hold: neither can exist when no variable is ``None`` and the document's text holds
    no ``null``, no ``\\u`` escape and no unstorable character itself."""
    if any(value is None for value in variables.values()):
        return True
    text = document.loc.source.body if document.loc is not None else None
    return text is None or "null" in text or "\\u" in text or _UNSTORABLE.search(text) is not None


def unstorable(text: str) -> str | None:
    """How to name the first character of ``text`` no database text can hold (``None``: none)."""
    match = _UNSTORABLE.search(text)
    if match is None:
        return None
    code = ord(match.group())
    return "U+0000 (NUL)" if code == 0 else f"a lone surrogate (U+{code:04X})"


def _variable_text(variables: Mapping[str, Any]) -> GraphQLError | None:
    """Every string in the variables, however nested (iteratively: the body may be deep)."""
    pending: list[tuple[str, Any]] = [(f"${name}", value) for name, value in variables.items()]
    while pending:
        where, value = pending.pop()
        if isinstance(value, str):
            what = unstorable(value)
            if what is not None:
                return _bad(f"Variable {where} holds {what}, which no database text can hold")
        elif isinstance(value, Mapping):
            for key, item in value.items():  # a key comes back in graphql-core's "not defined" errors
                pending += [(f"{where}.{key}", item), (f"{where} (a field name)", str(key))]
        elif isinstance(value, list):
            pending += [(f"{where}[{i}]", item) for i, item in enumerate(value)]
    return None


class _DocumentChecker(Visitor):
    """One pass over the document: string literals, and variables in non-null positions."""

    def __init__(self, type_info: TypeInfo) -> None:
        super().__init__()
        self.type_info = type_info
        self.defaults: dict[str, bool] = {}  # variable name → declared with a literal null default
        self.findings: list[_Finding] = []

    def enter_operation_definition(self, node: OperationDefinitionNode, *_: Any) -> None:
        self.defaults = {
            d.variable.name.value: isinstance(d.default_value, NullValueNode) for d in node.variable_definitions or ()
        }

    def enter_string_value(self, node: StringValueNode, *_: Any) -> None:
        what = unstorable(node.value)
        if what is not None:
            self.findings.append(_Finding(node, f"A string in the query holds {what}, which no database text can hold"))

    def enter_variable(self, node: VariableNode, _key: Any, parent: Any, *_: Any) -> None:
        if isinstance(parent, VariableDefinitionNode):
            return
        expected = self.type_info.get_input_type()
        if expected is None or not is_non_null_type(expected):
            return
        name = node.name.value
        target = parent.name.value if isinstance(parent, ArgumentNode | ObjectFieldNode) else "a list item"
        message = f"Variable ${name} is null, but {target} needs a value of type {expected}"
        self.findings.append(_Finding(node, message, name, self.defaults.get(name, False)))


def _bad(message: str, node: Node | None = None) -> GraphQLError:
    error = BadUserInput(message)
    return GraphQLError(error.message, nodes=node, extensions=error.extensions)
