"""GraphQL execution with a fast lane for plain objects: the gateway's execution context.

graphql-core executes every field of every object on its own: resolve info, resolver call, value
completion.  A page of 50 enterprises with their certificates and credit records is ~1,100 such
field executions, most of them reading an attribute of a record that is already in memory.  For an
object whose selected fields are all *plain* (strawberry fields without a resolver, extension or
permission: what ``strawberry.field(description=...)`` on a dataclass attribute makes), this
context completes the whole object from a plan made once per selection: read each attribute,
coerce each leaf as graphql-core would, recurse into plain objects and lists of them.

Semantics stay graphql-core's: a plan is made only when every selected field is plain and the
schema has no field middleware (a tracing extension keeps its per-field view), and whenever a
value would need graphql-core's error handling (null for a non-null field, a leaf that does not
coerce), the object is completed again the general way, which reports the error exactly as before.
``resolvers.selection.GENERAL_ONLY`` turns the fast lane off: the tests compare both.

An object with plain fields beside resolver fields (an enterprise node: its name beside its lists;
a connection edge: its cursor beside its node) gets a mixed plan, shared as plans are: the plain
fields are read first (no side effect, so a value that needs graphql-core still hands the whole
object to the general path), then the other fields run through graphql-core's ``execute_field``
in the selection's order, awaitables gathered as ``execute_fields`` gathers them.

A resolver field of the simple kind (a sync resolver without arguments, whose only extensions are
``DirectiveExtension`` s: an enterprise's lists with their ``@published`` filter) is called directly,
as strawberry's resolver would call it, in a copy of graphql-core's ``execute_field`` without its
argument and middleware steps (its definition looked up once per plan, a list of plain objects
completed by its list plan at once): strawberry's per-call conversion and extension chain cost
~0.4 ms of a page of 50's 6 ms of CPU.  A plain field whose object has a mixed plan (an edge's
node) runs that plan directly, without resolve info or ``complete_value``'s dispatch.

Plans are made once per operation, not per request: a cached document brings back the same node
objects, and the plans made for them are kept beside the operation (``_SharedPlans``).
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterator, Mapping
from typing import Any, NamedTuple

from graphql import (
    DirectiveNode,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    is_leaf_type,
    is_list_type,
    is_non_null_type,
    is_object_type,
    visit,
)
from graphql.execution.executor import to_nodes
from graphql.language import Visitor
from graphql.pyutils import Path, Undefined, gather_with_cancel
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from gateway.plan_code import PlanStep, compile_plan, keeps_str
from resolvers import selection
from resolvers.permissions import DirectiveExtension

Plan = Callable[[Any], dict[str, Any]]
Complete = Callable[[Any], Any]
# (response name, attribute, completion, non-null, field group, run): a plain field without the
# group, a field graphql-core executes with it (through ``run`` when the plan runs it itself).
_MixedStep = tuple[str, str | None, Complete | None, bool, Any, "_FieldRun | None"]
Resolve = Callable[[Any, Any], Any]


class _PlainField(NamedTuple):
    """A plain field: the attribute it reads (None: ``__typename``), how a non-null value is
    completed, whether null is an error, whether the value is a String/ID leaf (see ``plan_code``)."""

    attribute: str | None
    complete: Complete | None
    non_null: bool
    string_leaf: bool


class _Fallback(Exception):
    """A value the fast lane does not complete itself: the general path completes the object (so
    does any other exception on the way, e.g. a leaf's coercion refusing a value: the general path
    raises it again where graphql-core locates it)."""


class PlainObjectsExecutionContext(StrawberryGraphQLCoreExecutionContext):
    """strawberry's execution context with plans for objects made only of plain fields."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # (kind, type, id(field group)) → (the field group, kept alive so that its id is not
        # reused; the plan, read, list completion or mixed plan, or None)
        self._memo: dict[tuple[str, Any, int], tuple[Any, Any]] = {}
        # Plans of earlier requests of the same operation (see ``_SharedPlans``), None: not shared.
        self._shared = _shared_plans(self.operation, self.fragments, self.variable_values)

    def _memoized(self, kind: str, gql_type: Any, details: Any, make: Callable[[Any, Any], Any]) -> Any:
        """This request's ``kind`` of plan for the type and field group: from its memo, else from
        the operation's shared plans, else ``make(gql_type, details)``; None on the general path."""
        key = (kind, gql_type, id(details))
        cached = self._memo.get(key)
        if cached is not None:
            return cached[1]
        made = None if self._general() else self._cached(kind, gql_type, details, lambda: make(gql_type, details))
        self._memo[key] = (details, made)
        return made

    def _cached(self, kind: str, gql_type: Any, details: Any, make: Callable[[], Any]) -> Any:
        """A plan from this request's memo, else from the operation's shared plans, else made."""
        shared = self._shared
        if shared is None or any(d.defer_usage is not None for d in details):
            return make()
        key = (kind, gql_type, tuple(id(d.node) for d in details))
        found = shared.get(key, _MISSING)
        if found is _MISSING:
            found = shared[key] = make()
        return found

    def complete_object_value(
        self, return_type: GraphQLObjectType, field_details_list: Any, info: Any, path: Any, result: Any,
        position_context: Any,
    ) -> Any:
        plan = self._plan(return_type, field_details_list)
        if plan is not None:
            try:
                return plan(result)
            except Exception:  # _Fallback, or a leaf that does not coerce: graphql-core's error, located
                pass
        elif position_context is None:
            mixed = self._mixed_plan(return_type, field_details_list)
            if mixed is not None:
                try:
                    plain = mixed.read(result)
                except Exception:  # as above: nothing has run yet, the general path completes the object
                    pass
                else:
                    return mixed.execute(self, result, path, plain)
        return super().complete_object_value(return_type, field_details_list, info, path, result, position_context)

    def _mixed_plan(self, return_type: GraphQLObjectType, field_details_list: Any) -> _Mixed | None:
        return self._memoized("mixed", return_type, field_details_list, self._make_mixed)

    def _make_mixed(self, return_type: GraphQLObjectType, field_details_list: Any) -> _Mixed | None:
        """An object with plain fields beside others (an enterprise's name beside its lists): its
        plain fields read as a plan does, the others executed by graphql-core, in the same order."""
        if return_type.is_type_of is not None:
            return None
        grouped, defer_usages, _ = self.collect_subfields(return_type, field_details_list)
        if defer_usages:
            return None
        steps: list[_MixedStep] = []
        for response_name, details in grouped.items():
            step = self._step(return_type, details)
            if step is None:
                steps.append((response_name, None, None, False, details, self._field_run(return_type, details)))
            else:
                steps.append((response_name, step.attribute, step.complete, step.non_null, None, None))
        return _Mixed(return_type, steps)

    def _field_run(self, parent_type: GraphQLObjectType, details: Any) -> _FieldRun | None:
        """How a mixed plan runs a field that is not plain without graphql-core's ``execute_field``:
        a simple resolver field called directly (:class:`_DirectField`), or a plain attribute
        whose object has a mixed plan of its own (:class:`_ObjectField`, an edge's node); None:
        graphql-core executes it."""
        if any(d.defer_usage is not None for d in details) or details[0].node.arguments:
            return None
        field_def = self.schema.get_field(parent_type, details[0].node.name.value)
        definition = field_def.extensions.get("strawberry-definition") if field_def is not None else None
        if definition is None or field_def.args:
            return None
        if _plain(definition, field_def.resolve):
            return self._object_field(field_def, definition, details)
        resolve = _direct_resolver(definition, getattr(self.schema, "_strawberry_schema", None))
        if resolve is None:
            return None
        inner = field_def.type.of_type if isinstance(field_def.type, GraphQLNonNull) else field_def.type
        complete_list = self._list_plan(inner, details) if isinstance(inner, GraphQLList) else None
        return _DirectField(field_def, to_nodes(details), resolve, complete_list)

    def _object_field(self, field_def: Any, definition: Any, details: Any) -> _ObjectField | None:
        inner = field_def.type.of_type if isinstance(field_def.type, GraphQLNonNull) else field_def.type
        if not is_object_type(inner) or inner.is_type_of is not None:
            return None
        mixed = self._mixed_plan(inner, details)
        return _ObjectField(definition.python_name, field_def.type, mixed) if mixed is not None else None

    def execute_general(self, parent_type: GraphQLObjectType, source: Any, details: Any, path: Path) -> Any:
        """graphql-core's own ``execute_field``, past this context's shortcuts."""
        return super().execute_field(parent_type, source, details, path, None)

    async def _await_completed(self, completed: Any, return_type: Any, details: Any, path: Path) -> Any:
        try:
            return await completed
        except Exception as raw_error:
            self.handle_field_error(raw_error, return_type, details, path)
            return None

    def complete_list_value(
        self, return_type: GraphQLList, field_details_list: Any, info: Any, path: Any, result: Any,
        position_context: Any,
    ) -> Any:
        # A list of plain objects (a page's credit records): each item by its plan, no per-item
        # completion calls.
        complete = self._list_plan(return_type, field_details_list)
        if complete is not None:
            try:
                return complete(result)
            except Exception:  # _Fallback, or a leaf that does not coerce: graphql-core's error, located
                pass
        return super().complete_list_value(return_type, field_details_list, info, path, result, position_context)

    def _list_plan(self, return_type: GraphQLList, field_details_list: Any) -> Complete | None:
        return self._memoized("list", return_type, field_details_list, self._make_list)

    def _make_list(self, return_type: GraphQLList, field_details_list: Any) -> Complete | None:
        item_type = return_type.of_type
        inner = item_type.of_type if isinstance(item_type, GraphQLNonNull) else item_type
        made = self._completer(return_type, field_details_list) if is_object_type(inner) else None
        return made[0] if made is not None else None

    def execute_field(
        self, parent_type: GraphQLObjectType, source: Any, field_details_list: Any, path: Any, position_context: Any
    ) -> Any:
        # A plain field of an object that also has resolver fields (an enterprise's name beside its
        # lists): its value without resolve info or resolver call.
        read = self._read(parent_type, field_details_list)
        if read is not None:
            try:
                return read(source)
            except Exception:  # _Fallback, or a leaf that does not coerce: graphql-core's error, located
                pass
        return super().execute_field(parent_type, source, field_details_list, path, position_context)

    def _read(self, parent_type: GraphQLObjectType, field_details_list: Any) -> Complete | None:
        return self._memoized("read", parent_type, field_details_list, self._make_read)

    def _make_read(self, parent_type: GraphQLObjectType, details: Any) -> Complete | None:
        step = self._step(parent_type, details)
        if step is None or step.attribute is None or step.complete is None:
            return None
        attribute, complete, non_null = step.attribute, step.complete, step.non_null

        def read(source: Any) -> Any:
            value = getattr(source, attribute)
            if value is None or value is Undefined:
                if non_null:
                    raise _Fallback
                return None
            return complete(value)

        return read

    def _step(self, parent_type: GraphQLObjectType, details: Any) -> _PlainField | None:
        """How a plain field is read and completed (attribute None for ``__typename``); None when
        the field is not plain or its value needs graphql-core."""
        if any(d.defer_usage is not None for d in details):
            return None
        name = details[0].node.name.value
        if name == "__typename":
            return _PlainField(None, None, True, False)
        field_def = self.schema.get_field(parent_type, name)
        definition = field_def.extensions.get("strawberry-definition") if field_def is not None else None
        if definition is None or not _plain(definition, field_def.resolve):
            return None  # a resolver, an extension or a permission: graphql-core runs it
        made = self._completer(field_def.type, details)
        if made is None:
            return None
        leaf = field_def.type.of_type if isinstance(field_def.type, GraphQLNonNull) else field_def.type
        return _PlainField(definition.python_name, made[0], made[1], keeps_str(leaf))

    def _general(self) -> bool:
        # strawberry makes a manager for every request; only one with middlewares wraps the fields.
        middleware = self.middleware_manager is not None and bool(self.middleware_manager.middlewares)
        return selection.GENERAL_ONLY or middleware

    def _plan(self, return_type: GraphQLObjectType, field_details_list: Any) -> Plan | None:
        return self._memoized("plan", return_type, field_details_list, self._make_plan)

    def _make_plan(self, return_type: GraphQLObjectType, field_details_list: Any) -> Plan | None:
        if return_type.is_type_of is not None:
            return None
        grouped, defer_usages, _ = self.collect_subfields(return_type, field_details_list)
        if defer_usages:
            return None
        steps: list[PlanStep] = []
        for response_name, details in grouped.items():
            step = self._step(return_type, details)
            if step is None:
                return None
            steps.append((response_name, *step))
        return compile_plan(return_type.name, steps, _Fallback)

    def _completer(self, field_type: GraphQLOutputType, details: Any) -> tuple[Complete, bool] | None:
        """How to complete a non-null value of ``field_type``, and whether null is an error."""
        non_null = is_non_null_type(field_type)
        inner = field_type.of_type if isinstance(field_type, GraphQLNonNull) else field_type
        if is_leaf_type(inner):
            return _leaf(inner), non_null
        if is_object_type(inner):
            sub = self._plan(inner, details)
            return (sub, non_null) if sub is not None else None
        if is_list_type(inner):
            assert isinstance(inner, GraphQLList)
            item = self._completer(inner.of_type, details)
            if item is None:
                return None
            complete_item, item_non_null = item
            return _list(complete_item, item_non_null), non_null
        return None  # interfaces and unions: graphql-core resolves the runtime type


