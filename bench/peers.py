"""The peers relationkit is measured against, written as their own documentation teaches.

* :func:`desk_class` — an eventsourcing 9 ``Application`` with a ``Ticket`` aggregate shaped
  like relationkit's case (statements, paraphrases, deferrals), and a ``ReplyPromise``
  aggregate that a deferral creates, saved with the ticket in one ``save`` (one
  transaction), as relationkit stores a deferral and its reply promise together. A
  command is ``repository.get`` (replaying the ticket's events: eventsourcing keeps no
  snapshot unless told to), one command method (one event), ``save``.
* :class:`Floor` — a hand-written command doing the checks relationkit does, with nothing
  else: a dict transition table, the actor's role, one rule, the event as canonical JSON,
  its SHA-256 chained to the previous one, the event appended and the state stored. What a
  careful programmer would write without any library: the floor no library goes below.
* :func:`transitions_machine` and :func:`reused_machine` — one machine of ``transitions``
  and of python-statemachine, reused for every command (the state set, then the event
  sent): what a state machine alone costs per command.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import json
from typing import Any, ClassVar

from bench.world import AGENT_ID
from relationkit.workflows.case import CASE_WORKFLOW, CaseFlow

__all__ = [
    "Floor",
    "desk_class",
    "es_postgres_env",
    "reused_machine",
    "transitions_machine",
]

PARAPHRASE = "Your order is two weeks late and you got no answer."
REASON = "Checking with the warehouse."
STATEMENT = "My order is two weeks late and nobody answers my emails."


@functools.cache
def desk_class() -> type[Any]:
    """The eventsourcing application (a class: build it with its ``env``). Made once:
    eventsourcing registers each aggregate class under its topic."""
    from eventsourcing.application import Application
    from eventsourcing.domain import Aggregate, event

    class Ticket(Aggregate):  # type: ignore[misc]
        @event("Opened")
        def __init__(self, client_id: str, subject: str, statement: str) -> None:
            self.client_id = client_id
            self.subject = subject
            self.statements = [statement]
            self.paraphrases: list[str] = []
            self.heard = False
            self.deferrals: list[tuple[str, str]] = []
            self.state = "opened"

        @event("Acknowledged")
        def acknowledge(self, paraphrase: str) -> None:
            self.paraphrases.append(paraphrase)
            self.heard = False
            self.state = "acknowledged"

        @event("ConfirmedHeard")
        def confirm_heard(self) -> None:
            self.heard = True
            self.state = "heard"

        @event("Deferred")
        def defer(self, reply_by: str, reason: str) -> None:
            self.deferrals.append((reply_by, reason))
            self.state = "deferred"

    class ReplyPromise(Aggregate):  # type: ignore[misc]
        @event("Made")
        def __init__(self, ticket_id: str, owner_id: str, due_at: str) -> None:
            self.ticket_id = ticket_id
            self.owner_id = owner_id
            self.due_at = due_at
            self.state = "made"

    class Desk(Application):  # type: ignore[misc]
        def open(self, number: int, *, heard: bool = False) -> Any:
            """A ticket, opened (and heard), not yet saved."""
            ticket = Ticket(
                client_id=f"c-{number % 50:03d}",
                subject=f"Late delivery of order {number}",
                statement=STATEMENT,
            )
            if heard:
                ticket.acknowledge(PARAPHRASE)
                ticket.confirm_heard()
            return ticket

        def acknowledge(self, ticket_id: Any) -> None:
            ticket = self.repository.get(ticket_id)
            ticket.acknowledge(PARAPHRASE)
            self.save(ticket)

        def defer(self, ticket_id: Any, reply_by: str) -> None:
            ticket = self.repository.get(ticket_id)
            ticket.defer(reply_by, REASON)
            promise = ReplyPromise(ticket_id=str(ticket.id), owner_id=AGENT_ID, due_at=reply_by)
            self.save(ticket, promise)

    return Desk


def es_postgres_env(url: str, schema: str) -> dict[str, str]:
    """eventsourcing's environment for its PostgreSQL module, from a libpq URL."""
    from psycopg.conninfo import conninfo_to_dict

    info = conninfo_to_dict(url)
    return {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": str(info.get("dbname", "postgres")),
        "POSTGRES_HOST": str(info.get("host", "127.0.0.1")),
        "POSTGRES_PORT": str(info.get("port", "5432")),
        "POSTGRES_USER": str(info.get("user", "postgres")),
        "POSTGRES_PASSWORD": str(info.get("password", "")),
        "POSTGRES_SCHEMA": schema,
    }


class Floor:
    """A hand-written case command with relationkit's checks and nothing more.

    Cases are kept as dicts; a command copies the stored one (as a store hands out a
    working copy), looks the transition up in a dict table, checks the actor's role and
    one rule (a paraphrase is not empty), builds the event as canonical JSON (sorted keys,
    no spaces), hashes it with SHA-256 chained to the previous hash, appends it to the
    case's event list and stores the new state.
    """

    ROLES: ClassVar[dict[str, frozenset[str]]] = {"acknowledge": frozenset({"agent", "manager"})}

    def __init__(self) -> None:
        self.table = {s: dict(t) for s, t in CASE_WORKFLOW.table.transitions.items()}
        self.staff = {AGENT_ID: frozenset({"agent"})}
        self.cases: dict[str, dict[str, Any]] = {}
        self.events: dict[str, list[tuple[int, str, str]]] = {}

    def open(self, case_id: str) -> None:
        self.cases[case_id] = {
            "id": case_id,
            "state": "opened",
            "version": 1,
            "head": "0" * 64,
            "statements": [STATEMENT],
            "paraphrases": [],
            "heard": False,
        }
        self.events[case_id] = []

    def acknowledge(self, case_id: str, actor_id: str, at: str) -> None:
        case = copy.copy(self.cases[case_id])
        target = self.table[case["state"]].get("acknowledge")
        if target is None:
            raise ValueError(f"acknowledge is not offered in {case['state']}")
        if not self.staff.get(actor_id, frozenset()) & self.ROLES["acknowledge"]:
            raise PermissionError(actor_id)
        if not PARAPHRASE.strip():
            raise ValueError("a paraphrase says something")
        sequence = case["version"] + 1
        payload = json.dumps(
            {
                "aggregate_id": case_id,
                "sequence": sequence,
                "name": "CaseAcknowledged",
                "actor_id": actor_id,
                "at": at,
                "data": {"paraphrase": PARAPHRASE},
                "previous": case["head"],
            },
            sort_keys=True,
            separators=(",", ":"),
        )
        digest = hashlib.sha256(payload.encode()).hexdigest()
        case["paraphrases"] = [*case["paraphrases"], PARAPHRASE]
        case["heard"] = False
        case["state"] = target
        case["version"] = sequence
        case["head"] = digest
        self.events[case_id].append((sequence, payload, digest))
        self.cases[case_id] = case


def transitions_machine() -> Any:
    """One ``transitions`` machine with the case workflow's states and transitions."""
    from transitions import Machine

    table = CASE_WORKFLOW.table
    return Machine(
        states=sorted(table.states),
        transitions=[
            {"trigger": command, "source": source, "dest": target}
            for source, targets in table.transitions.items()
            for command, target in targets.items()
        ],
        initial=table.initial,
        auto_transitions=False,
    )


class _Model:
    state = "opened"


def reused_machine() -> tuple[Any, Any]:
    """One python-statemachine machine of the case workflow (``CaseFlow``) bound to a
    model, and the model: set ``model.state``, then ``machine.send(event)``."""
    model = _Model()
    return CaseFlow(model=model), model
