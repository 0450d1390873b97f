"""The workflows a :class:`~relationkit.Relations` runs unless told otherwise: the default
of ``CareConfig().workflows``."""

from __future__ import annotations

from typing import Any

from relationkit.workflows.case import CASE_WORKFLOW
from relationkit.workflows.directory import (
    CALENDAR_WORKFLOW,
    ENTITLEMENT_WORKFLOW,
    OFFERING_WORKFLOW,
    PERSON_WORKFLOW,
    POLICY_WORKFLOW,
    SERVICE_LEVEL_WORKFLOW,
)
from relationkit.workflows.engine import Workflow
from relationkit.workflows.feedback import FEEDBACK_WORKFLOW
from relationkit.workflows.liaison import VENDOR_TICKET_WORKFLOW
from relationkit.workflows.promise import PROMISE_WORKFLOW
from relationkit.workflows.relationship import RELATIONSHIP_WORKFLOW

__all__ = ["default_workflows"]


def default_workflows() -> dict[str, Workflow[Any]]:
    """Every built-in workflow, by aggregate kind."""
    workflows: list[Workflow[Any]] = [
        CASE_WORKFLOW,
        RELATIONSHIP_WORKFLOW,
        VENDOR_TICKET_WORKFLOW,
        FEEDBACK_WORKFLOW,
        PROMISE_WORKFLOW,
        PERSON_WORKFLOW,
        ENTITLEMENT_WORKFLOW,
        POLICY_WORKFLOW,
        CALENDAR_WORKFLOW,
        OFFERING_WORKFLOW,
        SERVICE_LEVEL_WORKFLOW,
    ]
    return {w.kind: w for w in workflows}
