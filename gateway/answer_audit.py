"""The audit hook: an official's look at persons or cross-checks is recorded before the answer
leaves the gateway; when it cannot be recorded, the answer is withheld (``AUDIT_UNAVAILABLE``).

The trail itself (spool, chain, central store) is ``gateway.audit``; this is the rule the GraphQL
view applies to each executed request.
"""

from __future__ import annotations

import logging
from typing import Any

from graphql import ExecutionResult

from gateway.audit import AuditTrail, audited_subjects, make_payload
from gateway.context import GatewayContext

log = logging.getLogger("yrd.gateway")


async def record_answer(trail: AuditTrail, context: GatewayContext, result: ExecutionResult) -> bool:
    """Record an official's look at persons or cross-checks; false when that was impossible
    (then the answer must not leave the gateway)."""
    subjects = audited_subjects(context.subjects)
    if not context.identity.audited or not subjects:
        return True
    payload = make_payload(
        context.identity, subjects, client=context.client, operation=context.operation_name,
        result_count=result_count(result.data),
    )
    try:
        await trail.record(payload)
    except OSError:
        log.exception("audit spool write failed")
        return False
    return True


def result_count(data: dict[str, Any] | None) -> int:
    """How many results a response holds: per root field, a list's length, a connection's edges,
    one for an object, none for null."""
    total = 0
    for value in (data or {}).values():
        if isinstance(value, list):
            total += len(value)
        elif isinstance(value, dict) and isinstance(value.get("edges"), list):
            total += len(value["edges"])
        elif value is not None:
            total += 1
    return total
