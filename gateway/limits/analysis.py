"""Document analysis: depth, aliases, root fields, page sizes and cost, in one linear pass.

Why not strawberry's ``QueryDepthLimiter``/``MaxAliasesLimiter``: both re-walk a fragment at every
spread, so a chain of fragments that each spread the next twice makes the *validator* do 2^n work
from a document of a few hundred tokens.  The analysis here visits each fragment once (memoised),
so it is linear in the document while still counting every use.

Cost: each field costs 1 plus its selection's cost times a multiplier: a field with a ``first``
argument multiplies by that page size (a variable's value, else the argument's default, else
``max_page_size``); any other list field multiplies by ``list_cost_factor`` unless it sits
directly under a paged field (a connection's ``edges`` is already counted by ``first``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLList,
    GraphQLNonNull,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
)
from graphql.type.introspection import SchemaMetaFieldDef, TypeMetaFieldDef

from domain.errors import (
    IntrospectionDisabled,
    PageTooLarge,
    QueryTooCostly,
    QueryTooDeep,
    TooManyAliases,
    TooManyRootFields,
)
from gateway.errors import graphql_error
from gateway.settings import LimitSettings

INTROSPECTION_FIELDS = frozenset({"__schema", "__type"})


@dataclass(frozen=True)
class RequestPolicy:
    """What the limits extension needs to know about one request."""

    limits: LimitSettings
    introspection: bool = True




@dataclass
class Measure:
    """What one selection set amounts to, fragments expanded."""

    depth: int = 0
    aliases: int = 0
    cost: int = 0
    introspection: bool = False

    def add(self, other: Measure, multiplier: int = 1) -> None:
        self.depth = max(self.depth, other.depth)
        self.aliases += other.aliases
        self.cost += other.cost * multiplier
        self.introspection = self.introspection or other.introspection


@dataclass
class Analyser:
    """One pass over a document with every fragment measured once per (fragment, paged) slot."""

    schema: GraphQLSchema
    limits: LimitSettings
    variables: Mapping[str, Any]
    fragments: dict[str, FragmentDefinitionNode]
    page_errors: list[GraphQLError] = field(default_factory=list)
    # The variables the analysis read (only ``first`` arguments read any): what a cached verdict
    # on the same document must match (``check_document_cached``).
    read: dict[str, object] = field(default_factory=dict)
    _memo: dict[tuple[str, bool], Measure] = field(default_factory=dict)

    def selection(self, node: SelectionSetNode | None, parent: Any, paged: bool) -> Measure:
        total = Measure()
        for selection in node.selections if node else ():
            if isinstance(selection, FieldNode):
                total.add(self.field(selection, parent, paged))
            elif isinstance(selection, InlineFragmentNode):
                inner = self._type(selection.type_condition, parent)
                total.add(self.selection(selection.selection_set, inner, paged))
            elif isinstance(selection, FragmentSpreadNode):
                total.add(self.fragment(selection.name.value, paged))
        return total

    def fragment(self, name: str, paged: bool) -> Measure:
        slot = (name, paged)
        if slot not in self._memo:
            self._memo[slot] = Measure()  # a cycle measures as empty; validation rejects it anyway
            definition = self.fragments.get(name)
            if definition is not None:
                parent = self._type(definition.type_condition, None)
                self._memo[slot] = self.selection(definition.selection_set, parent, paged)
        return self._memo[slot]

    def field(self, node: FieldNode, parent: Any, paged: bool) -> Measure:
        name = node.name.value
        if name == "__typename":  # costs 1 like any field, or a fragment bomb of them would be free
            return Measure(depth=1, aliases=int(node.alias is not None), cost=1)
        definition = self._field_def(parent, name)
        child_type = get_named_type(definition.type) if definition else None
        page = self._page_size(node, definition)
        inner = self.selection(node.selection_set, child_type, page is not None)
        # Introspection touches no database and IDEs nest ``ofType`` deeply: its subtree counts one
        # level of depth, while its cost (lists multiplied) still bounds what it can ask for.
        depth = 1 if name in INTROSPECTION_FIELDS else inner.depth + 1
        result = Measure(depth=depth, aliases=inner.aliases + int(node.alias is not None), cost=1)
        result.introspection = inner.introspection or name in INTROSPECTION_FIELDS
        result.cost += inner.cost * self._multiplier(definition, page, paged)
        return result

    def _multiplier(self, definition: GraphQLField | None, page: int | None, paged: bool) -> int:
        if page is not None:
            return max(page, 1)
        if definition is not None and _is_list(definition.type) and not paged:
            return self.limits.list_cost_factor
        return 1

    def _page_size(self, node: FieldNode, definition: GraphQLField | None) -> int | None:
        """The ``first`` of a paged field (``None`` for a field that takes no ``first``)."""
        if definition is None or "first" not in definition.args:
            return None
        value = self._argument(node, "first", definition)
        if not isinstance(value, int) or isinstance(value, bool):
            return self.limits.max_page_size  # invalid or unknown: validation reports it; assume the worst
        if not 1 <= value <= self.limits.max_page_size:
            self.page_errors.append(graphql_error(
                PageTooLarge(f"first must be between 1 and {self.limits.max_page_size}, got {value}")
            ))
        return value

    def _argument(self, node: FieldNode, name: str, definition: GraphQLField) -> object:
        for argument in node.arguments or ():
            if argument.name.value != name:
                continue
            value = argument.value
            if isinstance(value, IntValueNode):
                return int(value.value)
            if isinstance(value, VariableNode):
                read = self.variables.get(value.name.value)
                self.read[value.name.value] = read
                return read
            return None
        return definition.args[name].default_value

    def _field_def(self, parent: Any, name: str) -> GraphQLField | None:
        if name == "__schema" and parent is self.schema.query_type:
            return SchemaMetaFieldDef
        if name == "__type" and parent is self.schema.query_type:
            return TypeMetaFieldDef
        fields = getattr(parent, "fields", None)
        return fields.get(name) if isinstance(fields, Mapping) else None

    def _type(self, condition: Any, default: Any) -> Any:
        if condition is None:
            return default
        return self.schema.get_type(condition.name.value)


def _is_list(gql_type: Any) -> bool:
    while isinstance(gql_type, GraphQLNonNull):
        gql_type = gql_type.of_type
    return isinstance(gql_type, GraphQLList)


def _root_fields(analyser: Analyser, node: SelectionSetNode, memo: dict[str, int] | None = None) -> int:
    """Root fields of an operation, fragments at the root expanded (each use counts, each fragment
    counted once: memoised like the rest of the analysis)."""
    memo = {} if memo is None else memo
    count = 0
    for selection in node.selections:
        if isinstance(selection, FieldNode):
            count += selection.name.value != "__typename"
        elif isinstance(selection, InlineFragmentNode):
            count += _root_fields(analyser, selection.selection_set, memo)
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            if name not in memo:
                memo[name] = 0  # a cycle counts nothing; validation rejects it
                definition = analyser.fragments.get(name)
                if definition is not None:
                    memo[name] = _root_fields(analyser, definition.selection_set, memo)
            count += memo[name]
    return count


def check_document(
    schema: GraphQLSchema, document: Any, variables: Mapping[str, Any] | None, policy: RequestPolicy
) -> GraphQLError | None:
    """The first limit the document breaks, or ``None``.  Every operation in it is measured."""
    return _analyse(schema, document, variables, policy)[0]


def _analyse(
    schema: GraphQLSchema, document: Any, variables: Mapping[str, Any] | None, policy: RequestPolicy
) -> tuple[GraphQLError | None, dict[str, object]]:
    """The first breach (or None) and the variables the analysis read to find it."""
    limits = policy.limits
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    analyser = Analyser(schema, limits, variables or {}, fragments)
    for operation in (d for d in document.definitions if isinstance(d, OperationDefinitionNode)):
        root = schema.get_root_type(operation.operation)
        measure = analyser.selection(operation.selection_set, root, paged=False)
        error = _first_breach(measure, _root_fields(analyser, operation.selection_set), analyser, policy)
        if error is not None:
            return error, analyser.read
    return None, analyser.read


Passes = dict[Any, Any]
"""What passed the limits for one document: (schema, policy) → (the variables the analysis reads,
the values of them it passed with), in the document's cache entry's derived facts
(``gateway.caches``), where other derivers keep theirs under other keys."""

MAX_PASSES = 64


def check_document_remembered(
    schema: GraphQLSchema, document: Any, variables: Mapping[str, Any] | None, policy: RequestPolicy,
    passes: Passes | None,
) -> GraphQLError | None:
    """``check_document``'s answer, from ``passes`` when the document passed with these values.

    The analysis walks the whole document on every request (~0.1 ms for a page of 50) while its
    verdict depends only on the document, the schema, the policy and the values of the variables
    given to ``first`` arguments; which variables those are depends on the document alone (a
    ``first`` is read wherever it is written).  So a pass is remembered under exactly those, in
    ``passes``: the parse cache's entry of the document (``gateway.caches``), which lives and
    goes with it; None (a document too large to cache) analyses every time.  Only passes are kept
    (an error is made again: it holds nodes of the document), only for int or null values (what a
    passing ``first`` is), at most ``MAX_PASSES`` per document and policy: a caller cycling through
    values cannot grow it."""
    values = variables or {}
    slot = (schema, policy)
    known = passes.get(slot) if passes is not None else None
    if known is not None:
        key = _values_key(known[0], values)
        if key is not None and key in known[1]:
            return None
    error, read = _analyse(schema, document, values, policy)
    if error is None and passes is not None:
        names = tuple(sorted(read))
        key = _values_key(names, values)
        if key is not None:
            remembered = passes.setdefault(slot, (names, set()))[1]
            if len(remembered) >= MAX_PASSES:
                remembered.clear()
            remembered.add(key)
    return error


def _values_key(names: tuple[str, ...], values: Mapping[str, Any]) -> tuple[object, ...] | None:
    """The read variables' values, or None when one is neither an int nor null (not worth
    remembering: it does not pass as a page size; a bool is no int here: ``True == 1`` but it
    measures as an unknown size)."""
    key: list[object] = []
    for name in names:
        value = values.get(name)
        if value is not None and type(value) is not int:
            return None
        key.append(value)
    return tuple(key)


def _first_breach(measure: Measure, roots: int, analyser: Analyser, policy: RequestPolicy) -> GraphQLError | None:
    limits = policy.limits
    if measure.introspection and not policy.introspection:
        return graphql_error(IntrospectionDisabled("Introspection is disabled for unauthenticated callers"))
    if measure.depth > limits.max_depth:
        return graphql_error(QueryTooDeep(f"Query depth {measure.depth} exceeds the limit of {limits.max_depth}"))
    if measure.aliases > limits.max_aliases:
        return graphql_error(
            TooManyAliases(f"Query uses {measure.aliases} aliases; the limit is {limits.max_aliases}")
        )
    if roots > limits.max_root_fields:
        return graphql_error(
            TooManyRootFields(f"Query asks {roots} root fields; the limit is {limits.max_root_fields}")
        )
    if analyser.page_errors:
        return analyser.page_errors[0]
    if measure.cost > limits.max_cost:
        return graphql_error(
            QueryTooCostly(f"Query cost {measure.cost} exceeds the budget of {limits.max_cost}")
        )
    return None
