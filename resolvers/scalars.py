"""Custom scalars: identifiers are checked on input and a bad value is rejected with the check
that failed (the message comes from ``sources.rules.identifiers``)."""

from __future__ import annotations

from typing import NewType

import strawberry

from sources.rules.identifiers import ID_TYPES, IdentifierError, validate_uscc


def _parse_uscc(value: object) -> str:
    if not isinstance(value, str):
        raise IdentifierError("USCC must be a string")
    return validate_uscc(value)


def _parse_id_type(value: object) -> str:
    if not isinstance(value, str) or value not in ID_TYPES:
        raise IdentifierError(f"ID type must be one of: {', '.join(ID_TYPES)}")
    return value


USCC = strawberry.scalar(
    NewType("USCC", str),
    name="USCC",
    description=(
        "统一社会信用代码（GB 32100-2015，18位，含校验位）。"
        " Unified social credit code (GB 32100-2015): 18 characters; input is checked (charset,"
        " embedded organisation-code check, check character)."
    ),
    serialize=str,
    parse_value=_parse_uscc,
)

IdType = strawberry.scalar(
    NewType("IdType", str),
    name="IdType",
    description=(
        "证件类型：居民身份证、护照、军官证、港澳居民来往内地通行证、台湾居民来往大陆通行证。"
        " Identity document type, one of the five Chinese names listed."
    ),
    serialize=str,
    parse_value=_parse_id_type,
)
