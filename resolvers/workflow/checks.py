"""What a write must pass before anything is written, each check with a message that names it:
identifiers with their check characters (a legacy USCC is refused for writes, DESIGN §4a), the
behaviour code in the national set or the province's own, dates in order, the window inside the
rules, and the subject known in some province."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any

from domain.errors import BadUserInput, SourceUnavailable
from domain.identifiers import IdentifierError, normalise_id_number, uscc_check_failure
from domain.person_key import person_key
from domain.publication import PUBLISH_WITHIN_DAYS
from resolvers.context import Info
from resolvers.federation import path_of
from resolvers.recognition import NATIONAL_PATTERN, category_of
from resolvers.subjects import load_person
from resolvers.workflow.types import PersonSubjectInput
from sources.errors import SourceError
from sources.workflow_queries import behaviour_code_category

AUTHORITY_LEVELS = ("部", "省", "市", "县")
GOOD_CATEGORY = "G"  # national codes of good behaviour (awards) use category G
_DIVISION = re.compile(r"^[1-9]\d{5}$")
_CLIENT_KEY = re.compile(r"^[\x21-\x7e]{8,128}$")
# Free text a record carries: long enough for a real decision, bounded so a write cannot be a flood.
MAX_TEXT = 4000


def client_key(value: str) -> str:
    if not _CLIENT_KEY.match(value):
        raise BadUserInput("clientKey must be 8 to 128 printable ASCII characters without spaces (a UUID will do)")
    return value


def text(name: str, value: str | None, *, required: bool = False) -> str | None:
    """Trimmed text; empty is refused when required and dropped (null) otherwise."""
    stripped = value.strip() if value is not None else ""
    if not stripped:
        if required:
            raise BadUserInput(f"{name} must not be empty")
        return None
    if len(stripped) > MAX_TEXT:
        raise BadUserInput(f"{name} is longer than {MAX_TEXT} characters")
    return stripped


def authority_level(value: str) -> str:
    if value not in AUTHORITY_LEVELS:
        raise BadUserInput(f"authorityLevel must be one of {', '.join(AUTHORITY_LEVELS)}, not {value!r}")
    return value


def division(name: str, value: str | None) -> str | None:
    if value is not None and not _DIVISION.match(value):
        raise BadUserInput(f"{name} must be a 6-digit division code (GB/T 2260), not {value!r}")
    return value


def fine(value: Decimal | None) -> Decimal | None:
    if value is not None and (not value.is_finite() or value < 0 or value >= Decimal("1e12")):
        raise BadUserInput("fine must be a number of yuan from 0 up to 999,999,999,999.99")
    return value


def not_after_today(name: str, day: date, today: date) -> None:
    if day > today:
        raise BadUserInput(f"{name} {day} is after today ({today}, China's date)")


def decision_order(decision_date: date, penalty_until: date | None) -> None:
    if penalty_until is not None and penalty_until < decision_date:
        raise BadUserInput(f"penaltyUntil {penalty_until} is before decisionDate {decision_date}")


def writable_uscc(value: str) -> str:
    """A USCC for a write: its check characters must hold (lookups accept legacy codes, writes not)."""
    failure = uscc_check_failure(value)
    if failure is not None:
        raise BadUserInput(f"subjectUscc {value}: {failure}; a code that fails its check is refused for writes")
    return value


def publication_lateness(decision_date: date, today: date) -> str | None:
    """A warning when a bad record is published later than the rules ask (within 7 days)."""
    late = (today - decision_date).days
    if late > PUBLISH_WITHIN_DAYS:
        return (f"published {late} days after its decision of {decision_date};"
                f" the rules ask for publication within {PUBLISH_WITHIN_DAYS} days")
    return None


async def known_behaviour_code(info: Info, code: str, province: str) -> str:
    """The code must be in the national set or ``province``'s local set (the central dictionary)."""
    code = code.strip()
    try:
        category = await behaviour_code_category(info.context.sources.central, code, province)
    except SourceError as exc:
        raise SourceUnavailable(
            exc.source, "cannot check the behaviour code: the central store did not answer; nothing was written"
        ) from None
    if category is None:
        raise BadUserInput(f"behaviourCode {code!r} is in neither the national set nor the local set of {province}")
    return code


def polarity_matches(code: str, polarity: str) -> None:
    """A national code's category says its polarity (G: good behaviour; 1–5: bad)."""
    if not NATIONAL_PATTERN.match(code):
        return  # a local code's polarity is the province's to say
    good_code = category_of(code) == GOOD_CATEGORY
    if good_code != (polarity == "good"):
        kind = "good" if good_code else "bad"
        raise BadUserInput(f"behaviourCode {code} is a {kind}-behaviour code; polarity {polarity} does not match it")


async def subject(
    info: Info, uscc: str | None, person: PersonSubjectInput | None
) -> dict[str, Any]:
    """Exactly one subject, checked and known in some configured province: its columns and name."""
    if (uscc is None) == (person is None):
        raise BadUserInput("give exactly one subject: subjectUscc or subjectPerson")
    if uscc is not None:
        return await _enterprise_subject(info, writable_uscc(uscc))
    assert person is not None
    return await _person_subject(info, person)


async def _enterprise_subject(info: Info, uscc: str) -> dict[str, Any]:
    ctx = info.context
    found = await ctx.lookup.enterprise(ctx, path_of(info), uscc)
    if found is None:
        _unknown("enterprise", uscc, info)
    assert found is not None
    return {"subject_kind": "enterprise", "subject_uscc": uscc, "subject_person_key": None, "subject_name": found.name}


async def _person_subject(info: Info, person: PersonSubjectInput) -> dict[str, Any]:
    ctx = info.context
    try:
        number = normalise_id_number(person.id_type, person.id_number)
    except IdentifierError as exc:
        raise BadUserInput(f"subjectPerson.idNumber: {exc}") from None
    key = person_key(ctx.person_key_secret, person.id_type, number)
    found = await load_person(ctx, info, key)
    if found is None:
        _unknown("person", "with that document", info)
    assert found is not None
    return {"subject_kind": "person", "subject_uscc": None, "subject_person_key": key, "subject_name": found.name}


def _unknown(kind: str, what: str, info: Info) -> None:
    """No province holds the subject; if some did not answer, that is not known for sure."""
    failed = sorted(info.context.failed_sources())
    if failed:
        raise SourceUnavailable(
            failed[0], f"cannot confirm the {kind} {what} is known: {', '.join(failed)} did not answer;"
            " nothing was written",
        )
    raise BadUserInput(f"no configured province knows the {kind} {what}")


def ended_window(publish_to: date, today: date) -> str | None:
    """A warning when a record is published after its window: officials see it, the public never."""
    if publish_to < today:
        return f"the record's window ended on {publish_to}: it is published for officials only"
    return None
