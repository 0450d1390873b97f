"""The vendor ticket workflow (R8): sent, vendor acknowledged, fix provided, fix relayed,
client confirmed. The status only moves forward; a command that would take it back is
refused with :class:`~relationkit.exceptions.InvalidTransition`. Client updates are
recorded in every status before the client's confirmation.

The diagram of this machine is generated from this class (``relationkit diagram
vendor_ticket``).
"""

from __future__ import annotations

from statemachine import State, StateMachine

from relationkit.domain.liaison import (
    ConfirmFix,
    EscalateToVendor,
    ProvideFix,
    RelayFix,
    UpdateClient,
    VendorAcknowledge,
    VendorTicket,
)
from relationkit.workflows.engine import Workflow

__all__ = ["VENDOR_TICKET_WORKFLOW", "VendorTicketFlow"]


class VendorTicketFlow(StateMachine):
    """Statuses of a problem handed to a vendor."""

    sent = State("Sent", initial=True)
    vendor_acknowledged = State("Vendor acknowledged")
    fix_provided = State("Fix provided")
    fix_relayed = State("Fix relayed")
    client_confirmed = State("Client confirmed", final=True)

    vendor_acknowledge = sent.to(vendor_acknowledged)
    provide_fix = vendor_acknowledged.to(fix_provided)
    relay_fix = fix_provided.to(fix_relayed)
    confirm_fix = fix_relayed.to(client_confirmed)
    update_client = (
        sent.to.itself()
        | vendor_acknowledged.to.itself()
        | fix_provided.to.itself()
        | fix_relayed.to.itself()
    )


VENDOR_TICKET_WORKFLOW: Workflow[VendorTicket] = Workflow(
    aggregate=VendorTicket,
    machine=VendorTicketFlow,
    create=EscalateToVendor,
    commands=(VendorAcknowledge, ProvideFix, RelayFix, ConfirmFix, UpdateClient),
    make=VendorTicket.opened,
)
"""The vendor ticket workflow, ready for :class:`~relationkit.Relations` to run."""
