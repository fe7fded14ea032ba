"""The ticket state machine: every legal transition, every illegal one refused with a reason."""

from __future__ import annotations

import itertools

import pytest

from feedback.exceptions import IllegalTransition
from feedback.lifecycle import ESCALATABLE, TRANSITIONS, Action, next_status
from feedback.schemas import Status

LEGAL = sorted(TRANSITIONS.items(), key=str)


@pytest.mark.parametrize(
    ("start_action", "end"), LEGAL, ids=[f"{s.value}-{a.value}" for (s, a), _ in LEGAL]
)
def test_legal_transitions(start_action: tuple[Status, Action], end: Status) -> None:
    assert next_status(*start_action) is end


ILLEGAL = [
    (s, a)
    for s, a in itertools.product(Status, Action)
    if (s, a) not in TRANSITIONS and not (a is Action.ESCALATE and s in ESCALATABLE)
]


@pytest.mark.parametrize(
    ("status", "action"), ILLEGAL, ids=[f"{s.value}-{a.value}" for s, a in ILLEGAL]
)
def test_illegal_transitions_are_refused(status: Status, action: Action) -> None:
    with pytest.raises(IllegalTransition) as info:
        next_status(status, action)
    assert action.value in str(info.value)


def test_no_jump_from_received_to_closed_and_closed_is_final() -> None:
    with pytest.raises(IllegalTransition):
        next_status(Status.RECEIVED, Action.CLOSE)
    assert not [a for (s, a) in TRANSITIONS if s is Status.CLOSED]


def test_escalation_keeps_status_only_while_the_department_owes_an_answer() -> None:
    assert next_status(Status.IN_PROGRESS, Action.ESCALATE) is Status.IN_PROGRESS
    with pytest.raises(IllegalTransition):
        next_status(Status.CLOSED, Action.ESCALATE)
