"""The export tests read in small pages (7 rows a province) so that the test data, a few hundred
rows a province, crosses many page boundaries of every province; the served-process test keeps
the default."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from gateway.export import endpoint

SMALL_PAGE_ROWS = 7


@pytest.fixture(autouse=True)
def small_pages(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(endpoint, "PAGE_ROWS", SMALL_PAGE_ROWS)
    yield
