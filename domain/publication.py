"""Publication rules of DOMAIN §4: when a credit record or blacklist entry is public."""

from __future__ import annotations

from calendar import monthrange
from datetime import date, timedelta

from domain.errors import BadUserInput


def record_is_public(status: str, publish_from: date, publish_to: date, as_of: date) -> bool:
    """A credit record is public while published and inside its publication window."""
    return status == "published" and publish_from <= as_of <= publish_to


def blacklist_is_active(listed_on: date, planned_release: date, released_on: date | None, as_of: date) -> bool:
    """A blacklist entry is active from listing until its release (actual, else planned)."""
    end = released_on if released_on is not None else planned_release
    return listed_on <= as_of < end


# ---- the windows a write may set (建市[2007]9号, 建市〔2017〕241号) ---------------------------------
# A window is inclusive at both ends (``record_is_public``): "6 months from 2026-01-15" ends on
# 2026-07-14.  A blacklist entry's planned release is exclusive (``blacklist_is_active``): listed on
# 2026-01-15, it is no longer active on 2027-01-15.

BAD_MIN_MONTHS = 6
BAD_MAX_MONTHS = 36
BAD_SHORTENED_MIN_MONTHS = 3
GOOD_MONTHS = 36
BLACKLIST_MONTHS = 12
PUBLISH_WITHIN_DAYS = 7


class WindowRuleError(BadUserInput):
    """A publication window that breaks a rule of DOMAIN §4; the message names the rule."""


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, clamped to the month's last day (31 Jan + 1 month = 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, monthrange(year, month)[1]))


def window_end(start: date, months: int) -> date:
    """The last day of a window of ``months`` starting on ``start``."""
    return add_months(start, months) - timedelta(days=1)


def default_window(polarity: str, decision_date: date, penalty_until: date | None) -> tuple[date, date]:
    """The window the rules give when the author names none: from the decision, good records for
    3 years, bad records for the 6-month minimum or until the penalty ends if that is later."""
    if polarity == "good":
        return decision_date, window_end(decision_date, GOOD_MONTHS)
    end = window_end(decision_date, BAD_MIN_MONTHS)
    return decision_date, max(end, penalty_until) if penalty_until else end


def check_window(
    polarity: str, decision_date: date, penalty_until: date | None, publish_from: date, publish_to: date
) -> None:
    """Refuse a window outside the rules, naming the rule and the bound."""
    if publish_from < decision_date:
        raise WindowRuleError(f"publishFrom {publish_from} is before the decision date {decision_date}")
    if publish_to < publish_from:
        raise WindowRuleError(f"publishTo {publish_to} is before publishFrom {publish_from}")
    if polarity == "good":
        if publish_to != (end := window_end(publish_from, GOOD_MONTHS)):
            raise WindowRuleError(f"a good record is published for 3 years: publishTo must be {end}, not {publish_to}")
        return
    if publish_to < (shortest := window_end(publish_from, BAD_MIN_MONTHS)):
        raise WindowRuleError(f"a bad record is published for at least 6 months: publishTo must be {shortest} or later")
    _check_bad_end(publish_from, penalty_until, publish_to)


def check_adjusted_end(
    polarity: str, publish_from: date, penalty_until: date | None, current_to: date, new_to: date
) -> str:
    """Check a published bad record's new window end after rectification; returns 'shortened' or
    'extended'.  Shortening never goes below 3 months; extending never past 3 years."""
    if polarity != "bad":
        raise WindowRuleError("only a bad record's window may be shortened or extended; a good record's is 3 years")
    if new_to == current_to:
        raise WindowRuleError(f"publishTo is already {current_to}")
    if new_to < current_to and new_to < (shortest := window_end(publish_from, BAD_SHORTENED_MIN_MONTHS)):
        raise WindowRuleError(
            f"a shortened window keeps at least 3 months: publishTo must be {shortest} or later"
        )
    _check_bad_end(publish_from, penalty_until, new_to)
    return "shortened" if new_to < current_to else "extended"


def _check_bad_end(publish_from: date, penalty_until: date | None, publish_to: date) -> None:
    """A bad record's window never ends before its penalty, nor (unless the penalty runs longer)
    more than 3 years after it starts."""
    if penalty_until is not None and publish_to < penalty_until:
        raise WindowRuleError(
            f"a bad record is never published for less than its penalty: publishTo must be {penalty_until} or later"
        )
    longest = max(window_end(publish_from, BAD_MAX_MONTHS), penalty_until or publish_from)
    if publish_to > longest:
        raise WindowRuleError(f"a bad record is published for at most 3 years: publishTo must be {longest} or earlier")


def blacklist_release(listed_on: date) -> date:
    """The planned release of an entry: it is managed for one year from listing."""
    return add_months(listed_on, BLACKLIST_MONTHS)
