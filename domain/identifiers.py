"""Identifier checks of DOMAIN §3: USCC (GB 32100-2015) and resident ID (GB 11643-1999).

One home for these rules: the GraphQL scalars validate input with them, the seed generator makes
valid codes with them, and the sources never need them.  Each check raises
:class:`IdentifierError` whose message names the check that failed, so a client learns exactly
what is wrong with the value it sent.
"""

from __future__ import annotations

import re
from datetime import date

from domain.errors import BadUserInput

USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = [pow(3, i, 31) for i in range(17)]
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_ID_WEIGHTS = [pow(2, 17 - i, 11) for i in range(17)]
_ID_CHECK = "10X98765432"
_ORG_BODY = re.compile(r"^[0-9A-Z]{8}$")

ID_TYPES = ("居民身份证", "护照", "军官证", "港澳居民来往内地通行证", "台湾居民来往大陆通行证")
RESIDENT_ID = "居民身份证"


class IdentifierError(BadUserInput, ValueError):
    """A code failed one of its checks; the message says which one (the caller's error:
    ``BAD_USER_INPUT`` in the error tree, and a ``ValueError`` for code that parses values)."""


def uscc_check_char(first17: str) -> str:
    """The 18th character of a USCC whose first 17 characters are given."""
    total = sum(USCC_CHARSET.index(ch) * w for ch, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return USCC_CHARSET[(31 - total % 31) % 31]


def org_code_check_char(body8: str) -> str:
    """The check character of a GB 11714 organisation code (positions 9-17 of a USCC)."""
    total = sum(int(ch, 36) * w for ch, w in zip(body8, _ORG_WEIGHTS, strict=True))
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def validate_uscc(value: str) -> str:
    """Return the USCC in canonical (upper-case) form or raise with the failed check named."""
    code = uscc_form(value)
    failure = uscc_check_failure(code)
    if failure is not None:
        raise IdentifierError(failure)
    return code


def uscc_form(value: str) -> str:
    """A well-formed USCC (18 characters of the GB 32100 charset, digits at 3-8) in canonical form,
    its check characters not judged: legacy data holds such codes and they must stay findable."""
    code = value.strip().upper()
    if len(code) != 18:
        raise IdentifierError(f"USCC must have 18 characters, got {len(code)}")
    bad = sorted({ch for ch in code if ch not in USCC_CHARSET})
    if bad:
        raise IdentifierError(
            f"USCC contains characters outside GB 32100 charset (no I, O, S, V, Z): {''.join(bad)}"
        )
    if not code[2:8].isdigit():
        raise IdentifierError("USCC positions 3-8 must be the 6-digit division code of the registering authority")
    return code


def uscc_check_failure(code: str) -> str | None:
    """Which check a well-formed USCC fails (embedded organisation code, then check character), or None."""
    org_body, org_check = code[8:16], code[16]
    if _ORG_BODY.match(org_body) and org_code_check_char(org_body) != org_check:
        return (
            f"USCC embedded organisation code check failed (position 17 should be "
            f"{org_code_check_char(org_body)}, got {org_check})"
        )
    expected = uscc_check_char(code[:17])
    if code[17] != expected:
        return f"USCC check character failed (position 18 should be {expected}, got {code[17]})"
    return None


def uscc_division(code: str) -> str:
    """The 6-digit division code of the registering authority (positions 3-8)."""
    return code[2:8]


def province_of_division(division: str) -> str:
    """The province-level division code (first two digits + 0000) of any division code."""
    return division[:2] + "0000"


def id_check_char(first17: str) -> str:
    """The 18th character of a GB 11643 resident ID number."""
    total = sum(int(ch) * w for ch, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def validate_resident_id(value: str) -> str:
    """Return the ID number normalised (upper-case X) or raise with the failed check named."""
    number = value.strip().upper()
    if len(number) != 18:
        raise IdentifierError(f"resident ID number must have 18 characters, got {len(number)}")
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise IdentifierError("resident ID number must be 17 digits followed by a digit or X")
    try:
        date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise IdentifierError(f"resident ID birth date {number[6:14]} is not a valid date") from None
    expected = id_check_char(number[:17])
    if number[17] != expected:
        raise IdentifierError(
            f"resident ID check character failed (position 18 should be {expected}, got {number[17]})"
        )
    return number


def normalise_id_number(id_type: str, id_number: str) -> str:
    """Validate and normalise an ID number of the given type (only resident IDs have a checksum)."""
    if id_type not in ID_TYPES:
        raise IdentifierError(f"unknown ID type {id_type!r}; expected one of: {', '.join(ID_TYPES)}")
    if id_type == RESIDENT_ID:
        return validate_resident_id(id_number)
    number = id_number.strip().upper()
    if not number:
        raise IdentifierError("ID number must not be empty")
    return number


def mask_id_number(id_number: str) -> str:
    """Mask an ID number as DOMAIN §6 requires: keep at most the first 6 and the last 4."""
    if len(id_number) <= 10:
        keep = max(1, len(id_number) // 4)
        return id_number[:keep] + "*" * (len(id_number) - 2 * keep) + id_number[-keep:]
    return id_number[:6] + "*" * (len(id_number) - 10) + id_number[-4:]

