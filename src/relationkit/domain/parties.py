"""The people relationkit deals with: parties (clients, vendors, consultants) and staff.

Every party kind shares one base, :class:`Party`, and every rule treats them alike
(care rule R10). A party's ``title`` is kept for courtesy (addressing people properly) and is
never read by any rule; what a party is entitled to comes from its ``contract``.

Example:
    >>> from relationkit.domain.parties import Client, Staff
    >>> alice = Client(id="c-alice", name="Alice Moreau", contract="standard")
    >>> sam = Staff(id="s-sam", name="Sam Ortiz", roles={"agent"})
    >>> alice.kind, sam.has_role("agent")
    ('client', True)
"""

from __future__ import annotations

from typing import ClassVar, TypeAlias

import attrs

from relationkit.domain.values import an_id, flag, frozen_roles, known_zone, optional, required

__all__ = [
    "AGENT",
    "MANAGER",
    "PARTNER",
    "Actor",
    "Client",
    "Consultant",
    "Party",
    "Staff",
    "Vendor",
    "party_kinds",
]

AGENT = "agent"
"""The everyday role of staff who look after cases."""
MANAGER = "manager"
"""A role with authority: approves stretches, severances, re-engagements."""
PARTNER = "partner"
"""An owner of the business; has authority but, like everyone, never acts alone (R9)."""


@attrs.frozen(kw_only=True)
class Party:
    """Anyone the business deals with. Subclassed by :class:`Client`, :class:`Vendor` and
    :class:`Consultant`; rules never branch on which.

    Attributes:
        id: a unique, stable id chosen by the application (or generated).
        name: how the party is called.
        contract: the contract or entitlement that sets its targets (R10).
        segment: an optional grouping for reports (region, size, industry …).
        title: courtesy title or position; informational only, never read by a rule.
        timezone: the IANA zone the party lives in, for promises made to it.
        active: false once the party was deactivated in the directory: it opens no new
            case and takes no new relationship or promise until reactivated.
    """

    KIND: ClassVar[str] = "party"

    id: str = attrs.field(validator=an_id)
    name: str = attrs.field(validator=required)
    contract: str = attrs.field(default="standard", validator=an_id)
    segment: str | None = attrs.field(default=None, validator=optional)
    title: str | None = attrs.field(default=None, validator=optional)
    timezone: str = attrs.field(default="UTC", validator=known_zone)
    active: bool = attrs.field(default=True, validator=flag)

    @property
    def kind(self) -> str:
        """``"client"``, ``"vendor"`` or ``"consultant"``."""
        return self.KIND


@attrs.frozen(kw_only=True)
class Client(Party):
    """A party the business serves."""

    KIND: ClassVar[str] = "client"


@attrs.frozen(kw_only=True)
class Vendor(Party):
    """A party whose products or services the business relays to its clients (R8)."""

    KIND: ClassVar[str] = "vendor"


@attrs.frozen(kw_only=True)
class Consultant(Party):
    """An outside professional the business works with or refers clients to."""

    KIND: ClassVar[str] = "consultant"


def party_kinds() -> dict[str, type[Party]]:
    """The party classes by kind name (``{"client": Client, …}``)."""
    return {cls.KIND: cls for cls in (Client, Vendor, Consultant)}


@attrs.frozen(kw_only=True)
class Staff:
    """A person of the business who acts on cases.

    Attributes:
        id: a unique, stable id.
        name: the person's name.
        roles: role names such as ``"agent"``, ``"manager"``, ``"partner"``; which commands a
            role may run is configured in :class:`~relationkit.config.CareConfig`.
        timezone: the IANA zone the person works in.
        active: false once the person was deactivated in the directory: a deactivated
            member of staff cannot act.
    """

    id: str = attrs.field(validator=an_id)
    name: str = attrs.field(validator=required)
    roles: frozenset[str] = attrs.field(factory=frozenset, converter=frozen_roles)
    timezone: str = attrs.field(default="UTC", validator=known_zone)
    active: bool = attrs.field(default=True, validator=flag)

    def has_role(self, *roles: str) -> bool:
        """True if the person holds at least one of ``roles``."""
        return not self.roles.isdisjoint(roles)


Actor: TypeAlias = "Staff | Party"
"""Whoever issues a command: a member of staff, or a party (a client confirming, say)."""
