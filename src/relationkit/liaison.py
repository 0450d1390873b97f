"""The liaison between a client and a vendor: vendor tickets, the client's updates, and
problems that come back (care rule R8). Run them through ``Relations.liaison``
(:class:`LiaisonService`).

Example:
    >>> from relationkit.liaison import EscalateToVendor, RelayFix
    >>> EscalateToVendor.EVENT, RelayFix.NAME
    ('VendorTicketOpened', 'relay_fix')
"""

from __future__ import annotations

from relationkit.app.liaison import (
    LiaisonService,
)
from relationkit.domain.liaison import (
    CLIENT_CONFIRMED,
    FIX_PROVIDED,
    FIX_RELAYED,
    SENT,
    TICKET_STATUSES,
    VENDOR_ACKNOWLEDGED,
    ClientUpdate,
    ConfirmFix,
    EscalateToVendor,
    ProvideFix,
    RelayFix,
    UpdateClient,
    VendorAcknowledge,
    VendorResponse,
    VendorTicket,
    VendorTicketHistory,
)
from relationkit.domain.recurrence import (
    Signature,
    VendorReliability,
    signature_of,
)
from relationkit.workflows.liaison import (
    VENDOR_TICKET_WORKFLOW,
    VendorTicketFlow,
)

__all__ = [
    "CLIENT_CONFIRMED",
    "ClientUpdate",
    "ConfirmFix",
    "EscalateToVendor",
    "FIX_PROVIDED",
    "FIX_RELAYED",
    "LiaisonService",
    "ProvideFix",
    "RelayFix",
    "SENT",
    "Signature",
    "signature_of",
    "TICKET_STATUSES",
    "UpdateClient",
    "VENDOR_ACKNOWLEDGED",
    "VENDOR_TICKET_WORKFLOW",
    "VendorAcknowledge",
    "VendorReliability",
    "VendorResponse",
    "VendorTicket",
    "VendorTicketHistory",
    "VendorTicketFlow",
]