_GENERAL = object()


class _Mixed:
    """The plan of an object whose selection has fields that are not plain (see ``_make_mixed``).

    ``read`` reads the plain fields (no side effect: a value that needs graphql-core raises before
    any resolver has run, and the general path completes the object); ``execute`` then runs the
    other fields through graphql-core's ``execute_field`` (errors, nulls and awaitables handled as
    ``execute_fields`` handles them) and assembles the answer in the selection's order."""

    def __init__(self, parent_type: GraphQLObjectType, steps: list[_MixedStep]) -> None:
        self.parent_type = parent_type
        self.typename = parent_type.name
        self.steps = steps

    def read(self, source: Any) -> list[Any]:
        values: list[Any] = []
        typename = self.typename
        for _, attribute, complete, non_null, details, _run in self.steps:
            if details is not None:
                values.append(_GENERAL)
            elif attribute is None:
                values.append(typename)
            else:
                value = getattr(source, attribute)
                if value is None or value is Undefined:
                    if non_null:
                        raise _Fallback
                    values.append(None)
                else:
                    values.append(complete(value))  # type: ignore[misc]
        return values

    def execute(self, context: PlainObjectsExecutionContext, source: Any, path: Any, values: list[Any]) -> Any:
        results: dict[str, Any] = {}
        is_awaitable = context.is_awaitable
        awaitable_fields: list[str] = []
        execute_general = context.execute_general
        parent_type, typename = self.parent_type, self.typename
        try:
            for (response_name, _, _, _, details, run), value in zip(self.steps, values, strict=True):
                if value is not _GENERAL:
                    results[response_name] = value
                    continue
                field_path = Path(path, response_name, typename)
                if run is not None:
                    result = run(context, parent_type, source, details, field_path)
                else:
                    result = execute_general(parent_type, source, details, field_path)
                if result is not Undefined:
                    results[response_name] = result
                    if is_awaitable(result):
                        awaitable_fields.append(response_name)
        except Exception:
            if awaitable_fields:
                context.settle_in_background([results[field] for field in awaitable_fields])
            raise
        if not awaitable_fields:
            return results

        async def get_results() -> dict[str, Any]:
            if len(awaitable_fields) == 1:
                field = awaitable_fields[0]
                results[field] = await results[field]
            else:
                awaited = await gather_with_cancel(*(results[field] for field in awaitable_fields))
                results.update(zip(awaitable_fields, awaited, strict=True))
            return results

        return get_results()


