"""The Case workflow: its states, and the commands that move a case between them.

Decisions (``accept``, ``decline``, ``compromise``, ``refer``, ``defer``) are transitions
from every state before a decision, so "what may I do now" can say *why* one is not yet
allowed (care rule R1: the client has not confirmed being heard) instead of merely that the
state does not offer it.

The diagram of this machine is generated from this class (``relationkit diagram case``).
"""

from __future__ import annotations

import operator
from functools import reduce
from typing import Any

from statemachine import State, StateMachine

from relationkit.domain.case import (
    Accept,
    Acknowledge,
    BreachServiceLevels,
    Case,
    ChangePriority,
    Close,
    Compromise,
    ConfirmHeard,
    Consult,
    CorrectParaphrase,
    Decline,
    Defer,
    EndWait,
    Escalate,
    MatchExpectation,
    OpenCase,
    PostUpdate,
    RecordExpectation,
    RecordStatement,
    Refer,
    Reopen,
    ResetExpectation,
    Resolve,
    StartWork,
    TrackServiceLevels,
    Wait,
    WarnServiceLevels,
)
from relationkit.rules.service_levels import CLOCK_COMMANDS
from relationkit.workflows.engine import Workflow

__all__ = ["CASE_WORKFLOW", "CaseFlow"]


def _loops(*states: State) -> Any:
    """Self-transitions on each of ``states``: a command that records without moving."""
    return reduce(operator.or_, (state.to.itself() for state in states))


class CaseFlow(StateMachine):
    """States of a case, from the client's first words to closing."""

    opened = State("Opened", initial=True)
    listening = State("Listening")
    acknowledged = State("Acknowledged")
    heard = State("Heard")
    deferred = State("Deferred")
    decided = State("Decided")
    in_progress = State("In progress")
    referred = State("Referred")
    resolved = State("Resolved")
    closed = State("Closed")

    record_statement = listening.from_(opened, listening, acknowledged, heard, deferred)
    acknowledge = acknowledged.from_(opened, listening, acknowledged)
    confirm_heard = acknowledged.to(heard)
    correct_paraphrase = acknowledged.to(listening)
    escalate = _loops(opened, listening, acknowledged, heard, deferred, decided, in_progress)
    consult = _loops(listening, acknowledged, heard, deferred)
    record_expectation = _loops(
        opened, listening, acknowledged, heard, deferred, decided, in_progress
    )
    match_expectation = _loops(
        opened, listening, acknowledged, heard, deferred, decided, in_progress
    )
    reset_expectation = _loops(
        opened, listening, acknowledged, heard, deferred, decided, in_progress
    )
    defer = deferred.from_(opened, listening, acknowledged, heard, deferred)
    accept = decided.from_(opened, listening, acknowledged, heard, deferred)
    decline = decided.from_(opened, listening, acknowledged, heard, deferred)
    compromise = decided.from_(opened, listening, acknowledged, heard, deferred)
    refer = referred.from_(opened, listening, acknowledged, heard, deferred)
    start_work = decided.to(in_progress)
    resolve = resolved.from_(decided, in_progress, referred)
    close = resolved.to(closed)
    reopen = listening.from_(resolved, closed)
    change_priority = _loops(
        opened, listening, acknowledged, heard, deferred, decided, in_progress, referred, resolved
    )
    wait = _loops(opened, listening, acknowledged, heard, deferred, decided, in_progress)
    end_wait = _loops(opened, listening, acknowledged, heard, deferred, decided, in_progress)
    post_update = _loops(acknowledged, heard, deferred, decided, in_progress, referred)
    track_service_levels = _loops(
        opened,
        listening,
        acknowledged,
        heard,
        deferred,
        decided,
        in_progress,
        referred,
        resolved,
        closed,
    )
    warn_service_levels = _loops(
        opened, listening, acknowledged, heard, deferred, decided, in_progress, referred
    )
    breach_service_levels = _loops(
        opened, listening, acknowledged, heard, deferred, decided, in_progress, referred
    )


CASE_WORKFLOW: Workflow[Case] = Workflow(
    aggregate=Case,
    machine=CaseFlow,
    create=OpenCase,
    commands=(
        RecordStatement,
        Acknowledge,
        ConfirmHeard,
        CorrectParaphrase,
        Escalate,
        Consult,
        RecordExpectation,
        MatchExpectation,
        ResetExpectation,
        Defer,
        Accept,
        Decline,
        Compromise,
        Refer,
        StartWork,
        Resolve,
        Close,
        Reopen,
        ChangePriority,
        Wait,
        EndWait,
        PostUpdate,
        TrackServiceLevels,
        WarnServiceLevels,
        BreachServiceLevels,
    ),
    make=Case.opened,
    internal=CLOCK_COMMANDS,
)
"""The case workflow, ready for :class:`~relationkit.Relations` to run."""
