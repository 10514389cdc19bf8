"""A province taking part in the Delta: its GB/T 2260 code, short name and display name.

The one home of the province-code rule: a province-level division code is six digits, the first
not zero, the last four zero (``320000``); every layer checks codes with :func:`is_province_code`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

PROVINCE_CODE = re.compile(r"[1-9]\d0000")


def is_province_code(code: object) -> bool:
    """Whether ``code`` is a province-level division code such as ``320000``."""
    return isinstance(code, str) and PROVINCE_CODE.fullmatch(code) is not None


@dataclass(frozen=True)
class ProvinceInfo:
    """A province: division code ('320000'), one-character short name ('苏'), display name ('江苏省')."""

    code: str
    short_name: str
    name: str

    def __post_init__(self) -> None:
        if not is_province_code(self.code):
            raise ValueError(f"province code must be a province-level division code like 320000, got {self.code!r}")
        if not self.short_name or not self.name:
            raise ValueError(f"province {self.code}: short_name and name must not be empty")

    @property
    def prefix(self) -> str:
        """The two leading digits every division code of this province starts with."""
        return self.code[:2]
