"""The written policy: how the business treats people, in numbered versions that staff
acknowledge (care rule R11). Keep it through ``Relations.policy`` (:class:`PolicyService`).

Example:
    >>> import pendulum
    >>> from relationkit.policy import Clause, Policy
    >>> policy = Policy(version=1, published_at=pendulum.datetime(2026, 3, 2, tz="UTC"),
    ...                 clauses=(Clause(id="refunds-30d", text="Refunds within 30 days."),))
    >>> policy.clause("refunds-30d").text
    'Refunds within 30 days.'
"""

from __future__ import annotations

from relationkit.app.policy import (
    PolicyService,
)
from relationkit.domain.policy import (
    CURRENT,
    LAPSED,
    NEVER,
    OUTDATED,
    Acknowledgement,
    AcknowledgementStatus,
    Clause,
    Policy,
    PolicyLapseFlag,
)

__all__ = [
    "Acknowledgement",
    "AcknowledgementStatus",
    "Clause",
    "CURRENT",
    "LAPSED",
    "NEVER",
    "OUTDATED",
    "Policy",
    "PolicyLapseFlag",
    "PolicyService",
]
