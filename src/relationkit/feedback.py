"""Feedback during the work and at its end, and the standard measures (care rule R7). Run it
through ``Relations.feedback`` (:class:`FeedbackService`).

Example:
    >>> from relationkit.feedback import csat, nps
    >>> nps([10, 9, 7, 3]), csat([5, 4, 2, 1])
    (25.0, 50.0)
"""

from __future__ import annotations

from relationkit.app.feedback import (
    FeedbackService,
    FeedbackSweep,
)
from relationkit.domain.feedback import (
    CHECK_IN,
    END_OF_CASE,
    FEEDBACK_KINDS,
    LAPSED_ACTIONS,
    CloseRecovery,
    ExpireFeedback,
    FeedbackConfig,
    FeedbackRequest,
    GiveFeedback,
    OpenRecovery,
    Recovery,
    RequestFeedback,
    Response,
)
from relationkit.domain.metrics import (
    PERIODS,
    FeedbackSummary,
    ces,
    csat,
    nps,
    summarize,
)
from relationkit.workflows.feedback import (
    FEEDBACK_WORKFLOW,
    FeedbackFlow,
)

__all__ = [
    "ces",
    "CHECK_IN",
    "CloseRecovery",
    "csat",
    "END_OF_CASE",
    "ExpireFeedback",
    "FEEDBACK_KINDS",
    "FEEDBACK_WORKFLOW",
    "FeedbackConfig",
    "FeedbackFlow",
    "FeedbackRequest",
    "FeedbackService",
    "FeedbackSummary",
    "FeedbackSweep",
    "GiveFeedback",
    "LAPSED_ACTIONS",
    "nps",
    "OpenRecovery",
    "PERIODS",
    "Recovery",
    "RequestFeedback",
    "Response",
    "summarize",
]