class _DirectField:
    """A simple resolver field (see ``PlainObjectsExecutionContext._field_run``) run as graphql-core's
    ``execute_field`` runs a field without arguments or middleware (each step below is one of its
    own), with its definition and nodes looked up once per plan, the resolver called directly, and
    a list of plain objects completed by its list plan without ``complete_value``'s dispatch (a
    value the plan refuses goes through ``complete_value``, which reports it)."""

    __slots__ = ("complete_list", "field_def", "nodes", "resolve", "return_type")

    def __init__(self, field_def: Any, nodes: list[Any], resolve: Resolve, complete_list: Complete | None) -> None:
        self.field_def = field_def
        self.return_type = field_def.type
        self.nodes = nodes
        self.resolve = resolve
        self.complete_list = complete_list

    def __call__(
        self, context: PlainObjectsExecutionContext, parent_type: GraphQLObjectType, source: Any, details: Any,
        path: Path,
    ) -> Any:
        return_type = self.return_type
        info = context.build_resolve_info(self.field_def, self.nodes, parent_type, path)
        try:
            result = self.resolve(source, info)
            if context.is_awaitable(result):
                return context.complete_awaitable_value(return_type, details, info, path, result, None)
            if self.complete_list is not None and result.__class__ is list:
                try:
                    return self.complete_list(result)
                except Exception:  # _Fallback, or a leaf that does not coerce: completed again below
                    pass
            completed = context.complete_value(return_type, details, info, path, result, None)
            if context.is_awaitable(completed):
                return context._await_completed(completed, return_type, details, path)
        except Exception as raw_error:
            context.handle_field_error(raw_error, return_type, details, path)
            return None
        return completed


