"""Custom scalars: identifiers are checked on input and a bad value is rejected with the check
that failed (the message comes from ``domain.identifiers``)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import NewType

import strawberry

from domain.identifiers import ID_TYPES, IdentifierError, validate_uscc


def _parse_uscc(value: object) -> str:
    if not isinstance(value, str):
        raise IdentifierError("USCC must be a string")
    return validate_uscc(value)


def _parse_id_type(value: object) -> str:
    if not isinstance(value, str) or value not in ID_TYPES:
        raise IdentifierError(f"ID type must be one of: {', '.join(ID_TYPES)}")
    return value


USCC = NewType("USCC", str)
IdType = NewType("IdType", str)

_USCC_SCALAR = strawberry.scalar(
    name="USCC",
    description=(
        "统一社会信用代码（GB 32100-2015，18位，含校验位）。"
        " Unified social credit code (GB 32100-2015): 18 characters; input is checked (charset,"
        " embedded organisation-code check, check character)."
    ),
    serialize=str,
    parse_value=_parse_uscc,
)

_ID_TYPE_SCALAR = strawberry.scalar(
    name="IdType",
    description=(
        "证件类型：居民身份证、护照、军官证、港澳居民来往内地通行证、台湾居民来往大陆通行证。"
        " Identity document type, one of the five Chinese names listed."
    ),
    serialize=str,
    parse_value=_parse_id_type,
)

# Registered with the schema (StrawberryConfig.scalar_map), strawberry's recommended way.
SCALAR_MAP: dict[object, object] = {USCC: _USCC_SCALAR, IdType: _ID_TYPE_SCALAR}


def _parse_date(value: object) -> date:
    if not isinstance(value, str):
        raise ValueError("Date must be a string in ISO format YYYY-MM-DD")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"Date must be in ISO format YYYY-MM-DD, got {value!r}") from None


def _parse_decimal(value: object) -> Decimal:
    try:
        return Decimal(str(value))
    except ArithmeticError:
        raise ValueError(f"Decimal expected, got {value!r}") from None


SCALAR_MAP[date] = strawberry.scalar(
    name="Date",
    description="日期，ISO 8601 格式 YYYY-MM-DD。 A calendar date, ISO 8601 (YYYY-MM-DD).",
    serialize=date.isoformat,
    parse_value=_parse_date,
)
SCALAR_MAP[Decimal] = strawberry.scalar(
    name="Decimal",
    description="精确十进制数（字符串形式）。 An exact decimal number, serialised as a string.",
    serialize=str,
    parse_value=_parse_decimal,
)
