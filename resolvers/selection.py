"""What a query selects below a field: the fast path's look-ahead.

A subject's child lists can come in the statement that fetches the subject (see
``sources.province_queries.enterprises_with``), but only if the resolver of the subject knows,
before it asks, which lists the query will read.  This module answers that from the document:
the field names selected on the object a field returns (or on an object further down a fixed
path, e.g. ``edges.node`` of a connection), with fragments flattened and ``@skip``/``@include``
evaluated against the request's variables, exactly as execution will see them.

The look-ahead only ever saves statements: a list it does not name is still fetched by its field's
own resolver (the general path), so an answer never depends on it being complete.  ``GENERAL_ONLY``
turns it off, which is how the tests use the general path as the oracle of the fast one.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLBoolean,
    InlineFragmentNode,
    SelectionSetNode,
    value_from_ast,
)

from resolvers.context import Info

GENERAL_ONLY = False
"""True: no look-ahead, every child list through its own resolver (tests compare both paths)."""


def selected_names(info: Info, path: Iterable[str] = ()) -> frozenset[str] | None:
    """The field names selected on the object this field returns, or below it along ``path``
    (field names, e.g. ``("edges", "node")``); None when the look-ahead is off."""
    if GENERAL_ONLY:
        return None
    raw = info._raw_info
    fragments = raw.fragments
    # graphql-core 3.3 keeps the coerced values beside their sources; older releases pass a dict.
    variables = getattr(raw.variable_values, "coerced", raw.variable_values)
    nodes: list[FieldNode] = list(raw.field_nodes)
    for step in path:
        nodes = [f for node in nodes for f in _fields(node.selection_set, fragments, variables) if f.name.value == step]
    return frozenset(f.name.value for node in nodes for f in _fields(node.selection_set, fragments, variables))


def _fields(
    selection_set: SelectionSetNode | None,
    fragments: Mapping[str, FragmentDefinitionNode],
    variables: Mapping[str, Any],
) -> Iterator[FieldNode]:
    if selection_set is None:
        return
    for selection in selection_set.selections:
        if not _included(selection, variables):
            continue
        if isinstance(selection, FieldNode):
            yield selection
        elif isinstance(selection, InlineFragmentNode):
            yield from _fields(selection.selection_set, fragments, variables)
        elif isinstance(selection, FragmentSpreadNode):
            fragment = fragments.get(selection.name.value)
            if fragment is not None:
                yield from _fields(fragment.selection_set, fragments, variables)


def _included(node: FieldNode | InlineFragmentNode | FragmentSpreadNode, variables: Mapping[str, Any]) -> bool:
    """``@skip(if:)`` and ``@include(if:)`` as execution evaluates them (skip wins)."""
    for directive in node.directives or ():
        name = directive.name.value
        if name not in ("skip", "include"):
            continue
        condition = next((a.value for a in directive.arguments if a.name.value == "if"), None)
        value = value_from_ast(condition, GraphQLBoolean, variables) if condition is not None else None
        if name == "skip" and value is True:
            return False
        if name == "include" and value is False:
            return False
    return True
