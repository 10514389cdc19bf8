"""Who is asking, and what that caller may see: the policy seam.

The auth layer (gateway) builds an :class:`Identity` per request from the bearer token (no token:
``PUBLIC``).  Every access rule is a method here; the schema's directives and permission classes
(``resolvers.permissions``) and the SQL push-down (``Visibility``) only ask these methods, so a
rule changes in exactly one place.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from domain.publication import record_is_public
from domain.workflow import REGULATOR, REVIEWER
from sources.province_queries import Visibility

ADMIN = "admin"
ROLES = (REGULATOR, REVIEWER, ADMIN)
# Officials work inside a province's workflow (DOMAIN §4): they see records after their window.
_OFFICIAL_ROLES = frozenset({REGULATOR, REVIEWER})


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

    @property
    def is_official(self) -> bool:
        """A regulator or reviewer: sees the internal retention of records, is audited."""
        return bool(self.roles & _OFFICIAL_ROLES)

    def has_role(self, role: str) -> bool:
        return role in self.roles

    def record_visibility(self, today: date) -> Visibility:
        """Credit records, pushed into SQL: the public (and an admin, who operates the gateway but is
        no official) sees what is published today; officials every published or revoked record and
        the drafts of their own province."""
        if not self.is_official:
            return Visibility(public_on=today)
        return Visibility(public_on=None, drafts_of=self.province)

    def may_see_record(self, status: str, publish_from: date, publish_to: date, province: str, today: date) -> bool:
        """The same rule as :meth:`record_visibility`, for one record already fetched."""
        if not self.is_official:
            return record_is_public(status, publish_from, publish_to, today)
        return status in ("published", "revoked") or province == self.province

    def may_see_blacklist_entry(self, active: bool) -> bool:
        """The public sees blacklist entries while they are active; officials see them all."""
        return active or self.is_official

    def may_see_full_id(self, holding_province: str) -> bool:
        """Full ID numbers only for a regulator of the province that holds the person (DOMAIN §6)."""
        return REGULATOR in self.roles and self.province == holding_province

    @property
    def audited(self) -> bool:
        """Every non-public query that touches a person or a cross-check is audit-logged (DOMAIN §6)."""
        return not self.is_public

    @property
    def rate_key(self) -> str | None:
        """The rate-limit bucket of an authenticated caller; the public is limited per address."""
        return None if self.is_public else f"sub:{self.subject}"


PUBLIC = Identity()
