"""Relationships: the business's standing with one party, from prospect to ended, and
severance, which no one person decides alone (care rule R9). Run them through
``Relations.relationships`` (:class:`RelationshipService`).

Example:
    >>> from relationkit.relationships import Approve, ProposeSeverance
    >>> ProposeSeverance.NAME, Approve.EVENT
    ('propose_severance', 'SeveranceApproved')
"""

from __future__ import annotations

from relationkit.app.relationships import (
    Joining,
    RelationshipService,
    first_relationship_id,
)
from relationkit.app.relationships import (
    SweepReport as RelationshipSweepReport,
)
from relationkit.domain.relationship import (
    ACTIVE,
    AT_RISK,
    ENDED,
    PROSPECT,
    SEVERANCE_PROPOSED,
    Activate,
    Approval,
    Approve,
    Delegate,
    Delegation,
    Dissent,
    End,
    Exit,
    ExpireProposal,
    MarkAtRisk,
    OpenRelationship,
    ProposeSeverance,
    Recover,
    ReEngage,
    Reject,
    Rejection,
    Relationship,
    RelationshipHistory,
    RevokeDelegation,
    RiskNote,
    SeveranceProposal,
    Withdraw,
)
from relationkit.rules.settings import RelationshipConfig
from relationkit.workflows.relationship import (
    RELATIONSHIP_WORKFLOW,
    RelationshipFlow,
)

__all__ = [
    "Activate",
    "ACTIVE",
    "Approval",
    "Approve",
    "AT_RISK",
    "Delegate",
    "Delegation",
    "Dissent",
    "End",
    "ENDED",
    "Exit",
    "ExpireProposal",
    "first_relationship_id",
    "Joining",
    "MarkAtRisk",
    "OpenRelationship",
    "ProposeSeverance",
    "PROSPECT",
    "Recover",
    "ReEngage",
    "Reject",
    "Rejection",
    "Relationship",
    "RelationshipHistory",
    "RELATIONSHIP_WORKFLOW",
    "RelationshipConfig",
    "RelationshipFlow",
    "RelationshipService",
    "RelationshipSweepReport",
    "RevokeDelegation",
    "RiskNote",
    "SEVERANCE_PROPOSED",
    "SeveranceProposal",
    "Withdraw",
]
