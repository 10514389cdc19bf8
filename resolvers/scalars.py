"""Custom scalars: identifiers are checked on input and a bad value is rejected with the check
that failed (the message comes from ``domain.identifiers``)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import NewType

import strawberry

from domain.errors import BadUserInput
from domain.identifiers import ID_TYPES, IdentifierError, uscc_check_failure, uscc_form


class LegacyUscc(str):
    """A well-formed USCC that fails a check: accepted for lookups and reads (legacy data holds
    such codes), with the failed check kept so the answer can name it; writes refuse it."""

    failed_check: str

    def __new__(cls, code: str, failed_check: str) -> LegacyUscc:
        value = super().__new__(cls, code)
        value.failed_check = failed_check
        return value


def _parse_uscc(value: object) -> str:
    if not isinstance(value, str):
        raise IdentifierError("USCC must be a string")
    code = uscc_form(value)
    failure = uscc_check_failure(code)
    return code if failure is None else LegacyUscc(code, failure)


def legacy_warning(argument: str, value: object) -> str | None:
    """The warning to give when a looked-up USCC fails its checks (None when it passes)."""
    if isinstance(value, LegacyUscc):
        return f"{argument}: {value} is accepted for lookup but fails its checks: {value.failed_check}"
    return None


def _parse_id_type(value: object) -> str:
    if not isinstance(value, str) or value not in ID_TYPES:
        raise IdentifierError(f"ID type must be one of: {', '.join(ID_TYPES)}")
    return value


def _output_only(value: object) -> object:
    raise BadUserInput("RowSnapshot is an output type; it cannot be sent")


USCC = NewType("USCC", str)
IdType = NewType("IdType", str)
RowSnapshot = NewType("RowSnapshot", object)

_USCC_SCALAR = strawberry.scalar(
    name="USCC",
    description=(
        "统一社会信用代码（GB 32100-2015，18位，含校验位）。"
        " Unified social credit code (GB 32100-2015): 18 characters of its charset. A code that fails its"
        " check characters (legacy data) is accepted for lookups and named in `extensions.warnings`."
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

_ROW_SNAPSHOT_SCALAR = strawberry.scalar(
    name="RowSnapshot",
    description=(
        "某一时刻的整行记录（JSON 对象，列名为键）。"
        " A database row at one moment, as a JSON object keyed by column name (output only)."
    ),
    serialize=lambda value: value,
    parse_value=_output_only,
)

# Registered with the schema (StrawberryConfig.scalar_map), strawberry's recommended way.
SCALAR_MAP: dict[object, object] = {USCC: _USCC_SCALAR, IdType: _ID_TYPE_SCALAR, RowSnapshot: _ROW_SNAPSHOT_SCALAR}


# The dates a client may send.  Rules count back from a date (a 12-month window, a default period
# start a year before `to`), so the year 1 would overflow Python's calendar deep inside a rule; the
# credit system's records start in the 20th century, so nothing before it can mean anything.
DATE_INPUT_MIN = date(1900, 1, 1)
DATE_INPUT_MAX = date.max


def _parse_date(value: object) -> date:
    if not isinstance(value, str):
        raise ValueError("Date must be a string in ISO format YYYY-MM-DD")
    try:
        parsed = date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"Date must be in ISO format YYYY-MM-DD, got {value!r}") from None
    if parsed < DATE_INPUT_MIN:
        raise ValueError(f"Date must be between {DATE_INPUT_MIN} and {DATE_INPUT_MAX}, got {value!r}")
    return parsed


def _parse_decimal(value: object) -> Decimal:
    try:
        return Decimal(str(value))
    except ArithmeticError:
        raise ValueError(f"Decimal expected, got {value!r}") from None


SCALAR_MAP[date] = strawberry.scalar(
    name="Date",
    description=(
        "日期，ISO 8601 格式 YYYY-MM-DD；输入限 1900-01-01 至 9999-12-31。"
        " A calendar date, ISO 8601 (YYYY-MM-DD); as input, between 1900-01-01 and 9999-12-31."
    ),
    serialize=date.isoformat,
    parse_value=_parse_date,
)
def _parse_datetime(value: object) -> datetime:
    if not isinstance(value, str):
        raise ValueError("DateTime must be a string in ISO 8601 format")
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"DateTime must be in ISO 8601 format, got {value!r}") from None


SCALAR_MAP[datetime] = strawberry.scalar(
    name="DateTime",
    description="时间点，ISO 8601 格式，带时区。 An instant, ISO 8601 with its UTC offset.",
    serialize=datetime.isoformat,
    parse_value=_parse_datetime,
)
SCALAR_MAP[Decimal] = strawberry.scalar(
    name="Decimal",
    description="精确十进制数（字符串形式）。 An exact decimal number, serialised as a string.",
    serialize=str,
    parse_value=_parse_decimal,
)
