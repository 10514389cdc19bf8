"""Access rules attached to fields, each visible in ``schema.graphql`` as a directive.

* ``@requires(role: …)`` – :class:`resolvers.roles.RequiresRole` (its own module, so that every
  type module can use it): the field resolves only for callers with that role; everyone else
  gets a ``FORBIDDEN`` error.
* ``@sensitive(category: PERSONAL_ID)`` – :class:`MaskPersonalId`: the value (an ID number) is
  masked unless the caller may see it in full (DOMAIN §6); a full number that leaves is recorded
  on the request's context (the audit trail and the per-official budget read it there).
* ``@published`` – :class:`PublishedOnly`: a list of credit records or blacklist entries keeps
  only what the caller may see (DOMAIN §4).  The SQL push-down (``Identity.record_visibility``)
  already filters the same way; this is the guarantee for every field that returns such items,
  including fields added later that forget the push-down.

Each extension adds its directive to the field it guards when the schema is built, so the
printed schema shows exactly the fields that are enforced, never a promise without the check.
The decisions themselves are methods of :class:`resolvers.identity.Identity`.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from enum import Enum
from typing import Any

import strawberry
from strawberry.extensions import FieldExtension
from strawberry.schema_directive import Location
from strawberry.types.field import StrawberryField

from domain.errors import Forbidden
from domain.identifiers import IdentifierError, mask_id_number, normalise_id_number
from domain.person_key import person_key
from resolvers.context import Info
from resolvers.types.credit import BlacklistEntry, CreditRecord


@strawberry.enum(description="敏感信息类别。 Category of personal information a field carries.")
class SensitiveCategory(Enum):
    PERSONAL_ID = strawberry.enum_value(
        "personal_id", description="证件号码：仅持有省份的监管人员可见全文。 ID number; full only for its province."
    )


@strawberry.schema_directive(
    locations=[Location.FIELD_DEFINITION],
    name="sensitive",
    description="个人信息：按调用者权限脱敏。 Personal information, masked unless the caller may see it.",
)
class Sensitive:
    category: SensitiveCategory = strawberry.field(description="信息类别。 Category of the information.")


@strawberry.schema_directive(
    locations=[Location.FIELD_DEFINITION],
    name="published",
    description=(
        "公众仅见公示期内已发布的记录和有效的黑名单；监管人员另见过期记录和本省草稿。"
        " The public sees only records inside their publication window and active blacklist entries;"
        " officials also see expired records and their own province's drafts."
    ),
)
class Published:
    pass


BY_ID_NUMBER_REFUSED = (
    "Forbidden: looking a person up by ID number needs an official role (regulator or reviewer);"
    " use the registration number (personByRegistration, crossCheckPerson(registrationNumber:))"
)


def refuse_lookup_by_id_number(info: Info) -> None:
    """Only officials may look a person up (or cross-check one) by ID number (DOMAIN §6).

    The public sees ID numbers masked; any yes/no answer to a full number it supplies (found or
    not, an error or not) recovers the hidden birth date in about a hundred tries.  So the refusal
    comes first, before the number is even checked, and reads the same whatever was sent.
    """
    if not info.context.identity.is_official:
        raise Forbidden(BY_ID_NUMBER_REFUSED)


class DirectiveExtension(FieldExtension):
    """A field extension that prints its directive on the field it is attached to and changes the
    field's value by ``transform`` alone (the execution's fast lane calls ``resolve`` directly,
    ``gateway.execution``: a subclass must not override it)."""

    directive: object

    def apply(self, field: StrawberryField) -> None:
        if self.directive not in field.directives:
            field.directives.append(self.directive)

    def transform(self, value: Any, source: Any, info: Info) -> Any:
        raise NotImplementedError

    def resolve(self, next_: Callable[..., Any], source: Any, info: Info, **kwargs: Any) -> Any:
        value = next_(source, info, **kwargs)
        if inspect.isawaitable(value):  # a plain resolver may hand back a lookup still under way
            return self._transform_later(value, source, info)
        return self.transform(value, source, info)

    async def _transform_later(self, value: Awaitable[Any], source: Any, info: Info) -> Any:
        return self.transform(await value, source, info)

    async def resolve_async(
        self, next_: Callable[..., Awaitable[Any]], source: Any, info: Info, **kwargs: Any
    ) -> Any:
        return self.transform(await next_(source, info, **kwargs), source, info)


# The context subject kind of a person whose full ID number reached the caller: the audit entry
# marks that person (kind "person") so, and the official's hourly budget counts it (gateway.disclosure).
FULL_ID_NUMBER = "full_id_number"


class MaskPersonalId(DirectiveExtension):
    """``@sensitive(category: PERSONAL_ID)``: the one place an ID number is masked or shown.

    The object must say which province holds the person, in the attribute named by ``holder``
    (a ``strawberry.Private`` field, one division code or a list of them): only regulators of a
    holding province see the number in full.  Every number let through is recorded on the context
    by person key (lists included: each registered person of a page), so that no full number
    leaves without an audit entry naming its person.
    """

    def __init__(self, holder: str = "id_holder") -> None:
        self.holder = holder
        self.directive = Sensitive(category=SensitiveCategory.PERSONAL_ID)

    def transform(self, value: Any, source: Any, info: Info) -> Any:
        if value is None:
            return None
        holders = getattr(source, self.holder, None) or ()  # unknown holder: nobody sees it in full
        if isinstance(holders, str):
            holders = (holders,)
        if any(info.context.identity.may_see_full_id(code) for code in holders):
            key = _person_key_of(source, value, info)
            info.context.touch("person", key)
            info.context.touch(FULL_ID_NUMBER, key)
            return value
        return mask_id_number(value)


def _person_key_of(source: Any, id_number: str, info: Info) -> str:
    """The person key of the object showing ``id_number``: its own when it carries one (``Person``),
    else derived as every province derives it (DOMAIN §6), from its ``id_type`` and the number."""
    key = getattr(source, "person_key", None)
    if isinstance(key, str):
        return key
    id_type = str(getattr(source, "id_type", ""))
    try:
        number = normalise_id_number(id_type, id_number)
    except IdentifierError:  # a province's own odd data: still one stable key per (type, number)
        number = id_number.strip()
    return person_key(info.context.person_key_secret, id_type, number)


class PublishedOnly(DirectiveExtension):
    """``@published``: drop the credit records and blacklist entries the caller may not see, from a
    list or from a connection's edges; a single one (a feed event's) the caller may not see is
    refused, never shown (the feed's matchers already leave such events out: this is the guarantee)."""

    def __init__(self) -> None:
        self.directive = Published()

    def transform(self, value: Any, source: Any, info: Info) -> Any:
        if isinstance(value, list):
            return [item for item in value if _visible(item, info)]
        edges = getattr(value, "edges", None)
        if isinstance(edges, list):
            value.edges = [edge for edge in edges if _visible(edge.node, info)]
        elif isinstance(value, CreditRecord | BlacklistEntry) and not _visible(value, info):
            raise Forbidden("Forbidden: the caller may not see this record")
        return value


def _visible(item: object, info: Info) -> bool:
    identity, today = info.context.identity, info.context.today
    if isinstance(item, CreditRecord):
        return identity.may_see_record(item.status, item.publish_from, item.publish_to, item.province.code, today)
    if isinstance(item, BlacklistEntry):
        return identity.may_see_blacklist_entry(item.active)
    return True
