"""Cases, the main workflow: how a new case is put together.

Running case commands is :class:`~relationkit.app.relations.Relations`' own job
(:meth:`~relationkit.app.relations.Relations.open_case`,
:meth:`~relationkit.app.relations.Relations.handle`,
:meth:`~relationkit.app.relations.Relations.options`); this module builds the creating
command: the relationship the case joins (:mod:`relationkit.app.relationships`) and the
earlier case it repeats, if any (a recurrence, :mod:`relationkit.app.liaison`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import attrs

from relationkit.domain.case import Case, OpenCase
from relationkit.domain.values import ident, new_id

if TYPE_CHECKING:
    from relationkit.app.liaison import LiaisonService
    from relationkit.app.relationships import Joining, RelationshipService

__all__ = ["open_case_command"]


def open_case_command(
    liaison: LiaisonService,
    relationships: RelationshipService,
    *,
    client: str,
    subject: str,
    statement: str,
    escalated: bool = False,
    relationship: str | None = None,
    case_id: str | None = None,
    product: str | None = None,
    category: str | None = None,
    problem_key: str | None = None,
    priority: str | None = None,
) -> tuple[OpenCase, str, Joining]:
    """The command that opens a case, its id, and the relationship it joins (see
    :meth:`Relations.open_case <relationkit.app.relations.Relations.open_case>`)."""
    case_id = new_id(Case.KIND) if case_id is None else ident(case_id, "case_id")
    client = ident(client, "client")
    earlier = liaison.find_recurrence(
        client=client,
        subject=subject,
        product=product,
        category=category,
        problem_key=problem_key,
    )
    command = OpenCase(
        client_id=client,
        subject=subject,
        statement=statement,
        escalated=escalated,
        relationship_id=relationship,
        product=product,
        category=category,
        problem_key=problem_key,
        recurrence_of=None if earlier is None else earlier.id,
        priority=priority,
    )
    joining = relationships.joining(
        command.client_id,
        command.relationship_id,
        what="case",
        reason=f"started by case {case_id!r}, the client's first",
    )
    return attrs.evolve(command, relationship_id=joining.relationship_id), case_id, joining
