"""The generator's in-memory world: entities that later rows refer to, kept per province.

Enterprises, persons, registrations and certificates are objects (later steps still change
them: a certificate is revoked, an enterprise enters another province).  Rows that never change
once written (projects, stages, credit records, ...) go straight into ``ProvinceStore.rows`` as
tuples, which keeps memory low at large scales.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone

from demo_data.codes import Identifiers
from demo_data.geography import Area, Geography, geography
from demo_data.names import NameBook
from domain.provinces import ProvinceInfo
from sources.tables import Row

CHINA_TZ = timezone(timedelta(hours=8))
Tenure = tuple[date, date | None]

# Tables written as rows directly (the others are rendered from entities at the end).
ROW_TABLES = (
    "project", "project_stage", "project_party", "key_personnel", "performance", "credit_record",
    "blacklist_entry",
)


@dataclass(eq=False, slots=True)
class Person:
    """A natural person; ``home`` is the province holding the full row (their registrations)."""

    key: str
    id_type: str
    id_number: str
    name: str
    gender: str
    birth: date
    home: str
    managing: list[Tenure] = field(default_factory=list)  # 项目负责人 tenures, any province
    supervising: list[Tenure] = field(default_factory=list)  # 总监理工程师 tenures


@dataclass(eq=False, slots=True)
class Enterprise:
    """An enterprise as its registering province knows it."""

    uscc: str
    valid: bool
    name: str
    legal_rep: str
    division: str
    address: str
    registration_type: str
    kind: str
    home: str
    founded: date
    area: Area | None = None
    safety_licence: str | None = None
    registrations: list[Registration] = field(default_factory=list)
    staff: list[Person] = field(default_factory=list)  # unregistered: 技术负责人, 安全员


@dataclass(eq=False, slots=True)
class Registration:
    """A registration of a person with an employer, held by the registering province."""

    number: str
    person: Person
    category: str
    specialty: str | None
    employer: Enterprise
    registered_on: date
    valid_until: date
    status: str
    province: str


@dataclass(eq=False, slots=True)
class Certificate:
    """A qualification certificate with its items (code, sequence, category, grade)."""

    number: str
    enterprise: Enterprise
    authority: str
    issued_on: date
    valid_until: date
    status: str
    changed_on: date | None
    items: list[tuple[str, str, str, str]]


@dataclass(eq=False, slots=True)
class Listing:
    """An enterprise row of one province: its own copy of name and legal representative."""

    enterprise: Enterprise
    name: str
    legal_rep: str
    entered_on: date | None


@dataclass(eq=False)
class ProvinceStore:
    """Everything one provincial database will hold."""

    spec: ProvinceInfo
    geo: Geography
    listings: dict[str, Listing] = field(default_factory=dict)
    persons: dict[str, Person] = field(default_factory=dict)
    registrations: list[Registration] = field(default_factory=list)
    certificates: list[Certificate] = field(default_factory=list)
    rows: dict[str, list[Row]] = field(default_factory=lambda: {t: [] for t in ROW_TABLES})
    # Random data picks partners from these pools only, never from the planted subjects.
    pools: dict[str, list[Enterprise]] = field(default_factory=dict)

    @property
    def code(self) -> str:
        return self.spec.code

    def pool(self, kind: str) -> list[Enterprise]:
        return self.pools.setdefault(kind, [])


class World:
    """All provinces, the shared identifier and name registries, and cross-province facts."""

    def __init__(self, specs: tuple[ProvinceInfo, ...], anchor: date, secret: bytes) -> None:
        self.specs = specs
        self.anchor = anchor
        self.secret = secret
        self.stores = {spec.code: ProvinceStore(spec, geography(spec)) for spec in specs}
        self.ids = Identifiers()
        self.names = NameBook()
        # The latest filing date any enterprise took part in, in any province: later
        # qualification changes are placed after it so random data never files after a revocation.
        self.last_activity: dict[str, date] = {}
        self._row_ids: dict[str, int] = {}
        # Recognition decisions (recognising, origin, local code, decided by, basis, from, to).
        self.recognitions: list[tuple[str, str, str, str, str, date, date | None]] = []

    def store(self, code: str) -> ProvinceStore:
        return self.stores[code]

    def next_id(self, table: str) -> int:
        """Identity values for key_personnel and performance, assigned here for determinism."""
        value = self._row_ids.get(table, 0) + 1
        self._row_ids[table] = value
        return value

    def list_enterprise(self, ent: Enterprise, province: str, entered_on: date | None = None) -> Listing:
        """The enterprise's row in one province (its registration there, or 入省备案)."""
        store = self.stores[province]
        listing = store.listings.get(ent.uscc)
        if listing is None:
            listing = Listing(ent, ent.name, ent.legal_rep, None if province == ent.home else entered_on)
            store.listings[ent.uscc] = listing
        return listing

    def hold_person(self, person: Person, province: str) -> None:
        """Give a province the person's full row (the province of their registrations)."""
        self.stores[province].persons.setdefault(person.key, person)

    def add_registration(self, reg: Registration) -> None:
        self.hold_person(reg.person, reg.province)
        self.stores[reg.province].registrations.append(reg)
        reg.employer.registrations.append(reg)

    def touch(self, uscc: str, on: date) -> None:
        """Remember that an enterprise took part in a filing on ``on``."""
        if on > self.last_activity.get(uscc, date.min):
            self.last_activity[uscc] = on


def stamp(day: date, hour: int = 9, minute: int = 0) -> datetime:
    """A timestamp in China time on a given day (deterministic, unlike now())."""
    return datetime.combine(day, time(hour, minute), tzinfo=CHINA_TZ)


def add_years(day: date, years: int) -> date:
    """The same calendar day ``years`` later (28 Feb for 29 Feb)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, clamped to the month's end."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise AssertionError("unreachable")  # pragma: no cover
