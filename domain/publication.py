"""Publication rules of DOMAIN §4: when a credit record or blacklist entry is public."""

from __future__ import annotations

from datetime import date


def record_is_public(status: str, publish_from: date, publish_to: date, as_of: date) -> bool:
    """A credit record is public while published and inside its publication window."""
    return status == "published" and publish_from <= as_of <= publish_to


def blacklist_is_active(listed_on: date, planned_release: date, released_on: date | None, as_of: date) -> bool:
    """A blacklist entry is active from listing until its release (actual, else planned)."""
    end = released_on if released_on is not None else planned_release
    return listed_on <= as_of < end
