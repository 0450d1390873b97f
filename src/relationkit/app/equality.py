"""Equal treatment (care rule R10): :class:`EqualityService`, reached as
``Relations.equality``.

Targets (how soon a party gets a first answer and a resolution) come from the entitlements
of contracts alone, never from who the party is or who serves them; the report compares
what parties of each kind and segment actually got.

Example:
    >>> import pendulum
    >>> from relationkit import Client, Relations
    >>> from relationkit.equality import Entitlement
    >>> rk = Relations()
    >>> rk.register(Client(id="c-ana", name="Ana", contract="gold"))
    >>> rk.equality.entitle(Entitlement(id="gold",
    ...     response_within=pendulum.duration(hours=4),
    ...     resolution_within=pendulum.duration(days=2)))
    >>> rk.equality.targets("c-ana").response_within.in_hours()
    4
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import pendulum

from relationkit.app.directory import acting
from relationkit.domain.case import Case
from relationkit.domain.entries import DefineEntitlement, EntitlementEntry, SetTargets
from relationkit.domain.equality import (
    Entitlement,
    EqualityReport,
    Targets,
    equality_report,
    targets_for,
)
from relationkit.domain.parties import Party
from relationkit.domain.relationship import Relationship
from relationkit.domain.values import ident, instant
from relationkit.exceptions import AlreadyRegistered, InvalidInput

if TYPE_CHECKING:
    from relationkit.app.pipeline import Pipeline
    from relationkit.domain.aggregate import Written
    from relationkit.store.base import UnitOfWork

__all__ = ["EqualityService"]


class EqualityService:
    """Entitlements and the equal-treatment report (R10), reached as ``Relations.equality``.

    Args:
        pipeline: the command pipeline whose store it reads and writes.
    """

    def __init__(self, pipeline: Pipeline) -> None:
        self._p = pipeline

    def entitle(
        self, *entitlements: Entitlement, actor: str | None = None, reason: str | None = None
    ) -> None:
        """Define contracts' entitlements, the only source of targets, all in one
        transaction or none: each is an entry of the directory whose timeline starts with
        its definition by ``actor`` (``define_entitlement``: managers and partners by
        default; the setup actor while nobody may, see :mod:`relationkit.app.directory`).
        Change one with :meth:`set_targets`.

        Raises:
            InvalidInput: something else than an entitlement, or two with one id.
            AlreadyRegistered: an entitlement of that contract is defined already.
            ActorRequired: no actor, and someone may define entitlements now.
            NotPermitted: the actor may not define entitlements.
        """
        seen: set[str] = set()
        for entitlement in entitlements:
            if not isinstance(entitlement, Entitlement):
                raise InvalidInput(
                    f"refused: {entitlement!r} as an entitlement; targets come from "
                    "Entitlement records; build one.",
                    field="entitlements",
                )
            if entitlement.id in seen:
                raise InvalidInput(
                    f"refused: two entitlements of contract {entitlement.id!r}; a contract "
                    "has one entitlement; pass each once.",
                    field="entitlements",
                )
            seen.add(entitlement.id)

        def define(uow: UnitOfWork) -> Written:
            who = acting(self._p, uow, actor, ["define_entitlement"])
            written: list[Any] = []
            for entitlement in entitlements:
                if uow.find(EntitlementEntry, entitlement.id) is not None or (
                    uow.find_record(Entitlement, entitlement.id) is not None
                ):
                    raise AlreadyRegistered(
                        entitlement.id,
                        "entitlement",
                        "entitlement",
                        "change its targets with rk.equality.set_targets, with the reason",
                    )
                written += self._p.start_in(
                    uow,
                    EntitlementEntry,
                    DefineEntitlement.of(entitlement, reason),
                    actor=who("define_entitlement"),
                    aggregate_id=entitlement.id,
                )
            return written

        self._p.write(define)

    def set_targets(
        self,
        contract: str,
        *,
        response_within: pendulum.Duration,
        resolution_within: pendulum.Duration,
        reason: str,
        actor: str | None = None,
    ) -> Entitlement:
        """Change the targets of a contract's entitlement (``set_targets``: managers and
        partners by default), with the reason; every party on that contract gets them.

        Raises:
            NotFound: no entitlement of that contract is defined.
        """
        command = SetTargets(
            response_within=response_within, resolution_within=resolution_within, reason=reason
        )
        contract = ident(contract, "contract")

        def change(uow: UnitOfWork) -> Written:
            who = acting(self._p, uow, actor, ["set_targets"])
            return self._p.run_in(
                uow, EntitlementEntry, contract, command, actor=who("set_targets")
            )

        written = self._p.write(change)
        entry: EntitlementEntry = written[0][0]  # type: ignore[assignment]
        return entry.record()

    def entitlements(self) -> list[Entitlement]:
        """Every stored entitlement, by contract."""
        with self._p.reading() as uow:
            return uow.records(Entitlement)

    def targets(self, party_id: str, *, relationship: str | None = None) -> Targets:
        """The response and resolution targets of a party, from its contract (or its
        relationship's contract) alone."""
        with self._p.reading() as uow:
            party = uow.get_record(Party, ident(party_id, "party_id"))
            contract = None
            if relationship is not None:
                contract = uow.get(Relationship, ident(relationship, "relationship")).contract
            return targets_for(party, uow.records(Entitlement), contract=contract)

    def report(
        self,
        *,
        tolerance: float | None = None,
        dimensions: Iterable[str] = ("kind", "segment"),
        since: pendulum.DateTime | None = None,
        min_cases: int = 1,
    ) -> EqualityReport:
        """Compare response times, resolution times, outcomes and service-level attainment
        across party kinds and segments (cases opened since ``since``); flag differences
        beyond ``tolerance`` (``config.feedback.disparity_tolerance`` if omitted), and
        contracts whose parties got different service-level targets at one priority or
        had them met unequally by party kind (a case counts under its relationship's
        contract when it has one)."""
        start = None if since is None else instant(since, "since")
        with self._p.reading() as uow:
            cases = [c for c in uow.select(Case) if start is None or c.opened_at >= start]
            parties = uow.records(Party)
            entitlements = uow.records(Entitlement)
            linked = {c.relationship_id for c in cases if c.relationship_id is not None}
            contracts: dict[str, str] = {}
            if linked:
                of = {r.id: r.contract for r in uow.select(Relationship) if r.id in linked}
                contracts = {
                    c.id: of[c.relationship_id]
                    for c in cases
                    if c.relationship_id in of and of[c.relationship_id] is not None
                }
        config = self._p.config.feedback
        return equality_report(
            cases,
            parties,
            entitlements,
            tolerance=config.disparity_tolerance if tolerance is None else tolerance,
            dimensions=dimensions,
            min_cases=min_cases,
            contracts=contracts,
        )
