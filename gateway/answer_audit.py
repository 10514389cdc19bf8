"""The audit hook: an official's look at persons or cross-checks is recorded before the answer
leaves the gateway; when it cannot be recorded, the answer is withheld (``AUDIT_UNAVAILABLE``).
An answer that would take an official past their hourly budget of full ID numbers is withheld as
well (``DISCLOSURE_LIMIT``, ``gateway.disclosure``), and nothing of it is recorded as disclosed.

The trail itself (spool, chain, central store) is ``gateway.audit``; this is the rule the GraphQL
view applies to each executed request.
"""

from __future__ import annotations

import logging
from typing import Any

from graphql import ExecutionResult

from domain.errors import AuditUnavailable, DisclosureLimit, GatewayError
from gateway.audit import AuditTrail, audited_subjects, make_payload
from gateway.context import GatewayContext
from gateway.disclosure import DisclosureLedger, Refusal
from resolvers.permissions import FULL_ID_NUMBER

log = logging.getLogger("yrd.gateway")


async def record_answer(
    trail: AuditTrail, ledger: DisclosureLedger, context: GatewayContext, result: ExecutionResult
) -> GatewayError | None:
    """Record an official's look at persons or cross-checks, counting the full ID numbers it shows
    against the official's budget; the error that withholds the answer, or ``None`` when it may
    leave."""
    subjects = audited_subjects(context.subjects)
    if not context.identity.audited or not subjects:
        return None
    official = context.identity.rate_key or context.identity.subject
    # An answer withheld anyway (a timeout) shows no number: nothing to count.
    shown = {key for kind, key in context.subjects if kind == FULL_ID_NUMBER} if result.data is not None else set()
    counted = ledger.reserve(official, shown)
    if isinstance(counted, Refusal):
        # Who and how many, never which numbers: the log is no place for personal information.
        log.warning("disclosure limit: %s asked for %d more full ID numbers, %d of %d left",
                    context.identity.subject, counted.wanted, counted.remaining, counted.per_hour)
        return DisclosureLimit(counted.message)
    payload = make_payload(
        context.identity, subjects, client=context.client, operation=context.operation_name,
        result_count=result_count(result.data), disclosed=shown,
    )
    try:
        await trail.record(payload)
    except OSError:
        log.exception("audit spool write failed")
        ledger.release(official, counted)
        return AuditUnavailable("The audit trail cannot be written; the answer is withheld")
    return None


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
