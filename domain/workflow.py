"""The workflow of a credit record inside its province (DOMAIN §4): 采集 collect (draft) → submit
→ 审核 review by a second person → 发布 publish → revoke.  Which step is allowed from which status,
which role takes it, and the four-eyes rule.  No I/O: the write path (``resolvers.workflow``) asks
these before it writes.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from enum import Enum

from domain.errors import Forbidden, InvalidTransition

REGULATOR = "regulator"
REVIEWER = "reviewer"


class Step(Enum):
    """A workflow step; its value is the history row's ``action``."""

    CREATE = "create"
    EDIT = "edit"
    SUBMIT = "submit"
    APPROVE = "approve"
    REJECT = "reject"
    PUBLISH = "publish"
    REVOKE = "revoke"
    ADJUST_WINDOW = "adjust_window"


@dataclass(frozen=True)
class Rule:
    """Where a step may start, where it leads, and who may take it."""

    from_statuses: frozenset[str]
    to_status: str
    role: str


RULES: dict[Step, Rule] = {
    Step.CREATE: Rule(frozenset(), "draft", REGULATOR),
    Step.EDIT: Rule(frozenset({"draft"}), "draft", REGULATOR),
    Step.SUBMIT: Rule(frozenset({"draft"}), "submitted", REGULATOR),
    Step.APPROVE: Rule(frozenset({"submitted"}), "reviewed", REVIEWER),
    Step.REJECT: Rule(frozenset({"submitted"}), "draft", REVIEWER),
    Step.PUBLISH: Rule(frozenset({"reviewed"}), "published", REVIEWER),
    Step.REVOKE: Rule(frozenset({"published"}), "revoked", REVIEWER),
    Step.ADJUST_WINDOW: Rule(frozenset({"published"}), "published", REVIEWER),
}
# The steps that make a person an author of a record: none of them may review it.
AUTHORING = frozenset({Step.CREATE.value, Step.EDIT.value, Step.SUBMIT.value})
# A reason is part of the record of these steps (the history keeps it).
NEEDS_REASON = frozenset({Step.REJECT, Step.REVOKE, Step.ADJUST_WINDOW})


def check_role(step: Step, roles: Collection[str]) -> None:
    """Refuse a step the caller's roles do not cover."""
    role = RULES[step].role
    if role not in roles:
        raise Forbidden(f"{step.value} needs the {role} role")


def next_status(step: Step, status: str, record_number: str) -> str:
    """The status after ``step``, or a clear refusal when ``status`` does not allow it."""
    rule = RULES[step]
    if status not in rule.from_statuses:
        allowed = " or ".join(sorted(rule.from_statuses))
        raise InvalidTransition(f"record {record_number} is {status}; {step.value} needs a record that is {allowed}")
    return rule.to_status


def check_four_eyes(step: Step, reviewer: str, authors: Collection[str], record_number: str) -> None:
    """The reviewer of a record is never one of its authors (its creator, an editor, its submitter)."""
    if step in (Step.APPROVE, Step.REJECT) and reviewer in authors:
        raise Forbidden(f"four eyes: {reviewer} wrote or submitted record {record_number} and may not review it")
