"""Cursor encoding and the global credit-record order used to merge province pages."""

from __future__ import annotations

import base64
import json
import random
from datetime import date, timedelta

import pytest

from resolvers import pagination as pg


def test_cursors_round_trip() -> None:
    assert pg.decode_enterprise_cursor(pg.enterprise_cursor("9132X")) == "9132X"
    cursor = pg.credit_cursor(date(2026, 1, 2), "JS-001", "320000")
    assert pg.decode_credit_cursor(cursor) == (date(2026, 1, 2), "JS-001", "320000")


def test_cursors_keep_the_encoding_clients_already_hold() -> None:
    # Cursors handed out before stay valid: the same compact, UTF-8 JSON as json.dumps made them.
    for payload in ({"u": "91320100MA1XYZ1234"}, {"d": "2026-01-02", "n": "沪-0001 \"x\"", "p": "310000"}):
        made = pg.encode("e", payload)
        before = json.dumps({"k": "e", **payload}, separators=(",", ":"), ensure_ascii=False).encode()
        assert base64.urlsafe_b64decode(made) == before
    assert pg.enterprise_cursor("91320100MA1XYZ1234") == "eyJrIjoiZSIsInUiOiI5MTMyMDEwME1BMVhZWjEyMzQifQ=="


@pytest.mark.parametrize("bad", ["", "!!!", pg.enterprise_cursor("x"), "eyJrIjoiYyJ9"])
def test_foreign_or_broken_credit_cursor_is_rejected(bad: str) -> None:
    with pytest.raises(pg.CursorError, match="invalid cursor"):
        pg.decode_credit_cursor(bad)


def test_credit_sort_key_orders_newest_first_then_number_desc_then_province() -> None:
    rng = random.Random(3)
    items = [
        (date(2020, 1, 1) + timedelta(days=rng.randrange(30)), rng.choice(["A", "AB", "B", "A1", "Z"]), p)
        for p in ("310000", "320000") for _ in range(50)
    ]
    ordered = sorted(items, key=lambda i: pg.credit_sort_key(*i))
    expected = sorted(items, key=lambda i: (i[0], i[1].encode(), -int(i[2])), reverse=True)
    assert ordered == expected
