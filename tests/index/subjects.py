"""Fresh subjects for the index tests: valid identifiers nobody else uses."""

from __future__ import annotations

import itertools
from datetime import date

from domain.identifiers import id_check_char, org_code_check_char, uscc_check_char

_serial = itertools.count(1)


def new_uscc(division: str = "320100") -> str:
    """A valid USCC registered at ``division`` (the registering province is in it)."""
    body = f"T{next(_serial):07d}"
    org = body + org_code_check_char(body)
    first17 = f"91{division}{org}"
    return first17 + uscc_check_char(first17)


def new_resident_id(birth: date = date(1980, 5, 17)) -> str:
    first17 = f"320102{birth:%Y%m%d}{next(_serial) % 1000:03d}"
    return first17 + id_check_char(first17)


def enterprise_insert(uscc: str, name: str = "测试建设有限公司") -> tuple[str, tuple]:
    return (
        """INSERT INTO exchange.enterprise (uscc, name, legal_representative, registered_division)
           VALUES ($1, $2, '张三', $3)""",
        (uscc, name, uscc[2:8]),
    )


def blacklist_insert(entry: str, uscc: str, listed_on: date, planned_release: date) -> tuple[str, tuple]:
    return (
        """INSERT INTO exchange.blacklist_entry
               (entry_number, subject_uscc, subject_name, basis, authority, listed_on, planned_release)
           VALUES ($1, $2, '测试建设有限公司', '转包', '测试住建局', $3, $4)""",
        (entry, uscc, listed_on, planned_release),
    )


def bad_record_insert(record: str, uscc: str, publish_from: date, publish_to: date) -> tuple[str, tuple]:
    return (
        """INSERT INTO exchange.credit_record
               (record_number, subject_kind, subject_uscc, subject_name, polarity, behaviour_code, description,
                decision_date, authority, authority_level, publish_from, publish_to, status, created_by)
           VALUES ($1, 'enterprise', $2, '测试建设有限公司', 'bad', 'D1-3-01', '测试记录', $3, '测试住建局', '市',
                   $3, $4, 'published', 'test')""",
        (record, uscc, publish_from, publish_to),
    )


def flat(statement: tuple[str, tuple]) -> tuple:
    """A statement and its arguments as positional arguments for ``execute``."""
    sql, args = statement
    return (sql, *args)
