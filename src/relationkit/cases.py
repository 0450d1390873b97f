"""Cases: one concern, request or problem raised by a client, from their first words to
closing. Every case command is here; run them with :meth:`Relations.handle
<relationkit.app.relations.Relations.handle>` and open a case with
:meth:`Relations.open_case <relationkit.app.relations.Relations.open_case>`.

Example:
    >>> from relationkit.cases import Acknowledge, Decline
    >>> Acknowledge(paraphrase="You want the March invoice refunded.").NAME
    'acknowledge'
    >>> Decline(reason="The refund window closed.", clause_id="refunds-30d").EVENT
    'RequestDeclined'
"""

from __future__ import annotations

from relationkit.domain.case import (
    ACCEPT,
    COMPROMISE,
    DECLINE,
    REFER,
    Accept,
    Acknowledge,
    Case,
    CaseHistory,
    ChangePriority,
    Close,
    Compromise,
    ConfirmHeard,
    Consult,
    Consultation,
    CorrectParaphrase,
    Decision,
    Decline,
    Defer,
    Deferral,
    EndWait,
    Escalate,
    Expectation,
    ExpectationKeys,
    MatchExpectation,
    OpenCase,
    Paraphrase,
    PostUpdate,
    RecordExpectation,
    RecordStatement,
    Refer,
    Reopen,
    Reopening,
    ResetExpectation,
    Resolution,
    Resolve,
    StartWork,
    Statement,
    Wait,
)
from relationkit.workflows.case import (
    CASE_WORKFLOW,
    CaseFlow,
)

__all__ = [
    "ACCEPT",
    "Accept",
    "Acknowledge",
    "Case",
    "CASE_WORKFLOW",
    "CaseFlow",
    "CaseHistory",
    "ChangePriority",
    "Close",
    "COMPROMISE",
    "Compromise",
    "ConfirmHeard",
    "Consult",
    "Consultation",
    "CorrectParaphrase",
    "Decision",
    "DECLINE",
    "Decline",
    "Defer",
    "Deferral",
    "EndWait",
    "Escalate",
    "Expectation",
    "ExpectationKeys",
    "MatchExpectation",
    "OpenCase",
    "Paraphrase",
    "PostUpdate",
    "RecordExpectation",
    "RecordStatement",
    "REFER",
    "Refer",
    "Reopen",
    "Reopening",
    "ResetExpectation",
    "Resolution",
    "Resolve",
    "StartWork",
    "Statement",
    "Wait",
]
