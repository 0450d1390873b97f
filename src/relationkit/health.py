"""Relationship health, explained signal by signal (care rule R12): the model, its built-in
signals, and what they read. Assess through ``Relations.health`` (:class:`HealthService`);
add your own signal to ``CareConfig.health``.

Example:
    >>> from relationkit.health import default_health_model
    >>> [s.name for s in default_health_model().signals][:3]
    ['promise_keeping', 'recurrences', 'feedback_trend']
"""

from __future__ import annotations

from relationkit.app.health import (
    HealthService,
    track_contact,
)
from relationkit.domain.health import (
    NOT_CONTACT,
    Contact,
    Contribution,
    FeedbackTrend,
    HealthFacts,
    HealthModel,
    HealthReport,
    LastContact,
    OpenCases,
    PromiseKeeping,
    Reading,
    Recurrences,
    ResponseTimes,
    ServiceLevelAttainment,
    default_health_model,
)

__all__ = [
    "Contact",
    "Contribution",
    "default_health_model",
    "FeedbackTrend",
    "HealthFacts",
    "HealthModel",
    "HealthReport",
    "HealthService",
    "LastContact",
    "NOT_CONTACT",
    "OpenCases",
    "PromiseKeeping",
    "Reading",
    "Recurrences",
    "ResponseTimes",
    "ServiceLevelAttainment",
    "track_contact",
]
