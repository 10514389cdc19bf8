"""Every protected field carries its rule, visibly, in the schema: a field added later that returns
ID numbers, credit records or blacklist entries without its directive fails here."""

from __future__ import annotations

from graphql import GraphQLObjectType, get_named_type

from gateway.schema import schema

GUARDED_ITEMS = {"CreditRecord", "BlacklistEntry", "CreditRecordConnection"}
# Columns that exist in the exchange schema but must never become a public field.
NEVER_PUBLIC = {"internalNote", "createdBy", "updatedBy", "birthDate"}


def _fields():
    for type_name, gql_type in schema._schema.type_map.items():
        if isinstance(gql_type, GraphQLObjectType) and not type_name.startswith("__"):
            for name, field in gql_type.fields.items():
                yield type_name, name, field


def _directives(type_name: str, field_name: str) -> set[str]:
    definition = schema.get_type_by_name(type_name)
    field = next(f for f in definition.fields if f.graphql_name == field_name or _camel(f.python_name) == field_name)
    return {type(d).__name__ for d in field.directives}


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def test_every_id_number_field_is_sensitive() -> None:
    fields = [(t, n) for t, n, _ in _fields() if n.lower().endswith("idnumber")]
    assert fields, "the schema exposes ID numbers somewhere"
    missing = [f"{t}.{n}" for t, n in fields if "Sensitive" not in _directives(t, n)]
    assert not missing, f"add extensions=[MaskPersonalId(...)] (resolvers.permissions) to: {missing}"


def test_every_field_returning_records_or_blacklist_is_published_only() -> None:
    # An edge's node lives inside a connection field, which carries the rule for the whole page.
    fields = [
        (t, n) for t, n, f in _fields() if get_named_type(f.type).name in GUARDED_ITEMS and not t.endswith("Edge")
    ]
    assert len(fields) >= 5
    missing = [f"{t}.{n}" for t, n in fields if "Published" not in _directives(t, n)]
    assert not missing, f"add extensions=[PublishedOnly()] (resolvers.permissions) to: {missing}"


def test_internal_columns_are_not_fields() -> None:
    exposed = [f"{t}.{n}" for t, n, _ in _fields() if n in NEVER_PUBLIC]
    assert not exposed


def test_directives_are_printed_in_the_sdl() -> None:
    sdl = schema.as_str()
    assert "idNumber: String! @sensitive(category: PERSONAL_ID)" in sdl
    assert "personKey: String! @requires(roles: [REGULATOR, REVIEWER])" in sdl
    assert "@requires(roles: [ADMIN])" in sdl
    assert "creditRecords: [CreditRecord!]! @published" in sdl
