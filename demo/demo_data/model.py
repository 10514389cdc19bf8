"""The seed's public data shapes: which provinces to generate, and the generated data set.

Rows are plain tuples in the column order of the migrations (``EXCHANGE_COLUMNS`` and
``CENTRAL_COLUMNS`` name those columns), so the loader can hand them to
``copy_records_to_table`` unchanged and a test can compare two data sets with ``==``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from domain.provinces import ProvinceInfo
from sources.tables import EXCHANGE_COLUMNS, Row


@dataclass
class Dataset:
    """A generated data set: exchange rows per province, central rows, and the showcase cases."""

    provinces: tuple[ProvinceInfo, ...]
    anchor: date
    province_rows: dict[str, dict[str, list[Row]]] = field(default_factory=dict)
    central_rows: dict[str, list[Row]] = field(default_factory=dict)
    showcase: list[dict[str, Any]] = field(default_factory=list)

    def rows(self, province: str, table: str) -> list[Row]:
        """The rows of one exchange table of one province (empty when there are none)."""
        return self.province_rows.get(province, {}).get(table, [])

    def counts(self, province: str) -> dict[str, int]:
        """Row count per exchange table of one province, in load order."""
        return {table: len(self.rows(province, table)) for table in EXCHANGE_COLUMNS}

    def case(self, case_id: str) -> dict[str, Any]:
        """One showcase case by its id; KeyError when the data set has no such case."""
        for case in self.showcase:
            if case["case"] == case_id:
                return case
        raise KeyError(case_id)
