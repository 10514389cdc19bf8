"""The export's query parameters, checked by the GraphQL schema itself, and its format.

A filter parameter is validated and coerced by the schema's own input types and scalars
(``USCC``, ``Date``, ``Polarity``…, graphql-core's ``validate_input_value``), so the export
refuses exactly what the GraphQL lists refuse, with the same messages, and a legacy USCC is
accepted for lookup with the same warning.  For credit records and enterprises the parameters
*are* the fields of ``CreditRecordFilter`` / ``EnterpriseFilter``: a field added there becomes a
parameter here (its push-down still needs a line in ``gateway.export.kinds``).

Lists are given as repeated parameters or comma-separated (``provinces=310000,320000``);
booleans as ``true``/``false``.  An unknown parameter, a scalar given twice or text no database
can hold is refused too: every refusal is ``BAD_USER_INPUT``, answered before any row.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from graphql import (
    GraphQLBoolean,
    GraphQLError,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    get_named_type,
    get_nullable_type,
)
from graphql.utilities import coerce_input_value
from graphql.utilities.validate_input_value import validate_input_value
from starlette.datastructures import QueryParams
from strawberry.types.arguments import convert_argument

from domain.errors import BadRequest, BadUserInput
from gateway.admission import media_range
from gateway.request_input import unstorable
from gateway.schema import schema

T = TypeVar("T")

FORMAT, AFTER = "format", "after"
RESERVED = (FORMAT, AFTER)
NDJSON_MEDIA = "application/x-ndjson"
CSV_MEDIA = "text/csv"
FORMATS = {"ndjson": NDJSON_MEDIA, "csv": CSV_MEDIA}
# Media types a client may name in Accept for each format (application/ndjson is the newer name).
_ACCEPTED = {NDJSON_MEDIA: "ndjson", "application/ndjson": "ndjson", CSV_MEDIA: "csv", "*/*": "ndjson",
             "application/*": "ndjson", "text/*": "csv"}


class NotAcceptable(BadRequest):
    """Accept names no format the export can write (answered HTTP 406)."""


def graphql_type(name: str) -> GraphQLInputType:
    """An input type of the gateway's schema by name (``USCC``, ``Boolean``…)."""
    found = schema._schema.get_type(name)
    assert found is not None, f"the schema has no type {name}"
    return found  # type: ignore[return-value]


def list_of(name: str) -> GraphQLInputType:
    """``[name!]``: a list parameter."""
    return GraphQLList(GraphQLNonNull(graphql_type(name)))  # type: ignore[arg-type]


def input_fields(type_name: str) -> dict[str, GraphQLInputType]:
    """The fields of one of the schema's input objects, as parameter name → type."""
    input_type = schema._schema.get_type(type_name)
    assert isinstance(input_type, GraphQLInputObjectType), type_name
    return {name: field.type for name, field in input_type.fields.items()}


@dataclass(frozen=True)
class Given:
    """The filter parameters of one request: the values as sent (for the manifest and the audit
    entry) and as coerced by the schema (what the kinds push down)."""

    sent: dict[str, Any]
    coerced: dict[str, Any]


def read_parameters(params: QueryParams, spec: Mapping[str, GraphQLInputType]) -> Given:
    """Every filter parameter of ``spec`` that the request names, validated; an unknown one refused."""
    unknown = sorted(set(params.keys()) - set(spec) - set(RESERVED))
    if unknown:
        allowed = ", ".join([*spec, *RESERVED])
        raise BadUserInput(f"Unknown parameter {unknown[0]!r}; this export takes: {allowed}")
    sent: dict[str, Any] = {}
    coerced: dict[str, Any] = {}
    for name, type_ in spec.items():
        values = params.getlist(name)
        if values:
            sent[name] = _raw_value(name, values, type_)
            coerced[name] = _coerced(name, sent[name], type_)
    return Given(sent, coerced)


def as_input(given: Given, type_name: str, cls: type[T]) -> T:
    """The strawberry input object (e.g. ``CreditRecordFilter``) the GraphQL list would receive."""
    input_type = schema._schema.get_type(type_name)
    assert isinstance(input_type, GraphQLInputObjectType), type_name
    value = coerce_input_value(given.sent, input_type)  # already validated field by field
    registry = schema.schema_converter.scalar_registry
    return convert_argument(value, cls, registry, schema.config)  # type: ignore[arg-type,return-value]


def _raw_value(name: str, values: Sequence[str], type_: GraphQLInputType) -> Any:
    for value in values:
        what = unstorable(value)
        if what is not None:
            raise BadUserInput(f"Parameter {name} holds {what}, which no database text can hold")
    if isinstance(get_nullable_type(type_), GraphQLList):  # type: ignore[arg-type]
        return [piece.strip() for value in values for piece in value.split(",") if piece.strip()]
    if len(values) > 1:
        raise BadUserInput(f"Parameter {name} is given {len(values)} times; give it once")
    if get_named_type(type_) is GraphQLBoolean and values[0] in ("true", "false"):
        return values[0] == "true"
    return values[0]


def _coerced(name: str, value: Any, type_: GraphQLInputType) -> Any:
    errors: list[str] = []

    def collect(error: GraphQLError, path: list[str | int]) -> None:
        errors.append(error.message)

    validate_input_value(value, type_, collect)
    if errors:
        raise BadUserInput(f"Parameter {name}: {errors[0]}")
    return coerce_input_value(value, type_)


def export_format(params: QueryParams, accept: str | None) -> str:
    """``ndjson`` or ``csv``: ``?format=`` when given (unknown: 400), else the client's most
    preferred acceptable media type (none acceptable: 406), NDJSON without an Accept header."""
    chosen = params.getlist(FORMAT)
    if chosen:
        if len(chosen) > 1 or chosen[0] not in FORMATS:
            raise BadRequest(f"format must be one of: {', '.join(FORMATS)} (got {', '.join(chosen)!s})")
        return chosen[0]
    if accept is None or not accept.strip():
        return "ndjson"
    best: tuple[float, int, str] | None = None
    for rank, entry in enumerate(reversed(accept.split(","))):  # earlier entries win ties
        name, quality = media_range(entry)
        found = _ACCEPTED.get(name)
        if found is not None and quality > 0 and (best is None or (quality, rank) > best[:2]):
            best = (quality, rank, found)
    if best is None:
        raise NotAcceptable(
            f"Accept must allow {NDJSON_MEDIA} or {CSV_MEDIA} (or choose with ?format=ndjson|csv)"
        )
    return best[2]
