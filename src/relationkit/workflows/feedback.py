"""The feedback workflow: a request is answered or expires; a low answer opens a
service-recovery follow-up, kept on the request's own timeline until it is closed.

``requested → answered | expired``; ``answered → recovering → recovered`` for a low answer.

The diagram of this machine is generated from this class (``relationkit diagram feedback``).
"""

from __future__ import annotations

from statemachine import State, StateMachine

from relationkit.domain.feedback import (
    CloseRecovery,
    ExpireFeedback,
    FeedbackRequest,
    GiveFeedback,
    OpenRecovery,
    RequestFeedback,
)
from relationkit.workflows.engine import Workflow

__all__ = ["FEEDBACK_WORKFLOW", "FeedbackFlow"]


class FeedbackFlow(StateMachine):
    """States of a feedback request, from asking to an answer (or none)."""

    requested = State("Requested", initial=True)
    answered = State("Answered")
    recovering = State("Recovering")
    recovered = State("Recovered", final=True)
    expired = State("Expired", final=True)

    give_feedback = requested.to(answered)
    expire = requested.to(expired)
    open_recovery = answered.to(recovering)
    close_recovery = recovering.to(recovered)


FEEDBACK_WORKFLOW: Workflow[FeedbackRequest] = Workflow(
    aggregate=FeedbackRequest,
    machine=FeedbackFlow,
    create=RequestFeedback,
    commands=(GiveFeedback, ExpireFeedback, OpenRecovery, CloseRecovery),
    make=FeedbackRequest.requested,
)
"""The feedback workflow, ready for :class:`~relationkit.Relations` to run."""
