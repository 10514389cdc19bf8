"""Roles and the ``@requires`` rule: a field only some roles may use (``FORBIDDEN`` for everyone
else).  Its own module, below every type module, so that any type can guard a field with it;
``resolvers.permissions`` holds the rules that need the types (masking, publication)."""

from __future__ import annotations

from enum import Enum
from typing import Any

import strawberry
from strawberry.permission import BasePermission, PermissionExtension
from strawberry.schema_directive import Location

from domain.errors import Forbidden
from resolvers.context import Info
from resolvers.identity import ADMIN, REGULATOR, REVIEWER


@strawberry.enum(description="调用者角色。 Role of an authenticated caller (carried by the bearer token).")
class Role(Enum):
    REGULATOR = strawberry.enum_value(REGULATOR, description="监管人员（所属省份）。 Regulator of one province.")
    REVIEWER = strawberry.enum_value(REVIEWER, description="审核人员（所属省份）。 Reviewer of one province.")
    ADMIN = strawberry.enum_value(ADMIN, description="网关管理员（可读审计日志）。 Gateway administrator.")


@strawberry.schema_directive(
    locations=[Location.FIELD_DEFINITION],
    name="requires",
    description="仅限具备以下任一角色的调用者。 Only callers holding one of these roles may read this field.",
)
class Requires:
    roles: list[Role] = strawberry.field(description="允许的角色。 Roles allowed to read the field.")


class RequiresRole(BasePermission):
    """A field only some roles may read; ``FORBIDDEN`` for everyone else (the public included)."""

    error_extensions = {"code": Forbidden.code}  # noqa: RUF012 (strawberry reads it as a class attribute)

    def __init__(self, *roles: Role) -> None:
        self.roles = roles
        self.message = f"Forbidden: this field needs the role {' or '.join(r.value for r in roles)}"
        self._schema_directive = Requires(roles=list(roles))

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        return any(info.context.identity.has_role(role.value) for role in self.roles)


def requires(*roles: Role) -> PermissionExtension:
    """The field extension for ``@requires``: ``strawberry.field(extensions=[requires(Role.ADMIN)])``."""
    return PermissionExtension(permissions=[RequiresRole(*roles)])