class _ObjectField:
    """A plain field whose value is an object with a mixed plan (an edge's node): the attribute read
    and the object's plan run, as ``execute_field`` would end up doing through strawberry's attribute
    reader, ``complete_value`` and ``complete_object_value`` (no resolve info: nothing on this path
    reads one).  A null value, or one the plan's reads refuse, goes to ``execute_field`` itself, which
    reports it; an error of the object's fields is handled at this field, as there."""

    __slots__ = ("attribute", "mixed", "return_type")

    def __init__(self, attribute: str, return_type: Any, mixed: _Mixed) -> None:
        self.attribute = attribute
        self.return_type = return_type
        self.mixed = mixed

    def __call__(
        self, context: PlainObjectsExecutionContext, parent_type: GraphQLObjectType, source: Any, details: Any,
        path: Path,
    ) -> Any:
        value = getattr(source, self.attribute)
        if value is None or value is Undefined:
            return context.execute_general(parent_type, source, details, path)
        try:
            plain = self.mixed.read(value)
        except Exception:  # nothing has run yet: the general path completes the field
            return context.execute_general(parent_type, source, details, path)
        try:
            completed = self.mixed.execute(context, value, path, plain)
            if context.is_awaitable(completed):
                return context._await_completed(completed, self.return_type, details, path)
        except Exception as raw_error:
            context.handle_field_error(raw_error, self.return_type, details, path)
            return None
        return completed


