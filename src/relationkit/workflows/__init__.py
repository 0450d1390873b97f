"""Workflows: each aggregate kind's states and transitions, defined as a python-statemachine
class, with the commands its events stand for.

Replace a built-in workflow, or add one for an aggregate of your own, with
``CareConfig().with_workflow(Workflow(...))``; a machine class of yours may have callbacks
and conditions, and they run (see :mod:`relationkit.workflows.engine`).
"""

from __future__ import annotations

from relationkit.workflows.engine import FLOW, FlowTable, Workflow
from relationkit.workflows.registry import default_workflows

__all__ = ["FLOW", "FlowTable", "Workflow", "default_workflows"]
