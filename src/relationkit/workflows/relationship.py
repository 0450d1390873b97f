"""The Relationship workflow: prospect, active, at risk, severance proposed, ended.

A proposal that is rejected, withdrawn or lapses returns the relationship to active; an
ended relationship returns to active only through ``reengage``. Approvals, dissents and
delegations are recorded without changing the state; care rule R9 decides whether ``end``
may follow.

The diagram of this machine is generated from this class (``relationkit diagram
relationship``).
"""

from __future__ import annotations

from statemachine import State, StateMachine

from relationkit.domain.relationship import (
    Activate,
    Approve,
    Delegate,
    Dissent,
    End,
    ExpireProposal,
    MarkAtRisk,
    OpenRelationship,
    ProposeSeverance,
    Recover,
    ReEngage,
    Reject,
    Relationship,
    RevokeDelegation,
    Withdraw,
)
from relationkit.workflows.engine import Workflow

__all__ = ["RELATIONSHIP_WORKFLOW", "RelationshipFlow"]


class RelationshipFlow(StateMachine):
    """States of the business's standing with one party."""

    prospect = State("Prospect", initial=True)
    active = State("Active")
    at_risk = State("At risk")
    severance_proposed = State("Severance proposed")
    ended = State("Ended")

    activate = prospect.to(active)
    mark_at_risk = active.to(at_risk)
    recover = at_risk.to(active)
    propose_severance = at_risk.to(severance_proposed)
    approve = severance_proposed.to.itself()
    dissent = severance_proposed.to.itself()
    reject = severance_proposed.to(active)
    withdraw = severance_proposed.to(active)
    expire = severance_proposed.to(active)
    end = severance_proposed.to(ended)
    reengage = ended.to(active)
    delegate = (
        prospect.to.itself()
        | active.to.itself()
        | at_risk.to.itself()
        | severance_proposed.to.itself()
    )
    revoke_delegation = (
        prospect.to.itself()
        | active.to.itself()
        | at_risk.to.itself()
        | severance_proposed.to.itself()
    )


RELATIONSHIP_WORKFLOW: Workflow[Relationship] = Workflow(
    aggregate=Relationship,
    machine=RelationshipFlow,
    create=OpenRelationship,
    commands=(
        Activate,
        MarkAtRisk,
        Recover,
        ProposeSeverance,
        Approve,
        Dissent,
        Reject,
        Withdraw,
        ExpireProposal,
        End,
        ReEngage,
        Delegate,
        RevokeDelegation,
    ),
    make=Relationship.opened,
)
"""The relationship workflow, ready for :class:`~relationkit.Relations` to run."""
