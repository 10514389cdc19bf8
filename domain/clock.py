"""The one clock every "today" is read from: China's calendar date, not the server's.

Publication windows, active blacklists, "valid today" and ``asOf`` defaults are calendar dates in
China Standard Time (DOMAIN §4): at 22:00 UTC it is already tomorrow in Shanghai.  The zone is
configuration (``[gateway] timezone``, default ``Asia/Shanghai``); tests pin the instant.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

CHINA = "Asia/Shanghai"


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Clock:
    """Today's date in one time zone; ``now`` is injectable so that tests can pin the instant."""

    zone: ZoneInfo = field(default_factory=lambda: ZoneInfo(CHINA))
    now: Callable[[], datetime] = field(default=_utc_now, repr=False, compare=False)

    def today(self) -> date:
        """The calendar date in ``zone`` at this instant."""
        return self.now().astimezone(self.zone).date()

    @classmethod
    def named(cls, zone: str) -> Clock:
        """A clock in the named IANA zone; ValueError naming the zone when it is unknown."""
        try:
            return cls(ZoneInfo(zone))
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {zone!r}") from exc

    def pinned(self, instant: datetime) -> Clock:
        """The same zone, always at ``instant`` (an aware datetime)."""
        if instant.tzinfo is None:
            raise ValueError("a pinned instant must carry its time zone")
        return Clock(self.zone, lambda: instant)


def china_today() -> date:
    """Today's date in China (the default clock's zone)."""
    return Clock().today()