_FieldRun = _DirectField | _ObjectField

_DIRECT: dict[Any, Resolve | None] = {}  # by strawberry field definition: made once per field


def _direct_resolver(definition: Any, strawberry_schema: Any) -> Resolve | None:
    """``resolve(source, info)``: what strawberry's resolver does for a simple field (see
    ``PlainObjectsExecutionContext._field_run``): its ``Info`` around graphql-core's, the resolver with
    ``self`` and ``info`` where it asks for them, then each extension's own ``resolve`` in the order
    strawberry chains them (the first listed innermost).  None when strawberry would do more: an
    async resolver, arguments, another kind of extension, exception handlers in the schema."""
    if definition in _DIRECT:
        return _DIRECT[definition]
    made = None
    resolver = definition.base_resolver
    converter = getattr(strawberry_schema, "schema_converter", None)
    simple = (
        resolver is not None and not definition.is_async and not resolver.arguments
        and resolver.parent_parameter is None and resolver.root_parameter is None
        and converter is not None and not getattr(converter, "_exception_handler_specs", True)
        and all(type(e).resolve is DirectiveExtension.resolve
                and type(e).map_arguments is DirectiveExtension.map_arguments for e in definition.extensions)
    )
    if simple:
        function = resolver.wrapped_func
        with_self = resolver.self_parameter is not None
        info_name = resolver.info_parameter.name if resolver.info_parameter is not None else None
        extensions = tuple(definition.extensions)
        info_class = strawberry_schema.config.info_class

        def resolve(source: Any, raw_info: Any) -> Any:
            info = info_class(_raw_info=raw_info, _field=definition)
            value = function(*((source,) if with_self else ()), **({info_name: info} if info_name else {}))
            for extension in extensions:
                value = extension.resolve(_given(value), source, info)
            return value

        made = resolve
    _DIRECT[definition] = made
    return made


def _given(value: Any) -> Callable[..., Any]:
    """An extension's ``next_`` that hands back the value already resolved."""
    return lambda *_args, **_kwargs: value


def _plain(definition: Any, resolve: Any) -> bool:
    """A strawberry field that only reads its attribute: no resolver, no extension (``@sensitive``,
    ``@published``, permissions are extensions), and strawberry's own attribute reader installed
    (it is not when an exception handler may apply)."""
    return bool(definition.is_basic_field) and getattr(resolve, "__name__", "") == "_get_basic_result"


