"""The Promise workflow: made, then kept, broken, renegotiated or withdrawn.

A stretch promise (beyond an offering's scope or lead time, or its owner's capacity) starts
in ``awaiting_approval`` instead of ``made``: the creating command decides that, so that
state is entered only at creation. Whether a command may run *now* (before or after the due
time) is decided by the care rules, so "what may I do" can say why.

The diagram of this machine is generated from this class (``relationkit diagram promise``).
"""

from __future__ import annotations

from statemachine import State, StateMachine

from relationkit.domain.promise import (
    ApproveStretch,
    BreakPromise,
    KeepPromise,
    MakePromise,
    Promise,
    RenegotiatePromise,
    WarnPromise,
    WithdrawPromise,
)
from relationkit.workflows.engine import Workflow

__all__ = ["PROMISE_WORKFLOW", "PromiseFlow"]


class PromiseFlow(StateMachine):
    """States of a promise, from being made to being settled."""

    # ``awaiting_approval`` is entered by creating a stretch promise, not by a transition.
    validate_disconnected_states = False

    made = State("Made", initial=True)
    awaiting_approval = State("Stretch awaiting approval")
    renegotiated = State("Renegotiated")
    kept = State("Kept", final=True)
    broken = State("Broken", final=True)
    withdrawn = State("Withdrawn", final=True)

    approve_stretch = awaiting_approval.to(made)
    warn = made.to.itself() | renegotiated.to.itself()
    renegotiate = renegotiated.from_(made, renegotiated)
    keep = kept.from_(made, renegotiated)
    mark_broken = broken.from_(made, renegotiated)
    withdraw = withdrawn.from_(awaiting_approval, made, renegotiated)


PROMISE_WORKFLOW: Workflow[Promise] = Workflow(
    aggregate=Promise,
    machine=PromiseFlow,
    create=MakePromise,
    commands=(
        ApproveStretch,
        WarnPromise,
        RenegotiatePromise,
        KeepPromise,
        BreakPromise,
        WithdrawPromise,
    ),
    make=Promise.made,
)
"""The promise workflow, ready for :class:`~relationkit.Relations` to run."""
