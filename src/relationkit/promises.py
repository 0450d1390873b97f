"""Promises: commitments to a party, what, who owns it, due when; made, then kept, broken,
renegotiated or withdrawn (care rules R4 and R5). Run them through ``Relations.promises``
(:class:`PromiseService`).

Example:
    >>> from relationkit.promises import KeepPromise, MakePromise
    >>> MakePromise.NAME, KeepPromise.EVENT
    ('make', 'PromiseKept')
"""

from __future__ import annotations

from relationkit.app.promises import (
    KeepingRate,
    PromiseService,
    PromiseSweepReport,
)
from relationkit.domain.promise import (
    AWAITING_APPROVAL,
    COMMITTED_STATES,
    DELIVERY,
    KINDS,
    OPEN_STATES,
    REPLY,
    UPDATE,
    ApproveStretch,
    BreakPromise,
    KeepPromise,
    MakePromise,
    Promise,
    PromiseHistory,
    RenegotiatePromise,
    Renegotiation,
    WarnPromise,
    WithdrawPromise,
)
from relationkit.rules.promise import HonestDue
from relationkit.rules.settings import PromiseConfig
from relationkit.workflows.promise import (
    PROMISE_WORKFLOW,
    PromiseFlow,
)

__all__ = [
    "ApproveStretch",
    "AWAITING_APPROVAL",
    "BreakPromise",
    "COMMITTED_STATES",
    "DELIVERY",
    "HonestDue",
    "KeepingRate",
    "KeepPromise",
    "KINDS",
    "MakePromise",
    "OPEN_STATES",
    "Promise",
    "PromiseHistory",
    "PROMISE_WORKFLOW",
    "PromiseConfig",
    "PromiseFlow",
    "PromiseService",
    "PromiseSweepReport",
    "RenegotiatePromise",
    "Renegotiation",
    "REPLY",
    "UPDATE",
    "WarnPromise",
    "WithdrawPromise",
]
