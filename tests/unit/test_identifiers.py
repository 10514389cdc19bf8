"""GB 32100 (USCC) and GB 11643 (resident ID) checks, and ID masking."""

from __future__ import annotations

import pytest

from domain.identifiers import (
    IdentifierError,
    mask_id_number,
    normalise_id_number,
    org_code_check_char,
    uscc_check_char,
    validate_resident_id,
    validate_uscc,
)

REAL_USCC = "91350100M000100Y43"


def test_standard_resident_id_example_is_valid() -> None:
    assert validate_resident_id("11010519491231002x") == "11010519491231002X"


@pytest.mark.parametrize(
    ("value", "check"),
    [
        ("11010519491231002", "18 characters"),
        ("110105194912310021", "check character"),
        ("110105194913310029", "birth date"),
        ("11010519491231A02X", "17 digits"),
    ],
)
def test_resident_id_failures_name_the_check(value: str, check: str) -> None:
    with pytest.raises(IdentifierError, match=check):
        validate_resident_id(value)


def test_real_uscc_passes_both_checks() -> None:
    assert validate_uscc(REAL_USCC.lower()) == REAL_USCC


@pytest.mark.parametrize(
    ("value", "check"),
    [
        ("91350100M000100Y4", "18 characters"),
        ("91350100M000100Y4O", "charset"),
        ("91350100M000100Y44", "check character"),
        ("91350100M000100A43", "organisation code"),
        ("91AB0100M000100Y43", "division code"),
    ],
)
def test_uscc_failures_name_the_check(value: str, check: str) -> None:
    with pytest.raises(IdentifierError, match=check):
        validate_uscc(value)


def test_generated_uscc_round_trips() -> None:
    body = "MA1234567"[:8]
    first17 = "91320100" + body + org_code_check_char(body)
    assert validate_uscc(first17 + uscc_check_char(first17)).startswith("9132")


def test_masking_keeps_at_most_first_six_and_last_four() -> None:
    assert mask_id_number("11010519491231002X") == "110105********002X"
    assert "E1234" not in mask_id_number("E12345678")


def test_other_id_types_need_only_a_value() -> None:
    assert normalise_id_number("护照", " e1234567 ") == "E1234567"
    with pytest.raises(IdentifierError, match="unknown ID type"):
        normalise_id_number("驾驶证", "123")


def test_unconfigured_provinces_have_names() -> None:
    from domain.divisions import PROVINCES, province_names

    assert province_names("110000") == ("北京市", "京")
    assert province_names("999999") is None
    assert len(PROVINCES) == 34 and all(code.endswith("0000") for code in PROVINCES)