def _leaf(leaf_type: Any) -> Complete:
    coerce = leaf_type.coerce_output_value

    def complete(value: Any) -> Any:
        coerced = coerce(value)
        if coerced is None or coerced is Undefined:
            raise _Fallback  # graphql-core's error for it, from the general path
        return coerced

    return complete


def _list(complete_item: Complete, item_non_null: bool) -> Complete:
    def complete(values: Any) -> list[Any]:
        if isinstance(values, str | bytes | dict) or not hasattr(values, "__iter__"):
            raise _Fallback
        out = []
        for value in values:
            if value is None or value is Undefined:
                if item_non_null:
                    raise _Fallback
                out.append(None)
            else:
                out.append(complete_item(value))
        return out

    return complete


# ---- plans shared by the requests of one operation ----------------------------------------------

_MISSING = object()
_MAX_VARIANTS = 16


class _SharedPlans:
    """The plans made for one operation (a cached document's, so the same node objects come back
    with every request), by the values of the variables its directives read.

    A plan depends only on the object type, the field nodes of the group (their selections and
    the document's fragments) and how ``@skip``/``@include`` evaluate: keyed by the nodes' ids and
    those variables' values, it is the plan the request would make (made per request, it was ~0.3
    ms of a page of 50).  Plans hold nothing of a request; a mixed plan holds the field groups it
    hands to graphql-core (the operation's own nodes; no defer usage, no fragment variables).  An operation with
    ``@defer``/``@stream`` is not shared (a group's deferral depends on where it was collected).
    The store lives as long as the operation node (a weak reference: it goes with the document
    when the parse cache lets it go); at most ``_MAX_VARIANTS`` directive variable combinations."""

    def __init__(self, names: tuple[str, ...]) -> None:
        self.names = names
        self.variants: dict[tuple[Any, ...], dict[Any, Any]] = {}


_STORES: dict[int, tuple[weakref.ref[Any], _SharedPlans | None]] = {}


def _shared_plans(operation: Any, fragments: Mapping[str, Any], variable_values: Any) -> dict[Any, Any] | None:
    if selection.GENERAL_ONLY:
        return None
    key = id(operation)
    entry = _STORES.get(key)
    if entry is None or entry[0]() is not operation:
        names = _directive_variables(operation, fragments)
        store = None if names is None else _SharedPlans(names)

        def forget(ref: weakref.ref[Any], key: int = key) -> None:
            if _STORES.get(key, (None,))[0] is ref:
                del _STORES[key]

        entry = _STORES[key] = (weakref.ref(operation, forget), store)
    store = entry[1]
    if store is None:
        return None
    values = getattr(variable_values, "coerced", variable_values) or {}
    variant = tuple(values.get(name) for name in store.names)
    if not all(value is None or isinstance(value, bool) for value in variant):
        return None
    plans = store.variants.get(variant)
    if plans is None:
        if len(store.variants) >= _MAX_VARIANTS:
            return None
        plans = store.variants[variant] = {}
    return plans


def _directive_variables(operation: Any, fragments: Mapping[str, Any]) -> tuple[str, ...] | None:
    """The variables any directive of the operation or its document's fragments reads; None when
    it defers or streams, or a fragment has variables of its own (graphql-core's experimental
    fragment arguments)."""
    definitions = []
    for fragment in fragments.values():  # graphql-core 3.3: FragmentDetails; older: the definition
        if getattr(fragment, "variable_signatures", None):
            return None
        definitions.append(getattr(fragment, "definition", fragment))
    names: set[str] = set()
    for directive in _directives([operation, *definitions]):
        if directive.name.value in ("defer", "stream"):
            return None
        for argument in directive.arguments or ():
            names.update(_variables_in(argument.value))
    return tuple(sorted(names))


def _directives(nodes: list[Any]) -> Iterator[DirectiveNode]:
    found: list[DirectiveNode] = []

    class Collect(Visitor):
        def enter_directive(self, node: DirectiveNode, *_: Any) -> None:
            found.append(node)

    for node in nodes:
        visit(node, Collect())
    return iter(found)


def _variables_in(value: Any) -> Iterator[str]:
    found: list[str] = []

    class Collect(Visitor):
        def enter_variable(self, node: Any, *_: Any) -> None:
            found.append(node.name.value)

    visit(value, Collect())
    return iter(found)
