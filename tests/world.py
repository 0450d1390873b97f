"""The world most tests start from (not a test module).

:func:`world` builds a :class:`~relationkit.Relations` on a fresh memory store (or the store
given), its :class:`~relationkit.ManualClock` at :data:`START` (or the time given), with the
people given registered in that order and the refund policy published by Mia, the manager.
The usual people are here too, so every module means the same Ana, Sam and Mia::

    rk = world(ANA, BO, SAM, MIA, config=CASE_RULES)

A module whose tests need a clock of their own passes ``clock=``; one that needs other
people passes them (any :class:`~relationkit.Client`, :class:`~relationkit.Staff` …), and
one that publishes its own policy, or has no manager, passes ``policy=None``.
"""

from __future__ import annotations

from collections.abc import Sequence

import pendulum

from relationkit import CareConfig, Client, Consultant, ManualClock, Relations, Staff, Vendor
from relationkit.domain.parties import Party
from relationkit.policy import Clause, Policy
from relationkit.rules.authority import RoleAuthority
from relationkit.rules.case import case_rules
from relationkit.store.base import Store

START = pendulum.datetime(2026, 3, 2, 9, tz="UTC")
"""Monday 2 March 2026, 09:00 UTC: where the world's clock starts."""

CASE_RULES = CareConfig(rules=(RoleAuthority(), *case_rules()))
"""The case's own care rules only, so rules of other areas do not blur what is tested here."""

ANA = Client(id="c-ana", name="Ana Ruiz")
BO = Client(id="c-bo", name="Bo Chen")
ACME = Vendor(id="v-acme", name="Acme Parts")
LEGAL = Consultant(id="p-legal", name="Legal Aid Partners")
SAM = Staff(id="s-sam", name="Sam Ortiz", roles={"agent"})
MIA = Staff(id="s-mia", name="Mia Lund", roles={"manager"})
PAT = Staff(id="s-pat", name="Pat Okafor", roles={"partner"})
NOOR = Staff(id="s-new", name="Noor Haddad")
"""Staff without a role."""

REFUNDS = Clause(id="refunds-30d", text="Refunds within 30 days.")
"""The one clause of the world's policy, the clause a declined refund cites."""


def world(
    *people: Party | Staff,
    start: pendulum.DateTime = START,
    clock: ManualClock | None = None,
    store: Store | str | None = None,
    config: CareConfig | None = None,
    policy: Sequence[Clause] | None = (REFUNDS,),
    publisher: str | None = MIA.id,
) -> Relations:
    """Relations on ``store`` (a new memory store when none), on ``clock`` (a manual clock at
    ``start`` when none) under ``config`` (relationkit's defaults when none), with ``people``
    registered and, unless ``policy`` is None, policy version 1 of those clauses published
    by ``publisher`` at the clock's time."""
    clock = clock if clock is not None else ManualClock(start)
    rk = Relations(store, clock=clock, config=config)
    if people:
        rk.register(*people)
    if policy is not None:
        rk.policy.publish(
            Policy(version=1, published_at=clock.now(), clauses=list(policy)), actor=publisher
        )
    return rk
