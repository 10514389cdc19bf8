"""Who is asking.  The auth layer (gateway) builds an :class:`Identity` per request; resolvers and
policies read it.  Until access control lands every request is ``PUBLIC``."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sources.province_queries import Visibility


@dataclass(frozen=True)
class Identity:
    """The caller: subject, organisation, province (division code) and roles."""

    subject: str = "anonymous"
    org: str | None = None
    province: str | None = None
    roles: frozenset[str] = field(default_factory=frozenset)

    @property
    def is_public(self) -> bool:
        return not self.roles

    def record_visibility(self, today: date) -> Visibility:
        """The policy seam for credit records: the public sees only what is published today."""
        if self.is_public:
            return Visibility(public_on=today)
        drafts = self.province if "regulator" in self.roles else None
        return Visibility(public_on=None, drafts_of=drafts)

    def may_see_full_id(self, holding_province: str) -> bool:
        """Full ID numbers only for a regulator of the province that holds the person (DOMAIN §6)."""
        return "regulator" in self.roles and self.province == holding_province


PUBLIC = Identity()
