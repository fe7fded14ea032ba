"""The ticket state machine: which action moves which status where. Nothing else changes status."""

from __future__ import annotations

from enum import StrEnum

from feedback.exceptions import IllegalTransition
from feedback.schemas import Status


class Action(StrEnum):
    DISPATCH = "dispatch"  # system or dispatcher assigns a department
    TO_MANUAL = "to_manual"  # low confidence or too many bounces
    ACCEPT = "accept"  # department signs for it (签收)
    START = "start"  # department starts handling (办理中)
    REQUEST_EXTENSION = "request_extension"  # 延期申请
    APPROVE_EXTENSION = "approve_extension"
    DENY_EXTENSION = "deny_extension"
    REPLY = "reply"  # 已答复
    CLOSE = "close"  # 办结
    RETURN = "return"  # 退回: not ours
    ESCALATE = "escalate"  # 督办: flag, no status change
    REOPEN = "reopen"  # citizen unsatisfied → back to the department


S, A = Status, Action
TRANSITIONS: dict[tuple[Status, Action], Status] = {
    (S.RECEIVED, A.DISPATCH): S.DISPATCHED,
    (S.RECEIVED, A.TO_MANUAL): S.MANUAL,
    (S.MANUAL, A.DISPATCH): S.DISPATCHED,
    (S.RETURNED, A.DISPATCH): S.DISPATCHED,
    (S.RETURNED, A.TO_MANUAL): S.MANUAL,
    (S.DISPATCHED, A.ACCEPT): S.ACCEPTED,
    (S.DISPATCHED, A.RETURN): S.RETURNED,
    (S.ACCEPTED, A.START): S.IN_PROGRESS,
    (S.ACCEPTED, A.REPLY): S.ANSWERED,
    (S.ACCEPTED, A.RETURN): S.RETURNED,
    (S.ACCEPTED, A.REQUEST_EXTENSION): S.EXTENSION_REQUESTED,
    (S.IN_PROGRESS, A.REPLY): S.ANSWERED,
    (S.IN_PROGRESS, A.REQUEST_EXTENSION): S.EXTENSION_REQUESTED,
    (S.EXTENSION_REQUESTED, A.APPROVE_EXTENSION): S.IN_PROGRESS,
    (S.EXTENSION_REQUESTED, A.DENY_EXTENSION): S.IN_PROGRESS,
    (S.ANSWERED, A.CLOSE): S.CLOSED,
    (S.ANSWERED, A.REOPEN): S.IN_PROGRESS,
}
# Escalation (督办) marks a ticket without moving it, while the department still owes an answer.
ESCALATABLE = {S.DISPATCHED, S.ACCEPTED, S.IN_PROGRESS, S.EXTENSION_REQUESTED}
OPEN_STATUSES = frozenset(set(Status) - {S.CLOSED})


def next_status(current: Status, action: Action) -> Status:
    """The status after `action`, or IllegalTransition with a reason a person can read."""
    if action is Action.ESCALATE:
        if current in ESCALATABLE:
            return current
        raise IllegalTransition(f"cannot escalate a ticket in status {current}")
    try:
        return TRANSITIONS[(current, action)]
    except KeyError:
        allowed = sorted(a.value for (s, a) in TRANSITIONS if s is current)
        raise IllegalTransition(
            f"action '{action.value}' is not allowed in status {current}; "
            f"allowed: {', '.join(allowed) or 'none'}"
        ) from None
