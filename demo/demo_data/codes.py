"""Identifier makers: USCCs, ID numbers, registration, certificate, project and permit numbers.

All check characters come from ``domain.identifiers`` so that generated codes pass exactly
the checks the API applies.  ``Identifiers`` keeps every identifier handed out, so planted and
random data never collide, and numbers serial counters per key (deterministic: dict order).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from random import Random

from domain.identifiers import USCC_CHARSET, id_check_char, org_code_check_char, uscc_check_char

# Positions 9-16 (organisation-code body) of post-2015 codes: 'MA' and six charset characters.
_BODY_CHARS = USCC_CHARSET
# Registration-number prefixes by category; `{s}` short name, `{p}` province digits, `{y}` year.
_REGISTRATION_FORMATS = {
    "一级注册建造师": "{s}1{p}{y:04d}{n:06d}",
    "二级注册建造师": "{s}2{p}{y:04d}{n:06d}",
    "注册监理工程师": "{p}{n:06d}",
    "一级注册结构工程师": "S1{p}{yy:02d}{n:05d}",
    "注册造价工程师": "建[造]1{yy:02d}{p}{n:05d}",
}


class Identifiers:
    """Every identifier handed out so far, and serial counters per key."""

    def __init__(self) -> None:
        self._used: set[str] = set()
        self._serials: dict[str, int] = {}

    def unique(self, make: Callable[[], str]) -> str:
        """Call ``make`` until it returns an identifier not handed out before."""
        for _ in range(1000):
            value = make()
            if value not in self._used:
                self._used.add(value)
                return value
        raise RuntimeError("identifier space exhausted")  # pragma: no cover

    def serial(self, key: str) -> int:
        """1, 2, 3, ... per key."""
        value = self._serials.get(key, 0) + 1
        self._serials[key] = value
        return value

    def uscc(self, rng: Random, division: str, founded: date) -> str:
        return self.unique(lambda: make_uscc(rng, division, founded))

    def resident_id(self, rng: Random, area_code: str, birth: date, male: bool) -> str:
        return self.unique(lambda: make_resident_id(rng, area_code, birth, male))

    def registration_number(self, category: str, short_name: str, prefix: str, year: int) -> str:
        serial = self.serial(f"registration:{category}:{prefix}")
        fmt = _REGISTRATION_FORMATS[category]
        return self.unique(lambda: fmt.format(s=short_name, p=prefix, y=year, yy=year % 100, n=serial))

    def certificate_number(self, letter: str, level: int, prefix: str) -> str:
        """E.g. D232012345: sequence letter, issuing level (1 部, 2 省, 3 市), province, serial."""
        serial = self.serial(f"certificate:{letter}:{prefix}")
        return self.unique(lambda: f"{letter}{level}{prefix}{serial:06d}")

    def project_number(self, county: str, filed_on: date) -> str:
        """16 digits: county code + yymmdd of the registration (报建) + 4-digit serial."""
        serial = self.serial(f"project:{county}:{filed_on:%y%m%d}")
        return self.unique(lambda: f"{county}{filed_on:%y%m%d}{serial:04d}")

    def permit_number(self, region: str, filed_on: date, category: int) -> str:
        """18 digits: region + yyyymmdd + 2-digit daily sequence + 2-digit category.

        A region issues at most 99 permits a day; a busier day (only at very large scales) moves
        the number to the next day with room, the date part being the issuing date.
        """
        day = filed_on
        while (seq := self.serial(f"permit:{region}:{day:%Y%m%d}")) > 99:
            day += timedelta(days=1)
        return self.unique(lambda: f"{region}{day:%Y%m%d}{seq:02d}{category:02d}")

    def investment_code(self, year: int, region: str, industry: str) -> str:
        """GB/T 40058-2021 shape ``YYYY-RRRRRR-DD-TT-NNNNNC``; the check digit rule is assumed."""
        serial = self.serial(f"investment:{year}:{region}")
        body = f"{serial:05d}"
        check = sum(int(ch) for ch in f"{year}{region}{industry}03{body}") % 10
        return self.unique(lambda: f"{year}-{region}-{industry}-03-{body}{check}")


def make_uscc(rng: Random, division: str, founded: date) -> str:
    """A valid USCC: 9 (market regulation), 1 (enterprise), division, organisation code, check.

    Enterprises founded before the 2015 reform keep their old numeric organisation code; newer
    ones get the ``MA`` codes the reform introduced.
    """
    if founded.year >= 2015:
        body = "MA" + "".join(rng.choice(_BODY_CHARS) for _ in range(6))
    else:
        body = f"{rng.randrange(10**7, 10**8):08d}"
    first17 = "91" + division + body + org_code_check_char(body)
    return first17 + uscc_check_char(first17)


def corrupt_uscc(rng: Random, code: str) -> str:
    """The same code with a wrong check character (the flagged rows of real imports)."""
    wrong = [ch for ch in USCC_CHARSET if ch != code[17]]
    return code[:17] + rng.choice(wrong)


def make_resident_id(rng: Random, area_code: str, birth: date, male: bool) -> str:
    """A valid GB 11643 number: address, birth date, sequence (odd for men), check character."""
    sequence = 2 * rng.randrange(1, 500) + (1 if male else 0)
    first17 = f"{area_code}{birth:%Y%m%d}{sequence:03d}"
    return first17 + id_check_char(first17)


def make_foreign_id(rng: Random, id_type: str) -> str:
    """Passport (E + 8 digits) or Hong Kong/Macao permit (H + 8 digits): no checksum."""
    letter = "H" if id_type == "港澳居民来往内地通行证" else "E"
    return f"{letter}{rng.randrange(10**7, 10**8)}"
