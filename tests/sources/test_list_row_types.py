"""The named row types of migration ``province/008_list_row_types.sql`` are their ``ChildList`` s'
columns: the same names in the same order (a row is decoded by position), the types of the tables
the columns come from, in every province."""

from __future__ import annotations

import re

import asyncpg
import pytest

from sources import province_queries as q
from tests.conftest import Stack

CHILD_LISTS = [
    *q.ENTERPRISE_LISTS.values(), q.CREDIT_RECORDS_OF_PERSON, q.BLACKLIST_OF_PERSON,
]
ATTRIBUTES = """SELECT a.attname, format_type(a.atttypid, a.atttypmod) AS type
                  FROM pg_attribute a JOIN pg_type t ON t.typrelid = a.attrelid
                 WHERE t.oid = $1::regtype AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum"""


def _columns(columns: str) -> list[str]:
    """The columns of a ``ChildList`` as written (``c.uscc``), split at the commas outside
    parentheses (the certificate's items are one expression)."""
    parts, depth, current = [], 0, ""
    for char in columns:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "," and depth == 0:
            parts.append(current.strip())
            current = ""
        else:
            current += char
    parts.append(current.strip())
    return parts


def _table_of(child: q.ChildList, column: str) -> str:
    aliases = dict(re.findall(r"exchange\.(\w+)\s+(\w+)", child.source))
    tables = {alias: table for table, alias in aliases.items()} or {"": child.source.removeprefix("exchange.")}
    prefix = re.match(r"^(\w+)\.", column)
    return tables[prefix.group(1)] if prefix else next(iter(tables.values()))


@pytest.mark.parametrize("child", CHILD_LISTS, ids=lambda c: c.query.name)
async def test_each_row_type_is_its_lists_columns(stack: Stack, child: q.ChildList) -> None:
    written = _columns(child.columns)
    names = [re.sub(r"^\w+\.", "", column) for column in written]  # an alias prefix (c.) dropped
    for province in stack.settings.provinces:
        conn = await asyncpg.connect(province.source.dsn)
        try:
            attributes = await conn.fetch(ATTRIBUTES, child.row_type)
            assert len(attributes) == len(names), (child.row_type, [a["attname"] for a in attributes], names)
            for attribute, name, column in zip(attributes, names, written, strict=True):
                if name.startswith("ARRAY("):  # the certificate's items: an array of the item row type
                    assert attribute["type"] == "exchange.gateway_qualification_item_row[]", attribute
                    continue
                assert attribute["attname"] == name, (child.row_type, attribute["attname"], name)
                table = _table_of(child, column)
                column_type = await conn.fetchval(
                    "SELECT format_type(atttypid, atttypmod) FROM pg_attribute"
                    " WHERE attrelid = $1::regclass AND attname = $2", f"exchange.{table}", name)
                assert attribute["type"] == column_type, (child.row_type, name, attribute["type"], column_type)
        finally:
            await conn.close()
